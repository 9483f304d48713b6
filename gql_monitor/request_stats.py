"""What one GraphQL operation cost, reported in `extensions.cost`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RequestStats:
    # Statements actually sent to the warehouse (cache hits are not statements).
    warehouse_statements: int = 0
    # HTTP calls actually made to the Jobs API.
    jobs_api_calls: int = 0
    cache_hits: int = 0
