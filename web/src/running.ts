// What is running now, as a feed the running panels watch: every change of the set of active runs (a run starts, a
// state changes, a run ends) reaches them as a new snapshot, without a reload. One feed per page load, shared by
// every panel watching it, like the server's one poller per scope: a page with two panels does not ask twice.
//
// The panels only see `ActiveRunsFeed`; where the snapshots come from is this module's business. Today they come
// from polling the `activeRuns` query.

import { query, type GqlError, type GqlResult } from "./api";
import { ActiveRunsDocument, type ActiveRunFieldsFragment, type ActiveRunsQuery } from "./generated/graphql";

export type ActiveRun = ActiveRunFieldsFragment;

export interface ActiveRunsSnapshot {
  /** The active runs read, in the Jobs API's order; null when they could not be read (see `errors`). */
  runs: ActiveRun[] | null;
  /** The Jobs API holds more active runs than were read. */
  more: boolean;
  /** The server's clock when the runs were read (unrounded): a run's age is counted on from here. */
  checkedAt: string | null;
  /** The client's monotonic clock (ms) when the snapshot arrived. */
  receivedAt: number;
  errors: GqlError[];
}

export interface ActiveRunsFeed {
  /** Calls `update` with every snapshot, the latest one at once if there is one; the returned function stops it. */
  watch(update: (snapshot: ActiveRunsSnapshot) => void): () => void;
}

export interface PollingOptions {
  intervalMs: number;
  /** Pages of 25 read per poll: the panels show at most this many times 25 runs. */
  maxPages: number;
  /** A monotonic clock in ms (performance.now in the browser). */
  now: () => number;
}

const DEFAULTS: PollingOptions = { intervalMs: 10_000, maxPages: 4, now: () => performance.now() };

async function readActiveRuns(options: PollingOptions): Promise<ActiveRunsSnapshot> {
  const runs: ActiveRun[] = [];
  let after: string | null = null;
  let checkedAt: string | null = null;
  for (let page = 0; page < options.maxPages; page++) {
    const r: GqlResult<ActiveRunsQuery> = await query(ActiveRunsDocument, { after });
    const list = r.data?.activeRuns;
    if (!list) return { runs: null, more: false, checkedAt: null, receivedAt: options.now(), errors: r.errors };
    checkedAt ??= list.checkedAt;
    runs.push(...list.nodes);
    after = list.pageInfo.hasNextPage ? list.pageInfo.endCursor : null;
    if (!after) return { runs, more: false, checkedAt, receivedAt: options.now(), errors: r.errors };
  }
  return { runs, more: true, checkedAt, receivedAt: options.now(), errors: [] };
}

/**
 * Polls `activeRuns` every `intervalMs` while anyone watches and the page is visible (a hidden tab asks nothing and
 * catches up when shown again).
 */
export function pollingFeed(options: Partial<PollingOptions> = {}): ActiveRunsFeed {
  const o = { ...DEFAULTS, ...options };
  const watchers = new Set<(s: ActiveRunsSnapshot) => void>();
  let latest: ActiveRunsSnapshot | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let inFlight = false;

  const schedule = () => {
    if (timer !== null) clearTimeout(timer);
    timer = watchers.size && !document.hidden ? setTimeout(poll, o.intervalMs) : null;
  };
  async function poll(): Promise<void> {
    timer = null;
    if (inFlight || !watchers.size) return;
    inFlight = true;
    try {
      latest = await readActiveRuns(o);
      for (const watcher of [...watchers]) watcher(latest);
    } finally {
      inFlight = false;
      schedule();
    }
  }
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) schedule();
    else void poll();
  });

  return {
    watch(update) {
      watchers.add(update);
      // A snapshot older than a poll (left by an earlier page) is not shown: its runs may have ended since, and a
      // new panel would report them as just finished.
      const fresh = latest !== null && o.now() - latest.receivedAt < o.intervalMs;
      if (!fresh) void poll();
      else {
        update(latest!);
        if (timer === null && !inFlight) schedule();
      }
      return () => {
        watchers.delete(update);
        schedule();
      };
    },
  };
}

let shared: ActiveRunsFeed | null = null;

/** The page's feed of active runs. */
export function activeRunsFeed(): ActiveRunsFeed {
  shared ??= pollingFeed();
  return shared;
}

/** Seconds a run has been running at the client's monotonic instant `nowMs`, counted on from the snapshot. */
export function elapsedAt(run: ActiveRun, snapshot: ActiveRunsSnapshot, nowMs: number): number | null {
  const since = Math.max(0, nowMs - snapshot.receivedAt) / 1000;
  if (run.startTime && snapshot.checkedAt) {
    return Math.max(0, (new Date(snapshot.checkedAt).getTime() - new Date(run.startTime).getTime()) / 1000 + since);
  }
  return run.elapsedSeconds === null ? null : run.elapsedSeconds + since;
}
