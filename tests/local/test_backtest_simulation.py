"""Deployed simulations on the embedded stack: POST /programs/{id}/simulations runs a draft over the stored history
through the evaluation fan-out and writes only under its own id (no record, standing, bus event or email)."""

from __future__ import annotations

import csv
import io
import json

import boto3

from standing.adapters import simulations_store
from standing.rules import PROGRAMS_DIR
from standing_local.lambda_events import http_api_event
from tests.evaluate.conftest import Scenario
from tests.local.test_backtest import KKDAY, kkday_partner, run, write_events
from tests.local.test_backtest import rows as backtest_rows


def _state_items(stack) -> dict[str, str]:
    """Every record, standing and projection item of the StateTable."""
    table = boto3.resource("dynamodb").Table(stack.name_of("StateTable"))
    found: dict[str, str] = {}
    kwargs: dict = {}
    while True:
        page = table.scan(**kwargs)
        for item in page["Items"]:
            if str(item["sk"]).startswith(("EVAL#", "STANDING#", "PROJ#")):
                # repr: a packed record is binary
                found[f"{item['pk']}|{item['sk']}"] = json.dumps(item, sort_keys=True, default=repr)
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _results_csv(stack, simulation_id: str) -> tuple[int, str]:
    path = f"/simulations/{simulation_id}/results.csv"
    route = next(r for r in stack.routes if r.match("GET", path) is not None)
    event = http_api_event("GET", path, route.path, None, route.match("GET", path), None, None)
    response = stack.invoke(route.function, event)
    return int(response["statusCode"]), response["body"]


def test_a_simulation_flips_the_expected_partner_and_touches_nothing_else(stack, monkeypatch, tmp_path):
    scenario = Scenario(stack)
    events = kkday_partner("kk-a", 10) + kkday_partner("kk-b", 9) + kkday_partner("kk-c", 8)
    scenario.post(events)
    scenario.fire("KkdayTrustedPartnerSchedule", "2024-08-04T00:00:00", "Asia/Taipei")
    assert {r["status"] for r in scenario.records("kk-b", KKDAY)} == {"awarded"}
    published = len(scenario.bus_events())
    emails = scenario.emails()
    before = _state_items(stack)

    draft = (PROGRAMS_DIR / f"{KKDAY}.yaml").read_text().replace("    threshold: 0.90\n", "    threshold: 0.95\n")
    status, body = stack.request(
        "POST", f"/programs/{KKDAY}/simulations", query={"from": "2024-08-01", "to": "2024-08-31"}, raw_body=draft
    )
    assert status == 202, body
    simulation_id = body["id"]
    assert body["evaluations"] == ["2024-08-03T16:00:00+00:00"]
    stack.drain()

    status, body = stack.request("GET", f"/simulations/{simulation_id}")
    assert status == 200, body
    assert body["status"] == "completed"
    assert body["progress"]["partners"] == 3 and body["progress"]["rows"] == 3
    (period,) = body["summary"]
    assert period["period"] == {"start": "2024-07-01", "end": "2024-07-31"}
    assert period["base"] == {"awarded": 2, "not_awarded": 1}
    assert period["draft"] == {"awarded": 1, "not_awarded": 2}
    assert period["flips"] == {"awarded -> not_awarded": 1}
    assert period["flips_by_metric"] == {"message_response_rate": 1}

    status, text = _results_csv(stack, simulation_id)
    assert status == 200
    rows = {r["partner_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {"kk-a", "kk-b", "kk-c"}
    assert (rows["kk-b"]["status_base"], rows["kk-b"]["status_draft"]) == ("awarded", "not_awarded")
    assert rows["kk-b"]["deciding_metrics"] == "message_response_rate"
    assert rows["kk-a"]["changed"] == rows["kk-c"]["changed"] == "no"
    # The same rows as `standing backtest` on the same events (both judge lean records: values and outcomes).
    (tmp_path / "draft.yaml").write_text(draft)
    assert run(tmp_path / "draft.yaml", write_events(tmp_path / "events.jsonl", events), tmp_path / "out") == 0
    local = {r["partner_id"]: r for r in backtest_rows(tmp_path / "out")}
    columns = next(csv.reader(io.StringIO(text)))
    assert set(columns) <= set(next(iter(local.values())))
    assert {p: {k: r[k] for k in columns} for p, r in local.items()} == rows

    monkeypatch.setenv("STATE_TABLE_NAME", stack.name_of("StateTable"))
    (listed,) = simulations_store.recent()
    assert listed["id"] == simulation_id and listed["program"] == KKDAY

    # Nothing but the simulation's own items changed: no record, standing or projection, no bus event, no email.
    assert _state_items(stack) == before
    assert len(scenario.bus_events()) == published
    assert scenario.emails() == emails


def test_a_draft_that_does_not_load_is_refused_with_the_loaders_file_path_and_reason(stack):
    draft = (PROGRAMS_DIR / f"{KKDAY}.yaml").read_text().replace("    threshold: 0.90\n", "    threshold: lots\n")
    status, body = stack.request("POST", f"/programs/{KKDAY}/simulations", raw_body=draft)
    assert status == 422, body
    assert body["error"] == "invalid_program"
    (detail,) = body["details"]
    assert detail["file"] == "request body"
    assert detail["path"] == "metrics[0].threshold"
    assert "number" in detail["reason"]
    status, body = stack.request("GET", "/simulations/nope")
    assert status == 404 and body["error"] == "unknown_simulation"
