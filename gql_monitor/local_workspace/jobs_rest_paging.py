"""Request parsing and keyset pagination for the Jobs API stand-in.

Kept apart from the handlers so that the wire rules (what a valid parameter is, what a page token holds) live in one
place and can be read without the SQL of each endpoint.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Mapping

import duckdb

INT64_MAX = 2**63 - 1
# Jobs API 2.2 returns at most this many elements of each top-level array of a job or run per response.
ARRAY_PAGE_SIZE = 100


class ApiError(Exception):
    """An answer in Databricks' error shape; raised anywhere below a handler, rendered once by the endpoint wrapper."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message


def invalid(message: str) -> ApiError:
    return ApiError(400, "INVALID_PARAMETER_VALUE", message)


# -- query parameters ------------------------------------------------------------------------------------------------


def _raw(params: Mapping[str, str], name: str) -> str | None:
    # An empty value (`?page_token=`) means "not given": clients that build query strings from optional fields send it.
    value = params.get(name)
    if value is None or value == "":
        return None
    return value


def int_param(params: Mapping[str, str], name: str) -> int | None:
    raw = _raw(params, name)
    if raw is None:
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        raise invalid(f"Invalid value '{raw}' for parameter {name}: expected a non-negative integer.") from None
    if value < 0 or value > INT64_MAX:
        raise invalid(f"Invalid value '{raw}' for parameter {name}: expected a non-negative integer.")
    return value


def required_id(params: Mapping[str, str], name: str) -> int:
    value = int_param(params, name)
    if value is None:
        raise invalid(f"Missing required field: {name}")
    return value


def bool_param(params: Mapping[str, str], name: str) -> bool:
    raw = _raw(params, name)
    if raw is None:
        return False
    lowered = raw.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise invalid(f"Invalid value '{raw}' for parameter {name}: expected true or false.")


def limit_param(params: Mapping[str, str], *, default: int, maximum: int, zero_means_max: bool) -> int:
    raw = _raw(params, "limit")
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise invalid(f"Invalid limit '{raw}' - it has to be an integer between 1 and {maximum}.") from None
    if value == 0 and zero_means_max:
        # runs/list documents that a limit of 0 asks for the maximum page size.
        return maximum
    if value < 1 or value > maximum:
        raise invalid(f"Invalid limit {value} - it has to be between 1 and {maximum}.")
    return value


# -- page tokens -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageToken:
    """Where a list page starts: strictly after (direction "n") or strictly before ("p") the row with this sort key.

    The key is the row's own sort key, never a position, so rows that appear or vanish elsewhere in the list do not
    shift the page. `kind` stops a token of one list from being replayed on another.
    """

    kind: str
    direction: str
    k1: int
    k2: int

    def encode(self) -> str:
        text = f"v1.{self.kind}.{self.direction}.{self.k1}.{self.k2}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @staticmethod
    def decode(raw: str, kind: str) -> "PageToken":
        try:
            padded = raw + "=" * (-len(raw) % 4)
            text = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
            version, token_kind, direction, k1, k2 = text.split(".")
            if version != "v1" or token_kind != kind or direction not in ("n", "p"):
                raise ValueError(text)
            return PageToken(kind, direction, int(k1), int(k2))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise invalid(f"Invalid page token: '{raw}'.") from None


def page_token_param(params: Mapping[str, str], kind: str) -> PageToken | None:
    raw = _raw(params, "page_token")
    return None if raw is None else PageToken.decode(raw, kind)


@dataclass(frozen=True)
class ArrayPageToken:
    """Which slice of a job's or run's top-level arrays a jobs/get or runs/get page holds (API 2.2).

    An index is enough here: the arrays belong to one stored object and do not grow between calls.
    """

    kind: str
    object_id: int
    page: int

    def encode(self) -> str:
        text = f"v1.{self.kind}.{self.object_id}.{self.page}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @staticmethod
    def decode(raw: str, kind: str, object_id: int) -> "ArrayPageToken":
        try:
            padded = raw + "=" * (-len(raw) % 4)
            text = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
            version, token_kind, oid, page = text.split(".")
            token = ArrayPageToken(token_kind, int(oid), int(page))
            if version != "v1" or token.kind != kind or token.object_id != object_id or token.page < 0:
                raise ValueError(text)
            return token
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise invalid(f"Invalid page token: '{raw}'.") from None


