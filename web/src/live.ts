// What is running now, kept up to date: pushed by the monitor over a websocket (GraphQL subscriptions,
// graphql-transport-ws on /api/graphql; docs/api.md "Subscriptions"), or, where websockets are unavailable or
// refused, the `activeRuns` query polled every POLL_MS.
//
//   import { watchActiveRuns, watchRun } from "./live";
//   const stop = watchActiveRuns((live) => render(live.runs));
//   const stopRun = watchRun(runId, (state) => show(state));
//   ...
//   stop(); stopRun();
//
// watchActiveRuns(onChange) calls onChange(live) once the runs are known, then after every change:
//   live.runs     every active run the caller may see, newest first (fields: graphql/fragments/ActiveRunFields)
//   live.added    ids of the runs that started since the previous call
//   live.updated  ids of the runs whose state (life cycle, state message) changed
//   live.ended    runs no longer active, as last seen; `live` holds their final state when the monitor knows it
//   live.mode     "live" (pushed) or "polling" (the fallback)
//   live.errors   why the latest update failed (JOBS_API_UNAVAILABLE, UNAUTHENTICATED, ...), with `runs` the last
//                 known; empty when it worked
// watchRun(id, onChange) calls onChange(state) with the run's state now and at each change while it is active;
//   the last call has state.active false (and its final state in state.live when the monitor knows it).
// Both return a function that stops watching. One websocket carries every watch of the page and closes with the
// last; the browser identifies it as it does the page's queries (api.ts: the Apps proxy, the demo's cookie).

import { ENDPOINT, query, type GqlError, type GqlResult } from "./api";
import {
  ActiveRunsPollDocument,
  LiveActiveRunsDocument,
  LiveRunStateDocument,
  type ActiveRunFieldsFragment,
  type ActiveRunsPollQuery,
  type LiveActiveRunsSubscription,
  type LiveRunStateSubscription,
} from "./generated/graphql";

export type LiveRun = ActiveRunFieldsFragment;
export type EndedRun = NonNullable<LiveActiveRunsSubscription["activeRuns"]>["ended"][number];
export type RunFinalState = NonNullable<NonNullable<LiveRunStateSubscription["run"]>["live"]>;
export type Mode = "live" | "polling";

export interface LiveActiveRuns {
  runs: LiveRun[];
  added: string[];
  updated: string[];
  ended: EndedRun[];
  mode: Mode;
  errors: GqlError[];
}

export interface LiveRunState {
  id: string;
  active: boolean;
  run: LiveRun | null;
  live: RunFinalState | null;
  mode: Mode;
  errors: GqlError[];
}

export type Stop = () => void;

/** How often the fallback asks; the monitor's own poller reads the Jobs API every GQL_MONITOR_SUBSCRIPTION_POLL_SECONDS. */
export const POLL_MS = 15_000;
const PROTOCOL = "graphql-transport-ws";
const MAX_POLL_PAGES = 20;
const MAX_RECONNECTS = 5;
// Refusals that another attempt would get again: fall back to polling instead of reconnecting.
const FINAL_CLOSES = new Set([1008, 1009, 4400, 4401, 4403, 4406, 4409, 4429, 4500]);

interface NextPayload {
  data?: unknown;
  errors?: GqlError[];
}

interface Watch {
  document: string;
  variables: Record<string, unknown>;
  next(payload: NextPayload): void;
  complete(): void;
  polled(runs: Map<string, LiveRun> | null, errors: GqlError[]): void;
}

// -- the page's one connection -------------------------------------------------------------------------------------

const watches = new Map<string, Watch>();
let sequence = 0;
let mode: "idle" | "connecting" | "live" | "polling" = "idle";
let socket: WebSocket | null = null;
let acknowledged = false;
let reconnects = 0;
let pollTimer: ReturnType<typeof setTimeout> | null = null;
let lastPoll: { runs: Map<string, LiveRun> | null; errors: GqlError[] } | null = null;

function add(watch: Watch): Stop {
  const id = String(++sequence);
  watches.set(id, watch);
  if (mode === "polling") {
    if (lastPoll) watch.polled(lastPoll.runs, lastPoll.errors);
  } else if (mode === "live" && acknowledged) {
    subscribe(id, watch);
  } else if (mode === "idle") {
    connect();
  }
  return () => remove(id);
}

