from datetime import datetime, timedelta, timezone

import pytest

from gql_monitor.errors import BadUserInput
from gql_monitor.graphql.inputs import (
    TimeWindowInput,
    cursor_text,
    cursor_time,
    decode_cursor,
    encode_cursor,
    page_size,
    resolve_window,
    split_id,
)
from gql_monitor.questions.windows import Window

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


RUN_CURSOR = (cursor_time, cursor_text)


def test_cursor_round_trip_and_kind_check():
    cursor = encode_cursor("run", ["2026-11-20T10:00:00+00:00", "1:42"])
    assert decode_cursor(cursor, "run", RUN_CURSOR) == [datetime(2026, 11, 20, 10, tzinfo=timezone.utc), "1:42"]
    with pytest.raises(BadUserInput):
        decode_cursor(cursor, "job", RUN_CURSOR)


@pytest.mark.parametrize("bad", ["", "!!!", "e30", "x" * 5000, "WyJydW4iXQ", "' OR 1=1 --", "\u0000",
                                 # well-formed, forged: ["run","garbage","1:1"], ["run",5,"1:1"], ["run",{},[]]
                                 "WyJydW4iLCJnYXJiYWdlIiwiMToxIl0", encode_cursor("run", [5, "1:1"]),
                                 encode_cursor("run", [{}, []])])
def test_malformed_cursors_are_bad_input(bad):
    with pytest.raises(BadUserInput):
        decode_cursor(bad, "run", RUN_CURSOR)


@pytest.mark.parametrize("first", [0, -1, 101, 10**9])
def test_page_size_is_capped(first):
    with pytest.raises(BadUserInput):
        page_size(first)


def test_windows_default_cap_and_order():
    assert resolve_window(None, NOW) == Window(NOW - timedelta(days=30), NOW)
    assert resolve_window(TimeWindowInput(last_days=7), NOW) == Window(NOW - timedelta(days=7), NOW)
    with pytest.raises(BadUserInput):
        resolve_window(TimeWindowInput(last_days=367), NOW)
    with pytest.raises(BadUserInput):
        resolve_window(TimeWindowInput(start=NOW, end=NOW - timedelta(hours=1)), NOW)
    with pytest.raises(BadUserInput):
        resolve_window(TimeWindowInput(start=NOW - timedelta(days=400)), NOW)
    with pytest.raises(BadUserInput):
        resolve_window(TimeWindowInput(start=NOW - timedelta(days=1), last_days=1), NOW)


def test_naive_window_times_are_utc():
    start = resolve_window(TimeWindowInput(start=datetime(2026, 11, 1)), NOW).start
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)


@pytest.mark.parametrize("bad", ["42", "a:1", "1:b", ":", "1:2:3", "1' OR '1'='1:2", "9" * 70 + ":1"])
def test_ids_must_be_workspace_and_number(bad):
    with pytest.raises(BadUserInput):
        split_id(bad, "A job id")
