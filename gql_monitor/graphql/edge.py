"""The request's edge, before anything is executed: every value the request carries is checked (inputs.py) before
validation and coercion, whose messages would echo it, and the operation name is made encodable."""

from __future__ import annotations

from typing import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gql_monitor.errors import MonitorError, printable
from gql_monitor.graphql.inputs import check_request_values


class EdgeChecks(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        provided = ctx._provided_operation_name  # `operation_name` is a read-only property over it
        if provided is not None:
            # Strawberry echoes an unknown operation name in its 400 answer; it must be encodable.
            ctx._provided_operation_name = printable(provided, limit=None)
        yield

    def on_validate(self) -> Iterator[None]:
        # Runs after ValidationCache's hook (which sets the document's errors): a refusal here replaces them.
        ctx = self.execution_context
        try:
            check_request_values(ctx.graphql_document, ctx.variables)
        except MonitorError as exc:
            ctx.pre_execution_errors = [GraphQLError(str(exc), original_error=exc)]
        yield
