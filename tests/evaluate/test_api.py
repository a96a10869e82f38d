"""The HTTP API's contract (DESIGN section 5): programs, evaluations and membership, and every error as JSON
{error, message, details} with the right status code, through the real API handler."""

from __future__ import annotations

from tests.evaluate.conftest import profile

BUILT_IN = {"kkday-trusted-partner", "booking-preferred-property", "booking-rides-preferred", "tiki-trusted-store"}


def _is_error(body: dict, code: str) -> None:
    assert set(body) == {"error", "message", "details"}, body
    assert body["error"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], list)


def test_programs_are_listed_and_described(stack):
    status, body = stack.request("GET", "/programs")
    assert status == 200
    assert {p["id"] for p in body["programs"]} >= BUILT_IN

    status, tiki = stack.request("GET", "/programs/tiki-trusted-store")
    assert status == 200
    assert tiki["id"] == "tiki-trusted-store"
    assert tiki["time_zone"] == "Asia/Ho_Chi_Minh"
    assert "successful_orders" in str(tiki["metrics"])


def test_unknown_program_is_404_with_the_known_ids(stack):
    status, body = stack.request("GET", "/programs/no-such-program")
    assert status == 404
    _is_error(body, "unknown_program")
    assert body["details"] == [{"program_id": "no-such-program"}]
    assert "tiki-trusted-store" in body["message"]

    status, body = stack.request("POST", "/partners/p1/programs/no-such-program/membership", {"action": "opt_in"})
    assert status == 404
    _is_error(body, "unknown_program")


def test_unknown_partner_is_404(stack):
    for path in ("/partners/ghost/standing", "/partners/ghost/evaluations"):
        status, body = stack.request("GET", path)
        assert status == 404, path
        _is_error(body, "unknown_partner")
        assert "ghost" in body["message"]


def test_membership_errors(scenario):
    scenario.post([profile("api-1", "2024-06-01T09:00:00+08:00", ["kkday-trusted-partner"])])
    request = scenario.stack.request

    # KKday enrols automatically: there is nothing to opt into.
    status, body = request("POST", "/partners/api-1/programs/kkday-trusted-partner/membership", {"action": "opt_out"})
    assert status == 409
    _is_error(body, "membership_not_changeable")

    # An opt-in program the partner's profile does not enrol it in.
    status, body = request("POST", "/partners/api-1/programs/booking-preferred-property/membership",
                           {"action": "opt_in"})
    assert status == 404
    _is_error(body, "not_enrolled")

    status, body = request("POST", "/partners/api-1/programs/booking-preferred-property/membership",
                           {"action": "join"})
    assert status == 422
    _is_error(body, "invalid_request")
    assert [d["field"] for d in body["details"]] == ["action"]

    status, body = request("POST", "/partners/api-1/programs/booking-preferred-property/membership", {})
    assert status == 422
    assert [d["field"] for d in body["details"]] == ["action"]

    status, body = request("POST", "/partners/api-1/programs/booking-preferred-property/membership",
                           raw_body="{action: opt_in")
    assert status == 400
    _is_error(body, "invalid_json")

    status, body = request("GET", "/partners/api-1/nothing-here")
    assert status == 404
    _is_error(body, "not_found")


def test_evaluations_filter_by_program(scenario):
    scenario.post([profile("api-2", "2024-06-01T09:00:00+08:00", ["kkday-trusted-partner", "tiki-trusted-store"])])
    scenario.fire("KkdayTrustedPartnerSchedule", "2024-08-04T00:00", "Asia/Taipei")
    scenario.fire("KkdayTrustedPartnerSchedule", "2024-09-04T00:00", "Asia/Taipei")
    scenario.fire("TikiTrustedStoreSchedule", "2024-10-01T00:00", "Asia/Ho_Chi_Minh")

    everything = scenario.records("api-2")
    assert sorted(r["program"] for r in everything) == ["kkday-trusted-partner"] * 2 + ["tiki-trusted-store"]
    kkday = scenario.records("api-2", "kkday-trusted-partner")
    assert [(r["program"], r["period"]["start"]) for r in kkday] == [
        ("kkday-trusted-partner", "2024-08-01"), ("kkday-trusted-partner", "2024-07-01")]  # newest first
    status, body = scenario.stack.request("GET", "/partners/api-2/evaluations",
                                          query={"program": "kkday-trusted-partner", "limit": "1"})
    assert status == 200
    assert (body["count"], body["items"][0]["period"]["start"]) == (1, "2024-08-01")
    status, standing = scenario.stack.request("GET", "/partners/api-2/standing")
    assert standing["programs"]["kkday-trusted-partner"]["last_evaluation"]["period"]["start"] == "2024-08-01"
    tiki = scenario.records("api-2", "tiki-trusted-store")
    assert [(r["program"], r["period"]["start"]) for r in tiki] == [("tiki-trusted-store", "2024-07-01")]

    status, body = scenario.stack.request("GET", "/partners/api-2/evaluations", query={"program": "nope"})
    assert status == 404
    _is_error(body, "unknown_program")
    status, body = scenario.stack.request("GET", "/partners/api-2/evaluations", query={"limit": "0"})
    assert status == 422
    _is_error(body, "invalid_request")
    assert [d["field"] for d in body["details"]] == ["limit"]
