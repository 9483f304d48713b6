// What is running now, as a feed the running panels watch: every change of the set of active runs (a run starts, a
// state changes, a run ends) reaches them as a new snapshot, without a reload. The snapshots come from live.ts (the
// monitor's subscription, or polling where websockets are unavailable); the panels only see `ActiveRunsFeed`.
//
// A run's age is counted by the monitor's clock, not the browser's: the verdicts it is shown with
// (`longerThanUsual`, the SLA's share) are the monitor's, and a browser's clock may be off. The page asks the
// monitor's clock once (`ServerClock`) and counts on from there with its own monotonic clock.

import { query, type GqlError } from "./api";
import { ServerClockDocument, type ActiveRunFieldsFragment } from "./generated/graphql";
import { watchActiveRuns, type EndedRun } from "./live";

export type ActiveRun = ActiveRunFieldsFragment;
export type { EndedRun };

export interface ActiveRunsSnapshot {
  /** Every active run the caller may see, newest first; the last known ones when the latest update failed. */
  runs: ActiveRun[];
  /** Runs that ended since the previous snapshot, as last seen, with their final state when the monitor knows it. */
  ended: EndedRun[];
  /** Why the latest update failed; empty when it worked. */
  errors: GqlError[];
}

export interface ActiveRunsFeed {
  /** Calls `update` with every snapshot; the returned function stops it. */
  watch(update: (snapshot: ActiveRunsSnapshot) => void): () => void;
}

/** The page's feed of active runs: live.ts keeps one connection for all of a page's watches. */
export function activeRunsFeed(): ActiveRunsFeed {
  return {
    watch(update) {
      void serverClock();
      return watchActiveRuns((live) => update({ runs: live.runs, ended: live.ended, errors: live.errors }));
    },
  };
}

export interface ServerClock {
  /** The monitor's instant (ms since the epoch) at the client's monotonic instant `monotonicMs`. */
  at(monotonicMs: number): number;
}

let clock: Promise<ServerClock | null> | null = null;

/** The monitor's clock, asked once per page load; null when it could not be asked. */
export function serverClock(monotonic: () => number = () => performance.now()): Promise<ServerClock | null> {
  clock ??= query(ServerClockDocument).then((r) => {
    const checkedAt = r.data?.activeRuns?.checkedAt;
    if (!checkedAt) {
      clock = null; // asked again by the next watch
      return null;
    }
    const server = new Date(checkedAt).getTime();
    const local = monotonic();
    return { at: (monotonicMs: number) => server + (monotonicMs - local) };
  });
  return clock;
}

/** Seconds a run has been running by the monitor's clock at `serverMs`; its `elapsedSeconds` without a clock. */
export function ageOf(run: ActiveRun, serverMs: number | null): number | null {
  if (serverMs === null || !run.startTime) return run.elapsedSeconds;
  return Math.max(0, (serverMs - new Date(run.startTime).getTime()) / 1000);
}

/** "Longer than usual" by the API's rule, judged again as the age ticks on between messages. */
export function longerThanUsual(run: ActiveRun, age: number | null): boolean | null {
  if (run.longerThanUsual === null) return null;
  return run.longerThanUsual || (age !== null && run.longerThanUsualAfterSeconds !== null && age > run.longerThanUsualAfterSeconds);
}

/** The run's share of its SLA and whether it is at risk, at `age`; the API's figures without an age. */
export function slaAt(run: ActiveRun, age: number | null): { share: number; atRisk: boolean } | null {
  if (!run.sla) return null;
  if (age === null) return { share: run.sla.shareOfTarget, atRisk: run.sla.atRisk };
  return { share: age / (run.sla.targetMinutes * 60), atRisk: run.sla.atRisk || age >= run.sla.atRiskAfterSeconds };
}
