// Every page formats figures through this module, so the same kind of figure reads the same everywhere: durations
// as "42 s", "3 m 05 s", "2 h 05 m", "1 d 3 h"; money at list price to the cent in its currency; multiples as
// "1.53×"; shares as "12.5 %". Everything is shown in UTC: the system tables, the billing day and the API are UTC,
// and teams sit in many zones.

import type { CostFigureFragment } from "./generated/graphql";

const moneyFormats = new Map<string, Intl.NumberFormat>();

export function money(amount: string | number | null | undefined, currency = "USD"): string {
  if (amount === null || amount === undefined || amount === "") return "–";
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
    moneyFormats.set(currency, format);
  }
  return format.format(Number(amount));
}

const quantityFormat = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const countFormat = new Intl.NumberFormat("en-US");

export function quantity(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "–";
  return quantityFormat.format(Number(value));
}

export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : countFormat.format(value);
}

export function percent(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return "–";
  return `${(rate * 100).toFixed(digits)} %`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "–";
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, "0")} m`;
  return `${minutes} m ${String(secs).padStart(2, "0")} s`;
}

/** A multiple of something (a run against its baseline, a cost against its p90): two decimals and "×". */
export function ratio(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return `${value.toFixed(2)}×`;
}

/** A time of day in UTC, for axes and short spans: "14:05", or "14:05:30" where seconds matter. */
export function clock(ms: number, seconds = false): string {
  return new Date(ms).toISOString().slice(11, seconds ? 19 : 16);
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

export function day(iso: string | null | undefined): string {
  if (!iso) return "–";
  return iso.slice(0, 10);
}

/** How long ago `iso` was, measured against `now`: for lags and running times. */
export function since(iso: string | null | undefined, now: Date): string {
  if (!iso) return "–";
  return duration(Math.max(0, (now.getTime() - new Date(iso).getTime()) / 1000));
}

export function humanize(code: string | null | undefined): string {
  if (!code) return "–";
  return code.replace(/_/g, " ").toLowerCase().replace(/^\w/, (c) => c.toUpperCase());
}

const NOT_ATTRIBUTABLE_BECAUSE: Record<string, string> = { ALL_PURPOSE_COMPUTE: "all-purpose compute" };

/**
 * A cost in words where an amount would mislead (docs/metrics.md, "Unknown is never zero"): spend that cannot be
 * charged to the subject says why, and nothing billed yet says so; never "$0.00" for either. An amount billing has not
 * caught up with says "so far".
 */
export function costText(cost: CostFigureFragment): string {
  const reason = cost.notAttributableReason ? NOT_ATTRIBUTABLE_BECAUSE[cost.notAttributableReason] ?? humanize(cost.notAttributableReason).toLowerCase() : null;
  if (cost.attribution === "NOT_ATTRIBUTABLE") return `not attributable (${reason ?? "unknown compute"})`;
  if (!cost.complete && Number(cost.listCost.amount) === 0) return "not billed yet";
  let text = money(cost.listCost.amount, cost.listCost.currency ?? "USD");
  if (!cost.complete) text += " so far";
  if (reason) text += ` + ${reason}, not attributable`;
  return text;
}

/** The hover text of a cost: how far billing has caught up, and where unattributable spend went. */
export function costTitle(cost: CostFigureFragment): string {
  const parts = [cost.billedThrough ? `Billed through ${dateTime(cost.billedThrough)}` : "Nothing billed yet in this window"];
  if (!cost.complete) parts.push("usage after that is not in this figure yet");
  if (cost.notAttributableReason) parts.push("spend on all-purpose clusters carries no job id: it is in the unattributed remainder of Costs");
  return parts.join("; ");
}
