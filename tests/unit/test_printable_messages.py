"""Messages that name a caller's value stay encodable: an unpaired surrogate echoed into a message once made an answer
that could not be encoded (a bare 500)."""

from __future__ import annotations

import orjson
from graphql import GraphQLError

from gql_monitor.errors import BadUserInput, printable
from gql_monitor.graphql.extensions import format_error


def test_printable_replaces_what_cannot_be_encoded_and_cuts_long_values():
    assert printable("x\ud800y") == "x?y"
    assert printable("a" * 100, limit=10) == "a" * 10 + "..."
    assert printable("ünïcødé ✓") == "ünïcødé ✓"


def test_a_coded_error_echoing_a_malformed_value_is_still_encodable():
    error = GraphQLError("Unknown value 'x\ud800'.", original_error=BadUserInput("Unknown value 'x\ud800'."))
    formatted = format_error(error)
    orjson.dumps(formatted.formatted)  # raises on an unpaired surrogate
    assert formatted.extensions["code"] == "BAD_USER_INPUT"
