"""The HTTP API's contract (docs/records.md, docs/openapi.json): programs, evaluations and membership, and every
error as JSON {error, message, details} with the right status code, through the real API handler."""

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
    status, body = request(
        "POST", "/partners/api-1/programs/booking-preferred-property/membership", {"action": "opt_in"}
    )
    assert status == 404
    _is_error(body, "not_enrolled")

    status, body = request("POST", "/partners/api-1/programs/booking-preferred-property/membership", {"action": "join"})
    assert status == 422
    _is_error(body, "invalid_request")
    assert [d["field"] for d in body["details"]] == ["action"]

    status, body = request("POST", "/partners/api-1/programs/booking-preferred-property/membership", {})
    assert status == 422
    assert [d["field"] for d in body["details"]] == ["action"]

    status, body = request(
        "POST", "/partners/api-1/programs/booking-preferred-property/membership", raw_body="{action: opt_in"
    )
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
        ("kkday-trusted-partner", "2024-08-01"),
        ("kkday-trusted-partner", "2024-07-01"),
    ]  # newest first
    status, body = scenario.stack.request(
        "GET", "/partners/api-2/evaluations", query={"program": "kkday-trusted-partner", "limit": "1"}
    )
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


def test_evaluations_are_paged_with_a_cursor(scenario):
    scenario.post([profile("api-3", "2024-06-01T09:00:00+08:00", ["kkday-trusted-partner", "tiki-trusted-store"])])
    for month in ("08", "09", "10"):
        scenario.fire("KkdayTrustedPartnerSchedule", f"2024-{month}-04T00:00", "Asia/Taipei")
    scenario.fire("TikiTrustedStoreSchedule", "2024-10-01T00:00", "Asia/Ho_Chi_Minh")
    request = scenario.stack.request

    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        status, body = request("GET", "/partners/api-3/evaluations", query=query)
        assert status == 200, body
        assert body["count"] == len(body["items"]) <= 2
        seen += [(r["program"], r["period"]["start"]) for r in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 2
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 4  # every record once
    assert [s for p, s in seen if p == "kkday-trusted-partner"] == ["2024-09-01", "2024-08-01", "2024-07-01"]

    status, body = request(
        "GET", "/partners/api-3/evaluations", query={"program": "kkday-trusted-partner", "limit": "1"}
    )
    status, body = request(
        "GET", "/partners/api-3/evaluations", query={"program": "tiki-trusted-store", "cursor": body["next_cursor"]}
    )
    assert status == 422  # a cursor of another listing
    _is_error(body, "invalid_request")
    status, body = request("GET", "/partners/api-3/evaluations", query={"cursor": "!!not-a-cursor"})
    assert status == 422
    _is_error(body, "invalid_request")


def test_the_openapi_document_types_every_body_and_error():
    from standing_local.openapi import document

    doc = document()
    text = str(doc)
    assert "HTTPValidationError" not in text and "ErrorModel" not in text
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert "_" not in operation["operationId"], (method, path)  # readable: getPartnerStanding
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if status.startswith(("4", "5")) and content:
                    assert content["schema"] == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
    standing = doc["paths"]["/partners/{partner_id}/standing"]["get"]
    assert standing["operationId"] == "getPartnerStanding"
    assert standing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("PartnerStanding")
    assert "404" in standing["responses"]
    evaluations = doc["paths"]["/partners/{partner_id}/evaluations"]["get"]
    assert {p["name"] for p in evaluations["parameters"]} >= {"limit", "cursor", "program"}
    assert "next_cursor" in doc["components"]["schemas"]["EvaluationPage"]["properties"]
