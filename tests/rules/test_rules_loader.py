"""Program files: the four built-ins load with the contract ids, and every kind of mistake is reported with the
file, the path inside it and what is wrong."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from standing.rules import ProgramError, load_programs
from tests.rules.builders import BOOKING, KKDAY, PROGRAMS, REGIONAL, RIDES, TIKI

CONTRACT = {
    "kkday-trusted-partner": ["message_response_rate", "partner_cancellation_rate", "order_confirmation_rate"],
    "booking-preferred-property": ["performance_score", "review_score", "price_competitiveness"],
    "booking-rides-preferred": ["survey_score", "incident_rate", "decline_rate", "driver_events_rate"],
    "tiki-trusted-store": [
        "successful_orders", "unique_buyers", "chat_response_rate", "late_fulfillment_rate",
        "seller_cancellation_rate", "average_rating", "rating_count", "fraud_free", "counterfeit_free",
        "store_lifetime_days",
    ],
}  # fmt: skip


def test_builtin_programs_have_the_contract_ids():
    assert set(PROGRAMS) == set(CONTRACT)
    for program_id, metric_ids in CONTRACT.items():
        for version in PROGRAMS[program_id].versions:
            assert [m.id for m in version.metrics] == metric_ids


def test_builtin_calendars():
    assert (KKDAY.time_zone, KKDAY.schedule.expression) == ("Asia/Taipei", "cron(0 0 4 * ? *)")
    assert (TIKI.time_zone, TIKI.schedule.expression) == ("Asia/Ho_Chi_Minh", "cron(0 0 1 * ? *)")
    assert (RIDES.time_zone, RIDES.schedule.expression) == ("Europe/Amsterdam", "cron(0 0 1 * ? *)")
    assert (BOOKING.time_zone, BOOKING.schedule.expression) == ("Europe/Amsterdam", "rate(90 days)")
    assert BOOKING.schedule.start is not None and BOOKING.schedule.start_at is not None
    assert BOOKING.schedule.time_zone == "Europe/Amsterdam"
    assert (KKDAY.membership, BOOKING.membership, RIDES.membership, TIKI.membership) == (
        "automatic", "opt_in", "automatic", "automatic",
    )  # fmt: skip
    assert str(KKDAY.counting_starts) == "2024-07-01"
    assert KKDAY.first_evaluation is not None
    assert KKDAY.first_evaluation.isoformat() == "2024-08-03T16:00:00+00:00"  # 2024-08-04 00:00 Taipei


def test_summary_is_json_ready():
    import json

    for program in PROGRAMS.values():
        summary = json.loads(json.dumps(program.to_summary()))
        assert summary["id"] == program.id
    tiki = TIKI.to_summary()
    assert tiki["metrics"][0]["threshold"] == {"general": 200, "high_value": 50}


def test_default_directory_is_the_packaged_programs():
    assert set(load_programs(None)) == set(load_programs(Path(KKDAY.source).parent))


MINIMAL = """\
id: demo
name: Demo
time_zone: Europe/Paris
schedule:
  monthly: {day: 1, at: "00:00"}
window:
  calendar_months: 1
metrics:
  - id: reply_rate
    title: Reply rate
    kind: ratio
    numerator: messages_replied
    denominator: messages_received
    op: ">="
    threshold: 0.9
    units:
      hit: [reply, replies]
      miss: [missed message, missed messages]
      sample: [message, messages]
versions:
  - version: "1"
    effective_from: 2024-01-01
