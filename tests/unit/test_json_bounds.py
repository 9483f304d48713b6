"""The JSON bounds. The container count is checked on the raw bytes before parsing, so a hostile body costs a C-speed
byte count, not the parser building (and freeing) 100,000 nested lists on the event loop."""

from __future__ import annotations

import pytest

from gql_monitor.http.request_hygiene import MAX_JSON_DEPTH, MAX_JSON_VALUES, RequestRefused, decode_json


def message(raw: bytes) -> str:
    with pytest.raises(RequestRefused) as refused:
        decode_json(raw, "The body")
    assert refused.value.error.code == "BAD_USER_INPUT"
    return str(refused.value.error)


def test_many_containers_are_refused_before_parsing():
    # Invalid JSON after the brackets: had it been parsed, the parser's complaint would be the message.
    assert "values" in message(b"[" * 100_000 + b" garbage")


def test_depth_is_bounded():
    assert "nests deeper" in message(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))


def test_brackets_inside_strings_do_not_count():
    text = '"' + "[{" * MAX_JSON_VALUES + '\\"]' + '"'
    assert decode_json(('{"a": %s, "b": [[1]]}' % text).encode(), "The body")["b"] == [[1]]
    assert decode_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, "The body") == eval("[" * MAX_JSON_DEPTH +
                                                                                           "]" * MAX_JSON_DEPTH)


def test_value_count_includes_scalars():
    assert "values" in message(b"[" + b"1," * MAX_JSON_VALUES + b"1]")
    assert len(decode_json(b"[" + b"1," * (MAX_JSON_VALUES - 3) + b"1]", "The body")) == MAX_JSON_VALUES - 2
