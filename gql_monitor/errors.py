"""The product's error types. Each carries the stable `extensions.code` that API clients branch on."""

from __future__ import annotations


class MonitorError(Exception):
    """An error whose message is safe to show the caller."""

    code = "INTERNAL"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class BadUserInput(MonitorError):
    code = "BAD_USER_INPUT"


class Unauthenticated(MonitorError):
    code = "UNAUTHENTICATED"


class Forbidden(MonitorError):
    code = "FORBIDDEN"


class QueryTooComplex(MonitorError):
    code = "QUERY_TOO_COMPLEX"


class WarehouseUnavailable(MonitorError):
    code = "WAREHOUSE_UNAVAILABLE"


class JobsApiUnavailable(MonitorError):
    code = "JOBS_API_UNAVAILABLE"


class RateLimited(MonitorError):
    code = "RATE_LIMITED"


class RequestTooLarge(MonitorError):
    """The HTTP request body is above the configured limit (HTTP 413)."""

    code = "REQUEST_TOO_LARGE"


def printable(value: object, limit: int | None = 80) -> str:
    """`value` as text any response can carry (unpaired surrogates become "?"), cut to `limit` characters: for the
    rare message that must name a caller's value. Echoing raw input made answers that could not be encoded."""
    text = str(value)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "..."
    return text.encode("utf-8", "replace").decode("utf-8")


# Every code a caller can see, INTERNAL last.
ERROR_CODES = tuple(
    error.code
    for error in (BadUserInput, Unauthenticated, Forbidden, QueryTooComplex, WarehouseUnavailable, JobsApiUnavailable,
                  RateLimited, RequestTooLarge, MonitorError)
)
