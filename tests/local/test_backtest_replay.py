"""`standing backtest` (in memory) and `standing replay` (the deployed pipeline on embedded AWS) judge the same
history alike: for every record replay writes, the backtest has the same status and the same metric values."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from standing.catalog import programs
from standing_local.backtest.run import backtest
from standing_local.marketplace import MarketplaceSpec, generate
from standing_local.pipeline import Pipeline, parse_lines

START = date(2024, 6, 15)
END = date(2024, 10, 6)


def history() -> list[str]:
    """A small marketplace: every program, duplicates, voids, flags, opt-ins and opt-outs, about a thousand
    events (embedded DynamoDB takes ~10 ms an event)."""
    spec = MarketplaceSpec(kkday=5, booking_property=4, booking_rides=4, tiki=0, start=START, end=END, scale=0.12)
    shops = MarketplaceSpec(kkday=0, booking_property=0, booking_rides=0, tiki=3, start=START, end=END, scale=0.3)
    return [json.dumps(e) for e in generate(spec) + generate(shops)]


def test_backtest_and_replay_give_the_same_status_and_metric_values_for_every_record(stack):
    lines = history()
    until = datetime(2024, 10, 6, 23, 59, 59, tzinfo=UTC)
    parsed, refused = parse_lines(lines)
    replayed = Pipeline(stack, projection_every_days=31, progress=False).run(parsed, until, refused).evaluations
    assert {r["program"] for r in replayed} == set(programs())  # every program was judged

    catalog = programs()
    zones = {p.id: p.time_zone for p in catalog.values()}
    rows = {}
    for program in catalog.values():
        result = backtest(program, program, zones, lines, datetime(2024, 1, 1, tzinfo=UTC), until)
        assert not result.rejected
        for row in result.rows:
            rows[(row["program"], row["partner_id"], row["period_start"])] = row

    assert len(rows) == len(replayed)
    statuses = set()
    for record in replayed:
        row = rows[(record["program"], record["partner_id"], record["period"]["start"])]
        where = f"{record['program']} {record['partner_id']} {record['period']['start']}"
        assert row["status_draft"] == row["status_base"] == record["status"], where
        assert row["consequences_draft"] == record["consequences"], where
        assert set(row["metrics"]) == set(record["metrics"]), where
        for metric_id, metric in record["metrics"].items():
            assert row["metrics"][metric_id]["value_draft"] == metric["value"], (where, metric_id)
            assert row["metrics"][metric_id]["outcome_draft"] == metric["outcome"], (where, metric_id)
        statuses.add(record["status"])
    assert {"awarded", "not_awarded"} <= statuses
