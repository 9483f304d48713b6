// The UI is a client like any other: plain POSTs of the committed .graphql documents to the public endpoint. Each
// document comes typed from src/generated/graphql.ts (graphql-codegen), so its variables are checked and its answer
// has the shape the document selects.

import type { TypedDocumentString } from "./generated/graphql";

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

export interface GqlResult<T> {
  data: T | null;
  errors: GqlError[];
}

export const ENDPOINT = "/api/graphql";

/** Variables may be left out when the document declares none that are required. */
type VariablesArgument<V> = {} extends V ? [variables?: V] : [variables: V];

export async function query<T, V>(document: TypedDocumentString<T, V>, ...[variables]: VariablesArgument<NoInfer<V>>): Promise<GqlResult<T>> {
  let response: Response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
      credentials: "same-origin",
    });
  } catch {
    return failure("NETWORK", "The monitor could not be reached. Check the connection and reload the page.");
  }
  let body: { data?: T | null; errors?: GqlError[] };
  try {
    body = await response.json();
  } catch {
    return failure(`HTTP_${response.status}`, `The monitor answered HTTP ${response.status} without a GraphQL response.`);
  }
  return { data: body.data ?? null, errors: Array.isArray(body.errors) ? body.errors : [] };
}

function failure<T>(code: string, message: string): GqlResult<T> {
  return { data: null, errors: [{ message, extensions: { code } }] };
}

export function errorCode(error: GqlError): string {
  return error.extensions?.code ?? "ERROR";
}

/** The errors whose path starts with one of these root fields (or aliases). */
export function errorsAt(errors: GqlError[], ...roots: string[]): GqlError[] {
  return errors.filter((e) => e.path && roots.includes(String(e.path[0])));
}
