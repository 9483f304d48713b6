"""Live feeds for GraphQL subscriptions over websockets (graphql-transport-ws on /api/graphql).

- `changes.py`: what changed between two reads of the active runs (pure).
- `poller.py`: one poller per visibility scope reads every active run at GQL_MONITOR_SUBSCRIPTION_POLL_SECONDS and
  keeps the latest state; subscribers wait on it, so N subscribers of one scope cost the Jobs API what one does.
- `hub.py`: the process's pollers by scope, started with their first subscriber and stopped with their last.
- `feeds.py`: what a subscription resolver sees: the caller's changes, and a fresh start for each event's work.
- `limits.py`: connections per process and per caller, messages per connection.
- `transport.py`: the graphql-transport-ws handler: identity at `connection_init`, message checks, limits, close
  codes, the periodic re-check of the caller's token.
"""
