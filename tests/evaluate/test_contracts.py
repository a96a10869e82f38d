"""The contracts at the seams (standing.contracts, docs/schemas/, docs/bus-events.md): every event the real handlers
put on the bus matches its checked-in JSON Schema and its model, names its program one way and carries its stable
id; records and standings the API returns pass theirs; a drift fails where it is built; `standing schemas --check`
fails on a stale file. And `opt_in_requires_criteria: false` lets a partner join without meeting the criteria."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import ValidationError

from standing import catalog, contracts
from standing.rules.schema import Membership
from standing_local import cli
from standing_local.schemas import FOLDER, stale
from tests.evaluate.conftest import event, profile
from tests.evaluate.test_scenarios import _kkday_partner

TAIPEI = "Asia/Taipei"
KKDAY = "kkday-trusted-partner"
PROPERTY = "booking-preferred-property"
ID_PREFIX = {
    "Partner Evaluated": "evaluated#",
    "Standing Changed": "standing#",
    "Partner At Risk": "at_risk#",
    "Membership Changed": "membership#",
    "Evaluation Run Completed": "run#",
}


def _schema(detail_type: str) -> Draft202012Validator:
    schema = json.loads((FOLDER / f"{contracts.slug(detail_type)}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _property(partner: str, now: datetime, performance: int) -> list[dict]:
    """A property's recent data, dated relative to `now` (the API judges an opt-in on the real clock)."""

    def at(days: float) -> str:
        return (now - timedelta(days=days)).isoformat()

    return [
        profile(partner, at(60), [PROPERTY], region="NL", category="hotel"),
        event("score.reported", partner, at(5), metric="performance_score", value=performance),
        event("score.reported", partner, at(5), metric="price_competitiveness", value="competitive"),
        *[
            event("review.submitted", partner, at(20 + n), review_id=f"{partner}-v{n}", rating=r, scale=10)
            for n, r in enumerate((8, 7, 9))
        ],
    ]


def _opt_in(scenario, partner: str) -> tuple[int, dict]:
    return scenario.stack.request("POST", f"/partners/{partner}/programs/{PROPERTY}/membership", {"action": "opt_in"})


