"""gql-monitor: Databricks Jobs monitoring over system tables and the Jobs API, served as GraphQL."""

__version__ = "0.1.0"
