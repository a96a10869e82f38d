"""Real-shaped Lambda events for the local run: API Gateway HTTP API (payload v2.0) requests."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from standing_local.template import ACCOUNT_ID


def http_api_event(
    method: str,
    path: str,
    route: str,
    body: Any = None,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """An HTTP API v2 event as API Gateway sends it for an IAM-authorised caller."""
    now = time.time()
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    query = query or {}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in query.items()),
        "headers": {"content-type": "application/json", "host": "localhost", "user-agent": "standing-local"},
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "authorizer": {
                "iam": {
                    "accessKey": "AKIALOCAL",
                    "accountId": ACCOUNT_ID,
                    "callerId": "AIDALOCAL",
                    "principalOrgId": None,
                    "userArn": f"arn:aws:iam::{ACCOUNT_ID}:user/marketplace",
                    "userId": "AIDALOCAL",
                }
            },
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "standing-local",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method} {route}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if text is not None:
        event["body"] = text
    return event
