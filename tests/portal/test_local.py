"""The local front door around the portal: `standing portal-link`, `--version`, the saved state `make serve`
starts from, and the names of the local email files."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest

from standing import signing
from standing_local.cli import main
from tests.evaluate.conftest import Scenario, profile


def test_portal_link_signs_with_the_local_key_for_the_given_time(tmp_path, capsys):
    state = tmp_path / "state"
    state.mkdir()
    (state / "signing-key").write_text("a-local-key", encoding="utf-8")
    now = "2024-10-05T12:00:00+00:00"
    code = main(
        ["portal-link", "kk-0042", "--ttl", "12h", "--out", str(tmp_path), "--base", "http://h:9/", "--now", now]
    )
    assert code == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("http://h:9/portal/")
    token = link.rsplit("/", 1)[1]
    at = datetime.fromisoformat(now)
    assert signing.verify(token, "portal", [b"a-local-key"], at + timedelta(hours=11)) == "kk-0042"
    with pytest.raises(signing.ExpiredToken):
        signing.verify(token, "portal", [b"a-local-key"], at + timedelta(hours=12))
    with pytest.raises(signing.InvalidToken):
        signing.verify(token, "unsubscribe", [b"a-local-key"], at)


def test_portal_link_says_what_is_missing(tmp_path, capsys):
    assert main(["portal-link", "kk-0042", "--out", str(tmp_path)]) == 2
    assert "run `make demo` or `make serve` first" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["portal-link", "kk-0042", "--ttl", "soon"])
    assert "--ttl 'soon'" in capsys.readouterr().err


def test_version_and_option_defaults(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("standing ")
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = capsys.readouterr().out
    assert "(default: 127.0.0.1)" in text and "(default: out)" in text


def test_serve_starts_from_the_saved_state_of_a_run(stack, tmp_path):
    from standing_local.embedded import deploy
    from standing_local.server import load_state, save_state

    scenario = Scenario(stack)
    scenario.post([profile("kk-saved", "2024-06-01T09:00:00+08:00", ["kkday-trusted-partner"])])
    scenario.fire("KkdayTrustedPartnerSchedule", "2024-08-04T00:00", "Asia/Taipei")
    at = datetime(2024, 8, 10, tzinfo=UTC)
    before = [stack.request("GET", f"/partners/kk-saved/{view}") for view in ("standing", "evaluations")]
    saved = save_state(stack, tmp_path, at)
    assert saved > 0 and (tmp_path / "signing-key").is_file()

    copy = deploy("copy")  # a second stack in the same embedded account, as a fresh `make serve` would deploy
    now, loaded = load_state(copy, tmp_path)
    assert (now, loaded) == (at, saved)
    after = [copy.request("GET", f"/partners/kk-saved/{view}") for view in ("standing", "evaluations")]
    assert after == before and before[1][1]["items"]
    assert copy.pump_stream("EventsTable") == 0  # what was loaded is not aggregated again


def test_local_email_files_are_named_by_the_address_from_the_left():
    from standing_local.pipeline import _file_name_part

    raw = (
        'To: "=?utf-8?b?4LmC4Lij4LiH4LmB4Lij4Lih4Lij4Li04Lih4LiZ4LmJ4Liz?=" <partners+bp-0001@example.com>\n'
        "Subject: x\n\nbody\n"
    )
    message = email.message_from_string(raw, policy=policy.default)
    assert _file_name_part(message) == "partners+bp-0001"
    long = email.message_from_string(f"To: {'a' * 60}@example.com\n\nx", policy=policy.default)
    assert _file_name_part(long) == "a" * 40
    assert Path(_file_name_part(email.message_from_string("Subject: x\n\nx", policy=policy.default))).name == "unknown"


def test_a_missing_signing_secret_is_a_deployment_error_named_by_its_code(stack, monkeypatch):
    from standing.adapters import secrets

    monkeypatch.setenv("SIGNING_SECRET_ID", "standing-local-no-such-secret")
    secrets.forget()
    with pytest.raises(secrets.SecretMisconfigured) as error:
        secrets.signing_keys()
    assert error.value.code == "ResourceNotFoundException"
    monkeypatch.setenv("SIGNING_SECRET_ID", stack.functions["ApiFunction"].environment["SIGNING_SECRET_ID"])
    assert len(secrets.signing_keys()) == 1  # never rotated: no AWSPREVIOUS, and that is no error
