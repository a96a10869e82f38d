"""The one SES v2 adapter: sends a raw MIME message and turns SES error codes into domain errors.

Only error *codes* are matched, never message text. A throttle or a transient failure is `RetryableSendError`
(the caller puts the work back on the queue); a rejection that will not change on retry is
`PermanentSendError` (the caller records it and moves on)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

RETRYABLE_CODES = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "Throttling",
        "ThrottlingException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "RequestTimeout",
        # Sending paused (by SES after a review, or by the account owner): mail waits until it resumes.
        "SendingPausedException",
    }
)
PERMANENT_CODES = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "AccountSuspendedException",
        "NotFoundException",
        "BadRequestException",
        "InvalidParameterValue",
        "ConfigurationSetDoesNotExist",
    }
)


class SendError(Exception):
    """A message SES did not accept; `code` is the SES error code."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


class RetryableSendError(SendError):
    """Throttling or a transient SES failure: try again later, the message must not be lost."""


class PermanentSendError(SendError):
    """SES refused the message for a reason a retry will not fix (rejected, unverified, suspended...)."""


def classify(error: ClientError) -> SendError:
    code = error.response.get("Error", {}).get("Code", "Unknown")
    message = error.response.get("Error", {}).get("Message", "")
    if code in PERMANENT_CODES:
        return PermanentSendError(code, message)
    # Unknown codes are treated as transient: a message put back on the queue ends in the DLQ after
    # maxReceiveCount, whereas a wrong "permanent" verdict would silently drop a partner's report.
    return RetryableSendError(code, message)


class SesSender:
    def __init__(self, client: Any | None = None) -> None:
        self._client = client or boto3.client("sesv2", config=Config(retries={"mode": "standard", "max_attempts": 3}))

    def send_raw(
        self,
        *,
        sender: str,
        recipient: str,
        raw: bytes,
        configuration_set: str,
        tags: dict[str, str] | None = None,
    ) -> str:
        """Send one raw MIME message; returns the SES message id."""
        request: dict[str, Any] = {
            "FromEmailAddress": sender,
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": raw}},
            "ConfigurationSetName": configuration_set,
        }
        if tags:
            request["EmailTags"] = [{"Name": k, "Value": v} for k, v in tags.items()]
        try:
            response = self._client.send_email(**request)
        except ClientError as error:
            raise classify(error) from error
        except BotoCoreError as error:
            raise RetryableSendError(type(error).__name__, str(error)) from error
        return str(response["MessageId"])
