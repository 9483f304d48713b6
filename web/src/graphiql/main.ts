// GraphiQL for /api/graphql, bundled with React so that the page loads nothing from outside the app (a CDN may be
// blocked, or the machine offline). Same features as the page Strawberry serves: docs, history, the explorer
// plugin, the headers editor, and the query and variables kept in the URL so a link reproduces what was run.

import { explorerPlugin } from "@graphiql/plugin-explorer";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { createElement, useState } from "react";
import { createRoot } from "react-dom/client";

const ENDPOINT = "/api/graphql";

const DEFAULT_QUERY = `# gql-monitor's GraphQL API (docs/api.md). Run with Ctrl-Enter.
# On the left: the schema's docs, your history, the explorer.
{
  viewer { userName }
  jobs(first: 5) { totalCount nodes { id name } }
}
`;

// Same-origin credentials, as the UI sends: inside a Databricks App the proxy's session cookie is what identifies
// the user; a bearer token can still be set in the headers editor. No subscriptions are served, so no websocket.
const fetcher = createGraphiQLFetcher({
  url: ENDPOINT,
  fetch: (input, init) => fetch(input, { ...init, credentials: "same-origin" }),
});

const parameters = new URLSearchParams(window.location.search);

function keepInUrl(name: string, value: string | undefined): void {
  if (value) parameters.set(name, value);
  else parameters.delete(name);
  const search = parameters.toString();
  history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
}

const plugins = [explorerPlugin()];

function Page() {
  const [query, setQuery] = useState(parameters.get("q") ?? DEFAULT_QUERY);
  const [variables, setVariables] = useState(parameters.get("variables") ?? undefined);
  return createElement(GraphiQL, {
    fetcher,
    plugins,
    query,
    variables,
    onEditQuery: (value: string) => {
      setQuery(value);
      keepInUrl("q", value);
    },
    onEditVariables: (value: string) => {
      setVariables(value);
      keepInUrl("variables", value);
    },
    defaultEditorToolsVisibility: true,
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  });
}

createRoot(document.getElementById("graphiql")!).render(createElement(Page));
