"""docs/openapi.json, generated from the handlers' own routes: the API function's resolver and the ingest
function's POST /events, merged into one document (the HTTP API routes both, see template.yaml).

Powertools documents request validation failures as `HTTPValidationError`; the API's exception handler answers
them with the one error body `{error, message, details}`, so the document says that instead. Operations without
an explicit `operation_id` get a readable one from their method and path."""

from __future__ import annotations

import json
import os
import re
from typing import Any

from standing_local.template import ROOT

DOC = ROOT / "docs" / "openapi.json"
TITLE = "Standing API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Partner quality programs for marketplaces. Every route is signed with SigV4 (IAM auth) except the partner's "
    "page (/portal/{token}) and one-click unsubscribe (/unsubscribe/{token}), where a signed, expiring link token "
    "is the authorisation. Errors are JSON {error, message, details} (ErrorBody)."
)
ERROR = "ErrorBody"
REPLACED = ("HTTPValidationError", "ValidationError", "ErrorModel")
OPEN_PATHS = ("/portal/", "/unsubscribe/")
OPERATION_IDS = {
    ("post", "/events"): "postEvents",
    ("post", "/programs/{program_id}/simulations"): "startSimulation",
    ("get", "/simulations/{simulation_id}"): "getSimulation",
    ("get", "/simulations/{simulation_id}/results.csv"): "getSimulationResults",
}


def _apps() -> list[Any]:
    # Importing a handler reads no environment, but boto3 wants a region to build clients.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from functions.api.app import app as api
    from functions.ingest.app import app as ingest

    return [ingest, api]


def _readable_id(method: str, path: str) -> str:
    words = [w for w in re.split(r"[/{}_.\-]+", path) if w]
    return method + "".join(w[:1].upper() + w[1:] for w in words)


def _retarget(node: Any) -> Any:
    """Every reference to a validation-error or ingest error schema points at the one error body."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if isinstance(ref, str) and ref.rsplit("/", 1)[-1] in REPLACED:
            return {"$ref": f"#/components/schemas/{ERROR}"}
        return {k: _retarget(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_retarget(v) for v in node]
    return node


def document() -> dict[str, Any]:
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "paths": {},
        "components": {
            "schemas": {},
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                }
            },
        },
        "security": [{"sigv4": []}],
    }
    for app in _apps():
        schema = json.loads(app.get_openapi_json_schema(title=TITLE, version=VERSION))
        for path, operations in schema.get("paths", {}).items():
            merged["paths"].setdefault(path, {}).update(operations)
        merged["components"]["schemas"].update(schema.get("components", {}).get("schemas", {}))
    for path, operations in merged["paths"].items():
        for method, operation in operations.items():
            generated = "_" in str(operation.get("operationId", "_"))  # Powertools: func_path_method
            if generated:
                operation["operationId"] = OPERATION_IDS.get((method, path)) or _readable_id(method, path)
            for status, response in operation.get("responses", {}).items():
                json_body = response.get("content", {}).get("application/json")
                if str(status).startswith(("4", "5")) and json_body is not None:
                    json_body["schema"] = {"$ref": f"#/components/schemas/{ERROR}"}  # every error is one body
                if status == "422":
                    response["description"] = response.get("description") or "the request does not match the API"
                    if response["description"] == "Validation Error":
                        response["description"] = "a parameter or the body does not match the API (invalid_request)"
            if path.startswith(OPEN_PATHS):
                operation["security"] = []  # the signed link token in the path is the authorisation
    merged = _retarget(merged)
    schemas = merged["components"]["schemas"]
    for name in (*REPLACED, "ResponseValidationError"):
        if f'"#/components/schemas/{name}"' not in json.dumps(merged["paths"]):
            schemas.pop(name, None)
    merged["paths"] = dict(sorted(merged["paths"].items()))
    merged["components"]["schemas"] = dict(sorted(schemas.items()))
    return merged


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=False) + "\n"
