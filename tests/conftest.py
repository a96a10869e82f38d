"""Offline test environment: fake credentials, region and Powertools settings are set before any import of
boto3 or the handlers, so nothing can reach real AWS."""

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "standing",
        "POWERTOOLS_METRICS_NAMESPACE": "Standing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)


import pytest


@pytest.fixture
def stack():
    """template.yaml deployed into a fresh embedded AWS (moto) for one test."""
    from standing_local.embedded import embedded_aws

    with embedded_aws() as deployment:
        yield deployment
