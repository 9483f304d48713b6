// The UI is a client like any other: plain POSTs of the committed .graphql documents to the public endpoint.

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

export async function query<T>(document: string, variables: Record<string, unknown> = {}): Promise<GqlResult<T>> {
  let response: Response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query: document, variables }),
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
