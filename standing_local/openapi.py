"""docs/openapi.json, generated from the handlers' own routes: the API function's resolver and the ingest
function's POST /events, merged into one document (the HTTP API routes both, see template.yaml)."""

from __future__ import annotations

import json
import os
from typing import Any

from standing_local.template import ROOT

DOC = ROOT / "docs" / "openapi.json"
TITLE = "Standing API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Partner quality programs for marketplaces. Every route is signed with SigV4 (IAM auth). "
    "Errors are JSON {error, message, details}."
)


def _apps() -> list[Any]:
    # Importing a handler reads no environment, but boto3 wants a region to build clients.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from functions.api.app import app as api
    from functions.ingest.app import app as ingest

    return [ingest, api]


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
    merged["paths"] = dict(sorted(merged["paths"].items()))
    merged["components"]["schemas"] = dict(sorted(merged["components"]["schemas"].items()))
    return merged


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=False) + "\n"