"""


def write(tmp_path: Path, text: str, name: str = "demo") -> Path:
    (tmp_path / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def error_for(tmp_path: Path, text: str) -> ProgramError:
    with pytest.raises(ProgramError) as info:
        load_programs(write(tmp_path, text))
    return info.value


def test_minimal_program_loads(tmp_path):
    program = load_programs(write(tmp_path, MINIMAL))["demo"]
    assert program.versions[0].metrics[0].thresholds == {None: __import__("fractions").Fraction(9, 10)}


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        # a wrong type
        ("threshold: 0.9", "threshold: [0.9]", "metrics[0].threshold", "expected a number"),
        ("calendar_months: 1", "calendar_months: one", "window.calendar_months", "expected an integer"),
        ("name: Demo", "name: [Demo]", "name", "expected a non-empty string"),
        # an unknown metric input or kind
        ("numerator: messages_replied", "numerator: replies", "metrics[0].numerator", "unknown counter 'replies'"),
        ("kind: ratio", "kind: median", "metrics[0].kind", "'median' is not one of"),
        # a missing threshold, a misspelt key
        ("    threshold: 0.9\n", "", "metrics[0].threshold", "is required"),
        ("threshold: 0.9", "thresold: 0.9", "metrics[0]", "unknown key 'thresold'"),
        ('op: ">="', 'op: "=>"', "metrics[0].op", "'=>' is not one of"),
        # a bad schedule
        ("day: 1,", "day: 31,", "schedule.monthly.day", "does not exist in every month"),
        ('at: "00:00"', "at: 25:00", "schedule.monthly.at", 'quoted local time "HH:MM"'),
        ('  monthly: {day: 1, at: "00:00"}', "  weekly: {day: 1}", "schedule", "unknown key 'weekly'"),
        ("time_zone: Europe/Paris", "time_zone: Mars/Olympus", "time_zone", "not an IANA time zone"),
        # identity
        ("id: demo", "id: other", "id", "must match the file name"),
        ("hit: [reply, replies]", "hit: reply", "metrics[0].units.hit", "expected a list"),
    ],
)
def test_errors_name_file_path_and_problem(tmp_path, old, new, path, message):
    assert old in MINIMAL
    error = error_for(tmp_path, MINIMAL.replace(old, new))
    assert error.file.endswith("demo.yaml")
    assert error.path == path
    assert message in error.message
    assert str(error).startswith(f"{error.file}: {path}: ")


def test_overlapping_versions(tmp_path):
    text = MINIMAL + textwrap.indent('- version: "2"\n  effective_from: 2024-01-01\n', "  ")
    error = error_for(tmp_path, text)
    assert error.path == "versions[1].effective_from"
    assert "overlaps version '1'" in error.message

    text = (
        MINIMAL.replace("effective_from: 2024-01-01\n", "effective_from: 2024-01-01\n    effective_to: 2024-07-01\n")
        + '  - version: "2"\n    effective_from: 2024-06-01\n'
    )
    error = error_for(tmp_path, text)
    assert (error.path, "overlaps" in error.message) == ("versions[1].effective_from", True)


def test_duplicate_version_and_unknown_metric_in_overrides(tmp_path):
    text = MINIMAL + '  - version: "1"\n    effective_from: 2025-01-01\n'
    assert "duplicate version" in error_for(tmp_path, text).message
    text = MINIMAL + '  - version: "2"\n    effective_from: 2025-01-01\n    thresholds: {reply_ratio: 0.8}\n'
    error = error_for(tmp_path, text)
    assert error.path == "versions[1].thresholds.reply_ratio"
    assert "unknown metric 'reply_ratio'" in error.message
    text = MINIMAL + "regions:\n  FR:\n    thresholds: {nope: 1}\n"
    assert error_for(tmp_path, text).path == "regions.FR.thresholds.nope"


def test_segment_thresholds_need_every_column(tmp_path):
    text = MINIMAL.replace(
        "metrics:", "segments:\n  attribute: category\n  names: [general, high_value]\n  default: general\nmetrics:"
    ).replace("threshold: 0.9", "threshold: {general: 0.9}")
    error = error_for(tmp_path, text)
    assert error.path == "metrics[0].threshold.high_value"
    assert "missing threshold for segment 'high_value'" in error.message


def test_first_evaluation_must_be_on_the_schedule(tmp_path):
    error = error_for(tmp_path, MINIMAL + "first_evaluation: 2024-08-04\n")
    assert error.path == "first_evaluation"
    assert "not an instant of the schedule" in error.message


def test_invalid_yaml(tmp_path):
    error = error_for(tmp_path, MINIMAL + "metrics: [\n")
    assert "not valid YAML" in error.message


def test_version_at_gap_is_an_error(tmp_path):
    text = MINIMAL.replace("effective_from: 2024-01-01\n", "effective_from: 2024-01-01\n    effective_to: 2024-02-01\n")
    program = load_programs(write(tmp_path, text))["demo"]
    from datetime import UTC, datetime

    with pytest.raises(ProgramError, match="no version is in force"):
        program.version_at(datetime(2024, 3, 1, tzinfo=UTC))


def test_operator_adds_a_program_by_adding_a_file(tmp_path):
    for program in PROGRAMS.values():
        source = Path(program.source)
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    write(tmp_path, MINIMAL)
    loaded = load_programs(tmp_path)
    assert set(loaded) == {*PROGRAMS, "demo"}
    assert loaded["demo"].schedule.expression == "cron(0 0 1 * ? *)"


def test_missing_directory_and_units_on_a_flag(tmp_path):
    with pytest.raises(ProgramError, match="does not exist"):
        load_programs(tmp_path / "nowhere")
    text = MINIMAL.replace(
        "metrics:\n", "metrics:\n  - {id: clean, title: Clean, kind: flag_free, flag: fraud, units: {amount: [a, b]}}\n"
    )
    error = error_for(tmp_path, text)
    assert (error.path, error.message) == (
        "metrics[0].units",
        "this metric has no headroom amount, so it takes no units",
    )


def test_every_builtin_metric_has_advice_and_units_for_emails():
    for program in PROGRAMS.values():
        for metric in program.versions[-1].metrics:
            assert metric.advice, (program.id, metric.id)
            for unit in metric.units.values():
                assert unit.key.startswith(f"{metric.id}.") and unit.one and unit.other


def test_summary_follows_the_version_in_force():
    from datetime import UTC, datetime

    old = REGIONAL.to_summary(datetime(2024, 6, 1, tzinfo=UTC))
    new = REGIONAL.to_summary(datetime(2025, 6, 1, tzinfo=UTC))
    assert (old["rules_version"], new["rules_version"]) == ("2024.1", "2025.1")
    incident = {m["id"]: m["threshold"] for m in old["metrics"]}["incident_rate"]
    assert incident == {"all": 0.015}
    assert {m["id"]: m["threshold"] for m in new["metrics"]}["incident_rate"] == {"all": 0.012}
