"""What the connector's and SDK's error texts say, read in one place: an OAuth refusal, and the SDK's config dump."""

from __future__ import annotations

import re

# The OAuth token endpoint's error codes (RFC 6749 5.2): the connector and the SDK pass them on in their messages
# when the app's client id/secret are refused.
OAUTH_REFUSAL = re.compile(
    r"\b(invalid_request|invalid_client|invalid_grant|unauthorized_client|unsupported_grant_type|invalid_scope)\b"
)

# The SDK appends its configuration (". Config: host=..., Env: ...": host, account id, auth type, environment
# variable names) to its messages; useful in the app's log, not in what a caller or a terminal is shown.
_SDK_CONFIG_SUFFIX = re.compile(r"\.? (Config|Env): .*$", re.S)


def is_oauth_refusal(text: str) -> bool:
    return OAUTH_REFUSAL.search(text) is not None


def without_sdk_config(text: str) -> str:
    return _SDK_CONFIG_SUFFIX.sub("", text)
