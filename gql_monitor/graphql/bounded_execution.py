"""The response cap: an answer may hold at most `max_values` values (every field value and list item counts one).
Counted while the answer is built, so an answer over the cap is refused with QUERY_TOO_COMPLEX as soon as it crosses
the cap (a list that would cross it is refused before its items are built), never built whole and sent.

The pre-execution cost (query_cost.py) only estimates list sizes; this is the bound that holds whatever the data.
"""

from __future__ import annotations

from collections.abc import Sized
from typing import Any

from graphql import ExecutionResult, GraphQLError
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gql_monitor.errors import QueryTooComplex

MAX_RESPONSE_VALUES = 100_000


class ResponseTooLarge(QueryTooComplex):
    pass


def bounded_executor(max_values: int = MAX_RESPONSE_VALUES) -> type[StrawberryGraphQLCoreExecutionContext]:
    message = (f"The answer would hold more than {max_values:,} values; ask for smaller pages, a shorter window or "
               "fewer fields.")

    class BoundedExecutor(StrawberryGraphQLCoreExecutionContext):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.values = 0
            self.too_large = False

        def complete_value(self, return_type, field_details_list, info, path, result, position_context):
            self.values += 1
            if self.values > max_values:
                self._refuse()
            return super().complete_value(return_type, field_details_list, info, path, result, position_context)

        def complete_list_value(self, return_type, field_details_list, info, path, result, position_context):
            if isinstance(result, Sized) and self.values + len(result) > max_values:
                self._refuse()
            return super().complete_list_value(return_type, field_details_list, info, path, result,
                                               position_context)

        def _refuse(self) -> None:
            self.too_large = True
            raise ResponseTooLarge(message)

        def build_response(self, data):
            if not self.too_large:
                return super().build_response(data)
            # Whatever was built is dropped: a partial answer would look whole to a client that skips errors.
            self.run_async_work_finished_hook()
            return ExecutionResult(None, [GraphQLError(message, original_error=ResponseTooLarge(message))])

    return BoundedExecutor