function remove(id: string): void {
  if (!watches.delete(id)) return;
  if (socket && acknowledged) send({ id, type: "complete" });
  if (watches.size === 0) {
    // Nothing left to watch: the next watch starts afresh (and tries the websocket again).
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    lastPoll = null;
    const open = socket;
    socket = null;
    acknowledged = false;
    mode = "idle";
    open?.close(1000, "done");
  }
}

function socketUrl(): string {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${ENDPOINT}`;
}

function connect(): void {
  if (typeof WebSocket === "undefined") return fallBack();
  let ws: WebSocket;
  try {
    ws = new WebSocket(socketUrl(), PROTOCOL);
  } catch {
    return fallBack();
  }
  mode = "connecting";
  socket = ws;
  acknowledged = false;
  ws.onopen = () => send({ type: "connection_init", payload: {} });
  ws.onmessage = (event) => {
    if (ws === socket) received(event.data);
  };
  ws.onclose = (event) => {
    if (ws === socket) closed(event.code);
  };
}

function send(message: object): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function subscribe(id: string, watch: Watch): void {
  send({ id, type: "subscribe", payload: { query: watch.document, variables: watch.variables } });
}

function received(text: unknown): void {
  let message: { type?: string; id?: string; payload?: unknown };
  try {
    message = JSON.parse(String(text));
  } catch {
    return;
  }
  const watch = message.id !== undefined ? watches.get(message.id) : undefined;
  switch (message.type) {
    case "connection_ack":
      acknowledged = true;
      reconnects = 0;
      mode = "live";
      for (const [id, w] of watches) subscribe(id, w);
      break;
    case "ping":
      send({ type: "pong" });
      break;
    case "next":
      watch?.next((message.payload ?? {}) as NextPayload);
      break;
    case "error":
      // The monitor refused the document itself: the query will say why, and keep the page up to date.
      fallBack();
      break;
    case "complete":
      if (watch && message.id !== undefined) {
        watch.complete();
        remove(message.id);
      }
      break;
  }
}

function closed(code: number): void {
  socket = null;
  const wasAcknowledged = acknowledged;
  acknowledged = false;
  if (watches.size === 0 || mode === "polling") return;
  // Refused before it was accepted (no websockets on the way, an origin or identity refusal, a limit), or refused
  // for good: poll. Dropped after it worked (a restart, the network, "reconnect" 4000): try again, then poll.
  if (!wasAcknowledged || FINAL_CLOSES.has(code) || reconnects >= MAX_RECONNECTS) return fallBack();
  reconnects += 1;
  mode = "connecting";
  setTimeout(() => {
    if (watches.size > 0 && mode === "connecting" && socket === null) connect();
  }, Math.min(30_000, 500 * 2 ** reconnects));
}

function fallBack(): void {
  mode = "polling";
  const open = socket;
  socket = null;
  acknowledged = false;
  open?.close(1000, "polling instead");
  if (pollTimer === null) void poll();
}

async function poll(): Promise<void> {
  pollTimer = null;
  if (mode !== "polling" || watches.size === 0) return;
  if (document.visibilityState !== "hidden") {
    lastPoll = await readActiveRuns();
    if (mode !== "polling") return;
    for (const watch of [...watches.values()]) watch.polled(lastPoll.runs, lastPoll.errors);
  }
  if (mode === "polling" && watches.size > 0) pollTimer = setTimeout(() => void poll(), POLL_MS);
}

async function readActiveRuns(): Promise<{ runs: Map<string, LiveRun> | null; errors: GqlError[] }> {
  const runs = new Map<string, LiveRun>();
  let after: string | null = null;
  for (let page = 0; page < MAX_POLL_PAGES; page++) {
    const result: GqlResult<ActiveRunsPollQuery> = await query(ActiveRunsPollDocument, { after });
    const connection = result.data?.activeRuns;
    if (!connection) return { runs: null, errors: result.errors };
    for (const node of connection.nodes) runs.set(node.id, node);
    if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) break;
    after = connection.pageInfo.endCursor;
  }
  return { runs, errors: [] };
}

// -- what a watch makes of the messages ----------------------------------------------------------------------------

const newestFirst = (a: LiveRun, b: LiveRun) =>
  (b.startTime ?? "").localeCompare(a.startTime ?? "") || b.id.localeCompare(a.id);

const changed = (a: LiveRun, b: LiveRun) => a.lifeCycleState !== b.lifeCycleState || a.stateMessage !== b.stateMessage;

function asEnded(run: LiveRun): EndedRun {
  return { id: run.id, jobId: run.jobId, runName: run.runName, lastLifeCycleState: run.lifeCycleState, live: null };
}

/** Watches every active run the caller may see; see the top of this file. */
export function watchActiveRuns(onChange: (live: LiveActiveRuns) => void): Stop {
  let known: Map<string, LiveRun> | null = null;
  let failing = false;

  const report = (added: string[], updated: string[], ended: EndedRun[], via: Mode, errors: GqlError[]) => {
    failing = errors.length > 0;
    onChange({ runs: [...(known?.values() ?? [])].sort(newestFirst), added, updated, ended, mode: via, errors });
  };

  // A whole list (a snapshot, or a poll): what changed against what was known.
  // `errors`: what a snapshot's fields could not say (a FORBIDDEN usual duration), shown next to its runs.
  const replace = (runs: Map<string, LiveRun>, via: Mode, alwaysReport: boolean, errors: GqlError[] = []) => {
    const before = known;
    known = runs;
    const added = [...runs.keys()].filter((id) => !before?.has(id));
    const updated = [...runs.values()].filter((r) => before?.has(r.id) && changed(before.get(r.id)!, r)).map((r) => r.id);
    const ended = [...(before?.values() ?? [])].filter((r) => !runs.has(r.id)).map(asEnded);
    if (alwaysReport || before === null || failing || added.length || updated.length || ended.length) {
      report(added, updated, ended, via, errors);
    }
  };

  return add({
    document: LiveActiveRunsDocument.toString(),
    variables: {},
    next(payload) {
      const change = (payload.data as LiveActiveRunsSubscription | undefined)?.activeRuns;
      if (!change) return report([], [], [], "live", payload.errors ?? []);
      if (change.kind === "SNAPSHOT") {
        return replace(new Map(change.added.map((r) => [r.id, r])), "live", true, payload.errors ?? []);
      }
      const runs = new Map(known ?? []);
      for (const run of [...change.added, ...change.updated]) runs.set(run.id, run);
      for (const run of change.ended) runs.delete(run.id);
      known = runs;
      report(change.added.map((r) => r.id), change.updated.map((r) => r.id), change.ended, "live", payload.errors ?? []);
    },
    complete() {},
    polled(runs, errors) {
      if (runs === null) return report([], [], [], "polling", errors);
      replace(runs, "polling", false);
    },
  });
}

/** Watches one run while it is active; see the top of this file. */
export function watchRun(id: string, onChange: (state: LiveRunState) => void): Stop {
  let last: LiveRun | null = null;
  let done = false;
  let stop: Stop = () => {};
  const finish = () => {
    done = true;
    stop();
  };

  stop = add({
    document: LiveRunStateDocument.toString(),
    variables: { id },
    next(payload) {
      const state = (payload.data as LiveRunStateSubscription | undefined)?.run;
      if (!state) return onChange({ id, active: last !== null, run: last, live: null, mode: "live", errors: payload.errors ?? [] });
      last = state.run ?? null;
      onChange({ id, active: state.active, run: state.run ?? null, live: state.live ?? null, mode: "live", errors: payload.errors ?? [] });
    },
    complete() {
      done = true;
    },
    polled(runs, errors) {
      if (done) return;
      if (runs === null) return onChange({ id, active: last !== null, run: last, live: null, mode: "polling", errors });
      const now = runs.get(id) ?? null;
      if (now && last && !changed(last, now)) return;
      last = now;
      onChange({ id, active: now !== null, run: now, live: null, mode: "polling", errors: [] });
      if (!now) finish();
    },
  });
  if (done) stop();
  return () => {
    if (!done) finish();
  };
}
