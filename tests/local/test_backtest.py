"""`standing backtest`: a draft judged against the program in force, in memory, on an events file."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from standing.rules import PROGRAMS_DIR
from standing_local.cli import main

KKDAY = "kkday-trusted-partner"
TAIPEI = "+08:00"


def _event(n: int, kind: str, partner: str, at: str, **data: Any) -> dict[str, Any]:
    return {"event_id": f"{partner}-{n:04d}", "type": kind, "partner_id": partner, "occurred_at": at, "data": data}


def _profile(partner: str, **attrs: Any) -> dict[str, Any]:
    data = {
        "name": f"<b>{partner}</b> & Sons",
        "email": f"{partner}@example.com",
        "locale": "en",
        "region": "TW",
        "category": "tours",
        "self_managed": True,
        "store_opened_at": "2023-01-01T00:00:00+08:00",
        "programs": [KKDAY],
        **attrs,
    }
    return _event(0, "partner.profile", partner, f"2024-06-25T09:00:00{TAIPEI}", **data)


def kkday_partner(partner: str, replied_in_time: int, messages: int = 10, orders: int = 10) -> list[dict[str, Any]]:
    """A partner with July 2024 activity: every order confirmed on time, `replied_in_time` of `messages`
    traveller messages replied within 12 hours (the rest after 20 hours)."""
    events = [_profile(partner)]
    n = 1
    for i in range(orders):
        day = f"2024-07-{i + 2:02d}"
        due = f"{day}T22:00:00{TAIPEI}"
        order = {"order_id": f"{partner}-o{i}", "buyer_id": f"b{i}", "due_by": due}
        events.append(_event(n, "order.placed", partner, f"{day}T10:00:00{TAIPEI}", **order))
        events.append(_event(n + 1, "order.confirmed", partner, f"{day}T11:00:00{TAIPEI}", order_id=f"{partner}-o{i}"))
        n += 2
    for i in range(messages):
        day = f"2024-07-{i + 2:02d}"
        reply = f"{day}T15:00:00{TAIPEI}" if i < replied_in_time else f"2024-07-{i + 3:02d}T06:00:00{TAIPEI}"
        events.append(_event(n, "message.received", partner, f"{day}T10:00:00{TAIPEI}", thread_id=f"t{i}",
                             message_id=f"{partner}-m{i}"))  # fmt: skip
        events.append(_event(n + 1, "message.replied", partner, reply, thread_id=f"t{i}",
                             message_id=f"{partner}-r{i}", in_reply_to=f"{partner}-m{i}"))  # fmt: skip
        n += 2
    return events


def write_events(path: Path, events: list[dict[str, Any]], extra_lines: list[str] = ()) -> Path:  # type: ignore[assignment]
    path.write_text("".join(json.dumps(e) + "\n" for e in events) + "".join(f"{x}\n" for x in extra_lines))
    return path


def draft_of(tmp_path: Path, program: str, edit: tuple[str, str] | None = None, name: str = "draft.yaml") -> Path:
    """A draft: the built-in program file, with one text replacement (which must apply)."""
    text = (PROGRAMS_DIR / f"{program}.yaml").read_text(encoding="utf-8")
    if edit is not None:
        assert text.count(edit[0]) == 1, edit
        text = text.replace(*edit)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(draft: Path, events: Path, out: Path, start: str = "2024-08-01", end: str = "2024-08-31") -> int:
    return main(["backtest", "--program", str(draft), "--events", str(events), "--from", start, "--to", end,
                 "--out", str(out)])  # fmt: skip


def rows(out: Path) -> list[dict[str, str]]:
    with (out / "backtest.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_program_in_force_judged_against_itself_changes_nothing(tmp_path, capsys):
    events = kkday_partner("kk-a", 10) + kkday_partner("kk-b", 9) + kkday_partner("kk-c", 5)
    events += [_event(900, "order.cancelled", "kk-c", f"2024-07-20T10:00:00{TAIPEI}", order_id="kk-c-o1",
                      cause="partner")]  # fmt: skip
    source = write_events(tmp_path / "events.jsonl", events)
    out = tmp_path / "out"
    assert run(PROGRAMS_DIR / f"{KKDAY}.yaml", source, out, "2024-08-01", "2024-10-31") == 0
    found = rows(out)
    assert {r["partner_id"] for r in found} == {"kk-a", "kk-b", "kk-c"}
    assert {(r["period_start"], r["period_end"]) for r in found} == {
        ("2024-07-01", "2024-07-31"), ("2024-08-01", "2024-08-31"), ("2024-09-01", "2024-09-30"),
    }  # fmt: skip
    statuses = {r["status_base"] for r in found}
    assert {"awarded", "not_awarded"} <= statuses  # the history is not trivial
    for row in found:
        assert row["changed"] == "no" and row["deciding_metrics"] == ""
        assert row["status_base"] == row["status_draft"]
        assert row["consequences_base"] == row["consequences_draft"]
        for column, value in row.items():
            if column.endswith("_base"):
                assert value == row[column.removesuffix("_base") + "_draft"], column
    assert "changed" in capsys.readouterr().out


def test_raising_a_threshold_flips_the_partners_between_the_bars_on_that_metric(tmp_path, capsys):
    # 10/10, 9/10 and 8/10 messages replied within 12 hours: the bar moves from 0.90 to 0.95.
    events = kkday_partner("kk-a", 10) + kkday_partner("kk-b", 9) + kkday_partner("kk-c", 8)
    events += kkday_partner("kk-<script>x</script>", 9)
    source = write_events(tmp_path / "events.jsonl", events, ["not json", '{"event_id": "x", "type": "nope"}'])
    draft = draft_of(tmp_path, KKDAY, ("    threshold: 0.90\n", "    threshold: 0.95\n"))
    out = tmp_path / "out"
    assert run(draft, source, out) == 0
    found = {r["partner_id"]: r for r in rows(out)}
    assert set(found) == {"kk-a", "kk-b", "kk-c", "kk-<script>x</script>"}
    a, b, c = found["kk-a"], found["kk-b"], found["kk-c"]
    assert (a["status_base"], a["status_draft"], a["changed"]) == ("awarded", "awarded", "no")
    assert (b["status_base"], b["status_draft"], b["changed"]) == ("awarded", "not_awarded", "yes")
    assert b["deciding_metrics"] == "message_response_rate"
    assert (b["message_response_rate_base"], b["message_response_rate_draft"]) == ("0.9", "0.9")
    assert (b["message_response_rate_outcome_base"], b["message_response_rate_outcome_draft"]) == ("pass", "fail")
    assert (c["status_base"], c["status_draft"], c["changed"]) == ("not_awarded", "not_awarded", "no")
    assert found["kk-<script>x</script>"]["status_draft"] == "not_awarded"

    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "kk-&lt;script&gt;x&lt;/script&gt;" in html
    assert "<svg" in html and "message_response_rate" in html
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    assert [(r["line"], r["error"]) for r in rejected] == [(len(events) + 1, "invalid_json"),
                                                            (len(events) + 2, "unknown_type")]  # fmt: skip
    printed = capsys.readouterr().out
    assert "message_response_rate 2" in printed  # kk-b and the escaped partner flip, on that metric


def test_a_duplicate_counts_once_and_a_conflict_is_rejected_as_ingest_does(tmp_path):
    events = kkday_partner("kk-a", 9)
    duplicate = dict(events[3])
    conflict = {**events[5], "data": {**events[5]["data"], "order_id": "other"}}
    source = write_events(tmp_path / "events.jsonl", [*events, duplicate, conflict])
    out = tmp_path / "out"
    assert run(PROGRAMS_DIR / f"{KKDAY}.yaml", source, out) == 0
    (row,) = rows(out)
    assert row["message_response_rate_base"] == "0.9"
    (rejected,) = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    assert rejected["error"] == "conflict" and rejected["line"] == len(events) + 2
    assert f"line {5 + 1}" in rejected["message"]


@pytest.mark.parametrize(
    ("edit", "path", "reason"),
    [
        (("    threshold: 0.90\n", "    threshold: lots\n"), "metrics[0].threshold", "number"),
        (('    op: "<="\n', '    op: "=<"\n'), "metrics[1].op", "=<"),
        (("window:\n", "windw:\n"), "(top)", "unknown key 'windw'"),
    ],
)
def test_a_draft_that_does_not_load_exits_2_with_file_path_and_reason(tmp_path, capsys, edit, path, reason):
    draft = draft_of(tmp_path, KKDAY, edit, name="my-draft.yaml")
    source = write_events(tmp_path / "events.jsonl", kkday_partner("kk-a", 9))
    assert run(draft, source, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert f"file:   {draft}" in err
    assert f"path:   {path}" in err
    assert reason in err.split("reason:")[1]
    assert not (tmp_path / "out" / "backtest.csv").exists()


def test_partners_split_across_processes_give_the_same_rows_as_one_process(monkeypatch):
    from datetime import UTC, date, datetime

    from standing.catalog import programs
    from standing_local.backtest.run import backtest
    from standing_local.marketplace import MarketplaceSpec, generate

    spec = MarketplaceSpec(kkday=12, booking_property=0, booking_rides=0, tiki=0, end=date(2024, 10, 5), scale=0.2)
    lines = [json.dumps(e) for e in generate(spec)]
    lines.append(lines[5].replace('"partner_id": "kk-', '"partner_id": "other-kk-'))  # an id reused by another
    program = programs()[KKDAY]
    zones = {KKDAY: program.time_zone}
    start, until = datetime(2024, 8, 1, tzinfo=UTC), datetime(2024, 10, 5, tzinfo=UTC)
    one = backtest(program, program, zones, lines, start, until, workers=1)
    two = backtest(program, program, zones, lines, start, until, workers=2)
    assert one.rows and one.rows == two.rows
    assert [(r["line"], r["error"]) for r in one.rejected] == [(len(lines), "conflict")]
    assert one.rejected == two.rejected
    assert (one.accepted, one.duplicates, one.folded) == (two.accepted, two.duplicates, two.folded)
    monkeypatch.setattr("standing_local.backtest.run.BUCKET_LINES", 300)  # many shares, one after another
    shares = backtest(program, program, zones, lines, start, until, workers=1)
    assert shares.rows == one.rows and shares.rejected == one.rejected


def test_the_example_draft_loads_and_changes_two_bars_of_the_built_in_program():
    from standing.catalog import programs
    from standing.evaluate.simulation import load_draft
    from standing_local.template import ROOT

    path = ROOT / "docs" / "examples" / "kkday-trusted-partner-draft.yaml"
    draft = load_draft(path.read_text(encoding="utf-8"), str(path))
    base = programs()[KKDAY]
    assert draft.id == base.id and draft.source == str(path)
    before = {m.id: m.thresholds for m in base.versions[-1].metrics}
    after = {m.id: m.thresholds for m in draft.versions[-1].metrics}
    changed = {m for m in before | after if before.get(m) != after.get(m)}
    assert changed == {"message_response_rate", "order_confirmation_rate"}


def test_base_names_the_program_to_compare_with(tmp_path):
    # Compared with a stricter base (0.95), the built-in bar (0.90) gives kk-b its badge back.
    events = kkday_partner("kk-a", 10) + kkday_partner("kk-b", 9)
    source = write_events(tmp_path / "events.jsonl", events)
    base = draft_of(tmp_path, KKDAY, ("    threshold: 0.90\n", "    threshold: 0.95\n"), name="stricter.yaml")
    out = tmp_path / "out"
    args = ["backtest", "--program", str(PROGRAMS_DIR / f"{KKDAY}.yaml"), "--base", str(base), "--events"]
    args += [str(source), "--from", "2024-08-01", "--to", "2024-08-31", "--out", str(out), "--workers", "0"]
    assert main(args) == 0
    found = {r["partner_id"]: r for r in rows(out)}
    assert (found["kk-b"]["status_base"], found["kk-b"]["status_draft"]) == ("not_awarded", "awarded")
    assert found["kk-a"]["changed"] == "no"


def test_the_split_on_worker_processes_is_the_one_made_here(tmp_path):
    """`shares.partition` (the file cut into chunks; each line to its partner's share, an id reused by another
    partner moved to the partner that used it first) gives the same shares on a pool's processes as in this one:
    every line once, the unreadable ones with the first share, the reused id with its first user (by occurrence,
    whatever the line order)."""
    import multiprocessing

    from standing_local.backtest import shares

    first = _event(1, "order.confirmed", "kk-a", "2024-07-02T10:00:00+08:00", order_id="o")
    reused = {**first, "partner_id": "kk-c", "occurred_at": "2024-07-01T10:00:00+08:00"}  # earlier, later line
    lines = [json.dumps(e) for e in kkday_partner("kk-a", 9) + kkday_partner("kk-c", 8)]
    unread = {**first, "event_id": "unread", "occurred_at": "x"}  # an instant not read: sent first
    lines += [json.dumps(first), json.dumps(reused), "not json", "[1, 2]", json.dumps(unread)]
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(lines), encoding="utf-8")  # the last line has no line end
    found, count = shares.chunks(source, size=300)  # many chunks
    assert count == len(lines) and len(found) > 10
    assert shares.share_of("kk-a", 3) != shares.share_of("kk-c", 3)  # the two partners go to different shares
    (tmp_path / "here").mkdir()
    (tmp_path / "pool").mkdir()
    here = shares.partition(source, tmp_path / "here", found, 3)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        there = shares.partition(source, tmp_path / "pool", found, 3, pool)
    assert not list((tmp_path / "here").glob("*.k*"))  # the keys are read once, then removed
    read = {share: here.lines(share) for share in here.filled}
    assert there.filled == here.filled and {share: there.lines(share) for share in there.filled} == read
    assert sorted(n for share in read.values() for n, _ in share) == list(range(1, len(lines) + 1))
    assert all((n, lines[n - 1]) in share for share in read.values() for n, _ in share)
    assert {n for n, _ in read[0]} >= {len(lines) - 2, len(lines) - 1}  # not JSON objects
    (owner,) = [share for share, held in read.items() if (len(lines) - 3, lines[-4]) in held]
    assert owner == shares.share_of("kk-c", 3)
    assert (len(lines) - 4, lines[-5]) in read[owner]  # kk-a's line goes with kk-c, who used the id first


def test_lines_end_at_a_line_feed_and_a_line_that_is_not_utf8_is_reported_at_its_number(tmp_path):
    """JSON Lines: a raw U+2028 inside a JSON string does not end a line (str.splitlines would cut it there), a
    CRLF line end is read as one, and a line that is not UTF-8 is refused at its number while the rest lands."""
    from datetime import UTC, datetime

    from standing.catalog import programs
    from standing_local.backtest.run import backtest

    events = kkday_partner("kk-a", 10)
    events[0]["data"]["name"] = "Tours\u2028and more"
    lines = [json.dumps(e, ensure_ascii=False).encode("utf-8") for e in events]
    lines.insert(3, b'{"event_id": "\xff\xfe"}')
    source = tmp_path / "events.jsonl"
    source.write_bytes(b"\r\n".join(lines) + b"\r\n")
    program = programs()[KKDAY]
    start, until = datetime(2024, 8, 1, tzinfo=UTC), datetime(2024, 8, 31, 23, 59, 59, tzinfo=UTC)
    result = backtest(program, program, {}, source, start, until, workers=1)
    assert result.lines == len(lines)
    assert [(r["line"], r["error"]) for r in result.rejected] == [(4, "invalid_json")]
    assert result.accepted == len(events)
    assert [r["status_draft"] for r in result.rows] == ["awarded"]


def test_a_split_that_cannot_be_written_is_a_clear_error(tmp_path, monkeypatch, capsys):
    import tempfile

    from standing.evaluate import simulation

    source = write_events(tmp_path / "events.jsonl", kkday_partner("kk-a", 10))
    load_draft = simulation.load_draft

    def loaded_then_no_temporary_directory(*args: Any) -> Any:  # the loader needs one, the split is what fails
        program = load_draft(*args)
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-dir"))  # where TMPDIR would point
        return program

    monkeypatch.setattr(simulation, "load_draft", loaded_then_no_temporary_directory)
    args = ["backtest", "--program", str(PROGRAMS_DIR / f"{KKDAY}.yaml"), "--events", str(source)]
    args += ["--from", "2024-08-01", "--to", "2024-08-31", "--out", str(tmp_path / "out")]
    assert main(args) == 1
    error = capsys.readouterr().err
    assert "no-such-dir" in error and "TMPDIR" in error
