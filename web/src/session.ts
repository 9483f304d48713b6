// Who is signed in, and where the data ends. Windows end at the newest data rather than at the clock: the system
// tables lag (minutes for runs, hours for billing), so "the last 30 days" means the last 30 days the tables hold,
// and a workspace whose tables stopped updating still shows its figures, with the lag said out loud.

import { query, type GqlError } from "./api";
import { FreshnessDocument, ViewerDocument, type FreshnessQuery, type TimeWindowInput, type ViewerQuery } from "./generated/graphql";

type Freshness = NonNullable<FreshnessQuery["dataFreshness"]>;

export interface Session {
  viewer: ViewerQuery["viewer"] | null;
  viewerErrors: GqlError[];
  freshness: Freshness | null;
  freshnessErrors: GqlError[];
  /** Where windows end; null when freshness is unknown, and windows are then relative to the server's clock. */
  end: Date | null;
}

const REFRESH_MS = 5 * 60 * 1000;
// The server rounds default windows to five minutes for its cache; explicit windows on the same grid share entries.
const GRID_MS = 5 * 60 * 1000;
const DAY_MS = 86_400_000;

let current: { at: number; session: Promise<Session> } | null = null;

export function session(): Promise<Session> {
  if (!current || Date.now() - current.at > REFRESH_MS) {
    current = { at: Date.now(), session: load() };
  }
  return current.session;
}

async function load(): Promise<Session> {
  const [viewer, freshness] = await Promise.all([
    query(ViewerDocument),
    query(FreshnessDocument),
  ]);
  const fresh = freshness.data?.dataFreshness ?? null;
  return {
    viewer: viewer.data?.viewer ?? null,
    viewerErrors: viewer.errors,
    freshness: fresh,
    freshnessErrors: freshness.errors,
    end: fresh ? anchor(fresh) : null,
  };
}

function anchor(fresh: Freshness): Date | null {
  const times = [fresh.latestRunPeriodEndTime, fresh.latestUsageEndTime]
    .filter((t): t is string => !!t)
    .map((t) => new Date(t).getTime());
  if (!times.length) return null;
  const newest = Math.min(Math.max(...times), new Date(fresh.checkedAt).getTime());
  return new Date(Math.ceil(newest / GRID_MS) * GRID_MS);
}

export function lastDays(s: Session, days: number): TimeWindowInput {
  if (!s.end) return { lastDays: days };
  return { start: new Date(s.end.getTime() - days * DAY_MS).toISOString(), end: s.end.toISOString() };
}

export function lastHours(s: Session, hours: number): TimeWindowInput {
  if (!s.end) return { lastDays: Math.max(1, Math.ceil(hours / 24)) };
  return { start: new Date(s.end.getTime() - hours * 3_600_000).toISOString(), end: s.end.toISOString() };
}
