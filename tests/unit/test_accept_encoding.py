"""Reading Accept-Encoding (RFC 9110 12.5.3): q=0 refuses, `*` stands for whatever is not listed."""

from __future__ import annotations

import pytest

from gql_monitor.http.compression import accepted_codings


@pytest.mark.parametrize("header, expected", [
    (None, set()),
    ("", set()),
    ("identity", {"identity"}),
    ("gzip", {"gzip"}),
    ("gzip, deflate, br, zstd", {"gzip", "deflate", "br", "zstd"}),
    ("GZip ;Q=0.5", {"gzip"}),
    ("gzip;q=0", set()),
    ("gzip;q=0.0, br", {"br"}),
    ("br;q=0, *", {"gzip"}),
    ("*", {"gzip", "br"}),
    ("*;q=0, gzip", {"gzip"}),
    ("gzip;q=nonsense", set()),
    (",, ;q=1, br", {"br"}),
])
def test_accepted_codings(header, expected):
    assert accepted_codings(header) == expected