def paginate_arrays(obj: dict[str, Any], keys: tuple[str, ...], page: int, kind: str, object_id: int) -> str | None:
    """Cut `obj`'s arrays to page `page` in place; return the token of the next page, if any.

    When an object needs more than one page, every page carries every key as a list (possibly empty): the SDK
    merges pages with `list.extend` and would fail on a missing one.
    """
    lengths = {key: len(obj.get(key) or []) for key in keys}
    if page == 0 and all(n <= ARRAY_PAGE_SIZE for n in lengths.values()):
        return None
    start, stop = page * ARRAY_PAGE_SIZE, (page + 1) * ARRAY_PAGE_SIZE
    for key in keys:
        obj[key] = list(obj.get(key) or [])[start:stop]
    if any(n > stop for n in lengths.values()):
        return ArrayPageToken(kind, object_id, page + 1).encode()
    return None


def truncate_arrays(obj: dict[str, Any], keys: tuple[str, ...]) -> bool:
    """Keep the first page of each array, as list endpoints of API 2.2 do; True when something was cut."""
    cut = False
    for key in keys:
        value = obj.get(key)
        if isinstance(value, list) and len(value) > ARRAY_PAGE_SIZE:
            obj[key] = value[:ARRAY_PAGE_SIZE]
            cut = True
    return cut


# -- keyset pages ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeysetQuery:
    """One list: rows of `source` matching `where`, newest first by (k1, k2), both descending."""

    kind: str
    columns: str
    source: str
    k1: str
    k2: str
    where: list[str]
    params: list[Any]


@dataclass
class Page:
    rows: list[tuple]
    next_token: str | None
    prev_token: str | None


def _where(conditions: list[str]) -> str:
    return " AND ".join(f"({c})" for c in conditions) if conditions else "TRUE"


def fetch_page(
    cur: duckdb.DuckDBPyConnection, q: KeysetQuery, *, limit: int, token: PageToken | None, offset: int | None
) -> Page:
    """Rows of one page plus the tokens around it. Each row ends with its two key values."""
    after = f"({q.k1} < ? OR ({q.k1} = ? AND {q.k2} < ?))"
    before = f"({q.k1} > ? OR ({q.k1} = ? AND {q.k2} > ?))"
    select = f"SELECT {q.columns}, {q.k1} AS _k1, {q.k2} AS _k2 FROM {q.source}"

    def exists(condition: str, key: tuple[int, int]) -> bool:
        sql = f"SELECT 1 FROM {q.source} WHERE {_where(q.where + [condition])} LIMIT 1"
        return cur.execute(sql, [*q.params, key[0], key[0], key[1]]).fetchone() is not None

    if token is not None and token.direction == "p":
        sql = f"{select} WHERE {_where(q.where + [before])} ORDER BY _k1 ASC, _k2 ASC LIMIT ?"
        rows = cur.execute(sql, [*q.params, token.k1, token.k1, token.k2, limit + 1]).fetchall()
        more_before = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        if not rows:
            return Page([], None, None)
        more_after = exists(after, (rows[-1][-2], rows[-1][-1]))
    else:
        conditions, params = list(q.where), list(q.params)
        if token is not None:
            conditions.append(after)
            params += [token.k1, token.k1, token.k2]
        sql = f"{select} WHERE {_where(conditions)} ORDER BY _k1 DESC, _k2 DESC LIMIT ?"
        params.append(limit + 1)
        if token is None and offset:
            sql += " OFFSET ?"
            params.append(offset)
        rows = cur.execute(sql, params).fetchall()
        more_after = len(rows) > limit
        rows = rows[:limit]
        if not rows:
            return Page([], None, None)
        from_top = token is None and not offset
        more_before = not from_top and exists(before, (rows[0][-2], rows[0][-1]))

    next_token = PageToken(q.kind, "n", rows[-1][-2], rows[-1][-1]).encode() if more_after else None
    prev_token = PageToken(q.kind, "p", rows[0][-2], rows[0][-1]).encode() if more_before else None
    return Page(rows, next_token, prev_token)
