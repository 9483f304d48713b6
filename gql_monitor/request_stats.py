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
    # Whether any field came from the Jobs API (fresh or cached): such a response may only be reused for seconds.
    used_live_answers: bool = False
    # Epoch seconds when the oldest cached answer this operation used was fetched; None if all were fresh.
    oldest_answer_fetched_at: float | None = None
    # The operation's name as the request gave it (None for an anonymous operation), for the request's log line.
    operation_name: str | None = None
    # The document's computed cost (graphql/query_cost.py), kept with a cached response for its `extensions`.
    query_cost: int = 0
    # Answered whole from the response cache (http/cached_responses.py), without executing.
    response_cached: bool = False

    def note_cache_hit(self, fetched_at: float) -> None:
        self.cache_hits += 1
        if self.oldest_answer_fetched_at is None or fetched_at < self.oldest_answer_fetched_at:
            self.oldest_answer_fetched_at = fetched_at