def _without_nulls(value: Any) -> Any:
    """A JSON value with every null-valued key left out, at any depth."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def test_every_published_detail_matches_its_checked_in_schema_and_names_its_program_one_way(scenario):
    scenario.post([profile(p, "2024-06-01T09:00:00+08:00", [KKDAY]) for p in ("kk-good", "kk-poor")])
    scenario.post(_kkday_partner("kk-good", "2024-07-10", orders=20, partner_cancels=0, reply_hours=1))
    scenario.post(_kkday_partner("kk-poor", "2024-07-10", orders=20, partner_cancels=5, reply_hours=20))
    scenario.fire("DailyProjectionSchedule", "2024-07-20T02:00", "UTC")  # kk-poor is at risk mid-period
    scenario.fire("KkdayTrustedPartnerSchedule", "2024-08-04T00:00", TAIPEI)
    now = datetime.now(UTC)
    scenario.post(_property("bp-low", now, 55) + _property("bp-good", now, 82))
    assert _opt_in(scenario, "bp-low")[0] == 409
    assert _opt_in(scenario, "bp-good")[0] == 200

    published = scenario.bus_events()
    assert {e["detail-type"] for e in published} == set(contracts.DETAILS)
    for bus_event in published:
        detail_type, detail = bus_event["detail-type"], bus_event["detail"]
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in _schema(detail_type).iter_errors(detail)]
        assert errors == [], (detail_type, errors)
        assert contracts.violation(detail_type, detail) is None
        assert detail["id"].startswith(ID_PREFIX[detail_type]), detail["id"]
        assert isinstance(detail["program"], str) and detail["program_name"] == catalog.program(detail["program"]).name

    evaluated = next(e["detail"] for e in published if e["detail-type"] == "Partner Evaluated")
    (stored,) = scenario.records(evaluated["partner_id"], KKDAY)
    # The API shows the record as its contract's model, unset optional fields as null (`membership` for a program
    # every enrolled partner takes part in, a metric's `window_days` and `reason`); the bus leaves them out.
    assert _without_nulls(evaluated["record"]) == _without_nulls(stored)
    record_schema = Draft202012Validator(json.loads((FOLDER / "evaluation-record.json").read_text(encoding="utf-8")))
    for partner in ("kk-good", "kk-poor", "bp-good"):
        status, standing = scenario.stack.request("GET", f"/partners/{partner}/standing")
        assert status == 200, standing
        for program in standing["programs"].values():
            contracts.ProgramStanding.model_validate(program)
            for record in (program["last_evaluation"], program["projection"]):
                if record is not None:
                    assert list(record_schema.iter_errors({k: v for k, v in record.items() if k not in (
                        "data_as_of", "days_left")})) == []  # fmt: skip


def test_a_detail_that_drifts_from_its_contract_fails_where_it_is_built():
    record = {
        "program": KKDAY, "partner_id": "kk-1", "period": {"start": "2024-07-01", "end": "2024-07-31"},
        "evaluated_at": "2024-08-03T16:00:00+00:00", "rules_version": "2024.1", "segment": None,
        "segment_reason": None, "region": "TW", "status": "awarded", "reason": None, "metrics": {}, "failing": [],
        "consequences": [], "benefits": {"commission_uplift_pct": 3}, "valid_until": "2024-10-31",
    }  # fmt: skip
    assert contracts.build(contracts.EvaluationRecord, record) == record  # validating changes nothing it passes
    detail = {
        "id": "evaluated#kkday-trusted-partner#kk-1#2024-07-01", "program": KKDAY, "program_name": "KKday",
        "partner_id": "kk-1", "partner": {"name": None, "email": None, "locale": "en"}, "record": record,
        "next_evaluation": "2024-09-04",
    }  # fmt: skip
    assert contracts.violation("Partner Evaluated", detail) is None
    # The shape `Partner Evaluated` had before: program as {id, name}.
    old = {**detail, "program": {"id": KKDAY, "name": "KKday"}}
    del old["program_name"]
    problem = contracts.violation("Partner Evaluated", old)
    assert problem is not None and "program\n" in problem and "program_name" in problem
    with pytest.raises(ValidationError, match="segment_reasons"):
        contracts.build(contracts.EvaluationRecord, {**record, "segment_reasons": None})  # a field not in the contract
    with pytest.raises(ValidationError, match="evaluated_at"):
        contracts.build(contracts.EvaluationRecord, {**record, "evaluated_at": "2024-08-03T16:00:00"})  # no offset
    with pytest.raises(ValidationError, match="days_left"):
        contracts.build(contracts.Projection, {**record, "data_as_of": "2024-07-20T02:00:00+00:00", "days_left": "3"})
    assert "not an event Standing publishes" in str(contracts.violation("Partner Evaluted", detail))


def test_schemas_check_passes_on_the_checked_in_files_and_fails_on_a_stale_one(tmp_path, capsys):
    assert stale(FOLDER) == [], "run: standing schemas"
    assert cli.main(["schemas", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{stem}.json" for stem in contracts.json_schemas())
    assert cli.main(["schemas", "--check", "--out", str(tmp_path)]) == 0

    changed = tmp_path / "standing-changed.json"
    schema = json.loads(changed.read_text(encoding="utf-8"))
    del schema["properties"]["program_name"]
    changed.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    (tmp_path / "partner-evaluated.json").unlink()
    (tmp_path / "standing-suspended.json").write_text("{}\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["schemas", "--check", "--out", str(tmp_path)]) == 1
    message = capsys.readouterr().err
    assert "is stale (partner-evaluated.json, standing-changed.json, standing-suspended.json)" in message
    assert "run `standing schemas`" in message

    assert cli.main(["schemas", "--out", str(tmp_path)]) == 0  # regenerating fixes all three
    assert cli.main(["schemas", "--check", "--out", str(tmp_path)]) == 0


def test_an_opt_in_program_that_does_not_require_the_criteria_lets_a_partner_join_below_them(scenario, monkeypatch):
    """`membership.opt_in_requires_criteria: false` (docs/programs.md): the opt-in is granted without the criteria
    check; the judgement only sets the status the partner joins with. The same partner is refused while the
    program requires them (the seed's setting)."""
    now = datetime.now(UTC)
    scenario.post(_property("bp-low", now, 55))
    status, refused = _opt_in(scenario, "bp-low")
    assert status == 409 and refused["error"] == "criteria_not_met"

    program = catalog.program(PROPERTY)
    monkeypatch.setattr(program, "membership_rules", Membership("opt_in", opt_in_requires_criteria=False))
    status, joined = _opt_in(scenario, "bp-low")
    assert status == 200, joined
    assert (joined["granted"], joined["status"], joined["failing"]) == (True, "not_awarded", ["performance_score"])
    status, standing = scenario.stack.request("GET", "/partners/bp-low/standing")
    current = standing["programs"][PROPERTY]
    assert (current["status"], current["membership"]["state"], current["reason"]) == ("not_awarded", "opted_in",
                                                                                       "opted_in")  # fmt: skip
    memberships = [e["detail"] for e in scenario.bus_events() if e["detail-type"] == "Membership Changed"]
    assert [(m["granted"], m["status"]) for m in memberships] == [(False, "not_awarded"), (True, "not_awarded")]
