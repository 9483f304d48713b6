// The costs page's insight panels: the month-end forecast, and where spend goes wrong (failed runs, retries and
// repairs; run cost anomalies; daily spikes; jobs on all-purpose compute). Each is its own operation.

import { query } from "../api";
import { h } from "../dom";
import { count, dateTime, money, percent, quantity, ratio } from "../format";
import { CostForecastDocument, CostTrendsDocument, CostWasteDocument, type ChangeFragment, type CostForecastQuery, type CostTrendsQuery, type CostWasteQuery, type MoverFragment, type ProjectionFragment, type TimeWindowInput } from "../generated/graphql";
import { empty, errorBox, facts, jobLink, runHref, settle, slot, table } from "../ui";

type Forecast = NonNullable<CostForecastQuery["costInsights"]>["forecast"];
type Waste = NonNullable<CostWasteQuery["costInsights"]>;
type Trends = NonNullable<CostTrendsQuery["costInsights"]>;

function projectionCells(p: ProjectionFragment, currency: string): HTMLElement[] {
  return [
    h("span", null, money(p.spentSoFar.amount, currency)),
    h("span", null, money(p.dailyRate.amount, currency)),
    h("strong", null, money(p.projected.amount, currency)),
    h("span", { class: "sub" }, `${money(p.low.amount, currency)} – ${money(p.high.amount, currency)}`),
  ];
}

const PROJECTION_COLUMNS = [{ label: "Billed so far", numeric: true }, { label: "Per day", numeric: true }, { label: "Month end", numeric: true }, { label: "Range", numeric: true }];

export function forecastPanel(tagKey: string): HTMLElement {
  const section = slot("forecast", "Month-end forecast", "Spend billed so far this month plus the average of the trailing fully billed days for the rest of it; the range uses the cheapest and dearest of those days.");
  void query(CostForecastDocument, { tagKey }).then((r) => {
    const f = r.data?.costInsights?.forecast;
    if (!f) return settle(section, "error", errorBox(r.errors));
    settle(section, "done", errorBox(r.errors, true), forecastBody(f, tagKey));
  });
  return section;
}

function forecastBody(f: Forecast, tagKey: string): HTMLElement {
  const currency = f.total.spentSoFar.currency ?? "USD";
  const rows = [
    { attrs: { "data-row": "total" }, cells: [h("strong", null, "All spend"), ...projectionCells(f.total, currency)] },
    { attrs: { "data-row": "unattributed" }, cells: [h("span", null, h("strong", { class: "badge warn" }, "Unattributed"), " no job can be charged"), ...projectionCells(f.unattributed, currency)] },
  ];
  return h(
    "div",
    { id: "cost-forecast", "data-projected": f.total.projected.amount },
    facts([
      ["Month", `${f.monthStart.slice(0, 10)} to ${f.monthEnd.slice(0, 10)}`],
      ["Method", `the average of ${count(f.trailingDays)} trailing days (${f.trailingFrom} to ${f.trailingTo}) × ${quantity(f.remainingDays)} days left to bill`],
      ["Billed through", f.billedThrough ? `${dateTime(f.billedThrough)} (${quantity(f.unbilledDays)} days not billed yet)` : "nothing billed this month"],
    ]),
    table("Account", [{ label: "Spend" }, ...PROJECTION_COLUMNS], rows),
    f.jobs.length ? table("The largest jobs", [{ label: "Job" }, ...PROJECTION_COLUMNS], f.jobs.map((j) => ({ cells: [jobLink(j.job), ...projectionCells(j, currency)] }))) : null,
    f.tagValues.length
      ? table(`By tag “${tagKey}”`, [{ label: "Value" }, ...PROJECTION_COLUMNS], f.tagValues.map((t) => ({ cells: [t.value ?? h("span", { class: "sub" }, "without the tag"), ...projectionCells(t, currency)] })))
      : null,
  );
}

export function wastePanels(window: TimeWindowInput): HTMLElement[] {
  const failure = slot("failure-spend", "Spend on failure", "What failed runs cost, what retries (new runs after a failure) and repairs (attempts after the first) cost.");
  const anomalies = slot("cost-anomaly-list", "Run cost anomalies", "Runs that cost more than the anomaly factor times their job's usual p90.");
  const spikes = slot("spend-spikes", "Daily spend spikes", "Fully billed days over the spike factor times the median of their baseline days.");
  const allPurpose = slot("all-purpose-jobs", "Jobs on all-purpose compute", "Their task runs used all-purpose clusters, billed per cluster with no job id: their spend is in the unattributed remainder, not theirs.");
  void query(CostWasteDocument, { window }).then((r) => {
    const w = r.data?.costInsights;
    if (!w) {
      for (const section of [failure, anomalies, spikes, allPurpose]) settle(section, "error", errorBox(r.errors));
      return;
    }
    settle(failure, "done", errorBox(r.errors, true), failureBody(w));
    settle(anomalies, "done", anomaliesBody(w));
    settle(spikes, "done", spikesBody(w));
    settle(allPurpose, "done", allPurposeBody(w));
  });
  return [failure, anomalies, spikes, allPurpose];
}

function failureBody(w: Waste): HTMLElement {
  const f = w.failureSpend;
  const a = f.account;
  const currency = a.failedRuns.currency ?? "USD";
  return h(
    "div",
    { id: "failure-spend-figures", "data-total": a.total.amount },
    facts([
      ["Failed runs", `${money(a.failedRuns.amount, currency)} (${count(a.failedRunCount)} runs)`],
      ["Retries", `${money(a.retries.amount, currency)} (${count(a.retryRunCount)} runs)`],
      ["Repairs", `${money(a.repairs.amount, currency)} (${count(a.repairedRunCount)} runs), ${money(a.repairsUnsplit.amount, currency)} more not split between a repair and the attempt before`],
      ["In all", h("strong", null, money(a.total.amount, currency))],
    ]),
    f.topJobs.length
      ? table("Jobs losing most to failure", [{ label: "Job" }, { label: "Failed runs", numeric: true }, { label: "Retries", numeric: true }, { label: "Repairs", numeric: true }, { label: "In all", numeric: true }],
          f.topJobs.map((j) => ({ cells: [jobLink(j.job), money(j.spend.failedRuns.amount, currency), money(j.spend.retries.amount, currency), money(j.spend.repairs.amount, currency), money(j.spend.total.amount, currency)] })))
      : null,
  );
}

function anomaliesBody(w: Waste): HTMLElement {
  if (!w.anomalies.length) return empty("No run cost more than the anomaly factor times its job's usual p90.");
  return table(`Runs over ${w.anomalies[0].factor}× their job's usual p90`, [{ label: "Run" }, { label: "Job" }, { label: "Cost", numeric: true }, { label: "Usual p90", numeric: true }, { label: "Ratio", numeric: true }],
    w.anomalies.map((a) => ({ cells: [a.run ? h("a", { href: runHref(a.run.id), class: "nowrap" }, dateTime(a.startTime)) : dateTime(a.startTime), jobLink(a.job), money(a.runCost.amount, a.runCost.currency), money(a.baselineP90Cost.amount, a.runCost.currency), ratio(a.ratio)] })));
}

function spikesBody(w: Waste): HTMLElement {
  if (!w.spendSpikes.length) return empty("No day's spend was over the spike factor times its baseline.");
  return table("Spend spikes", [{ label: "Day" }, { label: "Of" }, { label: "Spend", numeric: true }, { label: "Baseline median", numeric: true }, { label: "Ratio", numeric: true }],
    w.spendSpikes.map((s) => ({ cells: [s.day, s.job ? jobLink(s.job) : "the whole account", money(s.spend.amount, s.spend.currency), money(s.baselineMedian.amount, s.spend.currency), ratio(s.ratio)] })));
}

function allPurposeBody(w: Waste): HTMLElement {
  if (!w.allPurposeComputeJobs.length) return empty("No job ran on all-purpose compute in the window.");
  return table("Jobs with task runs on all-purpose clusters", [{ label: "Job" }, { label: "All-purpose task runs", numeric: true }, { label: "Last on all-purpose" }],
    w.allPurposeComputeJobs.map((j) => ({ cells: [jobLink(j.job), `${count(j.allPurposeTaskRuns)} of ${count(j.taskRuns)}`, dateTime(j.lastAllPurposeEnd)] })));
}

export function trendPanels(window: TimeWindowInput, tagKey: string): HTMLElement[] {
  const movers = slot("movers", "Biggest movers, week over week", "Jobs whose spend rose or fell most in the last 7 days against the 7 before.");
  const untagged = slot("untagged", "Untagged spend", `Job spend whose usage carries no tags, and none for the key “${tagKey}”: it cannot be charged back to a team.`);
  const unattributed = slot("unattributed-trend", "Unattributed share by day", "Spend no job can be charged for, as a share of each day's spend.");
  void query(CostTrendsDocument, { window, tagKey }).then((r) => {
    const t = r.data?.costInsights;
    if (!t) {
      for (const section of [movers, untagged, unattributed]) settle(section, "error", errorBox(r.errors));
      return;
    }
    settle(movers, "done", errorBox(r.errors, true), moversBody(t));
    settle(untagged, "done", untaggedBody(t, tagKey));
    settle(unattributed, "done", unattributedBody(t));
  });
  return [movers, untagged, unattributed];
}

function changeText(c: ChangeFragment, currency: string): string {
  const sign = Number(c.change.amount) > 0 ? "+" : "";
  return `${sign}${money(c.change.amount, currency)}${c.changeRatio === null ? "" : ` (${sign}${percent(c.changeRatio)})`}`;
}

function moversBody(t: Trends): HTMLElement {
  const m = t.movers;
  const currency = m.total.current.currency ?? "USD";
  const rows = (list: MoverFragment[]) => list.map((j) => ({ cells: [jobLink(j.job), money(j.previous.amount, currency), money(j.current.amount, currency), changeText(j, currency)] }));
  const columns = [{ label: "Job" }, { label: "Previous 7 days", numeric: true }, { label: "Last 7 days", numeric: true }, { label: "Change", numeric: true }];
  return h(
    "div",
    { id: "movers-figures", "data-up": String(m.up.length), "data-down": String(m.down.length) },
    facts([
      ["Account", `${money(m.total.previous.amount, currency)} → ${money(m.total.current.amount, currency)}: ${changeText(m.total, currency)}`],
      ["Billing", m.complete ? "covers both weeks" : "has not caught up with the current week: its last hours are missing"],
    ]),
    m.up.length ? table("Rising most", columns, rows(m.up)) : null,
    m.down.length ? table("Falling most", columns, rows(m.down)) : null,
  );
}

function untaggedBody(t: Trends, tagKey: string): HTMLElement {
  const u = t.untaggedSpend;
  const currency = u.jobSpend.currency ?? "USD";
  return h(
    "div",
    { id: "untagged-figures", "data-untagged": u.untagged.amount },
    facts([
      ["Job spend without any tag", `${money(u.untagged.amount, currency)} (${percent(u.untaggedShare)} of ${money(u.jobSpend.amount, currency)})`],
      [`Without “${tagKey}”`, u.withoutTagKey ? `${money(u.withoutTagKey.amount, currency)} (${percent(u.withoutTagKeyShare)})` : "–"],
    ]),
    u.jobs.length ? table("Untagged jobs spending most", [{ label: "Job" }, { label: "Untagged spend", numeric: true }, { label: "Of its spend", numeric: true }], u.jobs.map((j) => ({ cells: [jobLink(j.job), money(j.spend.amount, currency), percent(j.share)] }))) : null,
  );
}

function unattributedBody(t: Trends): HTMLElement {
  const u = t.unattributedSpend;
  const currency = u.unattributed.currency ?? "USD";
  return h(
    "div",
    { id: "unattributed-figures", "data-days": String(u.days.length) },
    h("p", null, `${percent(u.share)} of the window's spend (${money(u.unattributed.amount, currency)}) cannot be charged to a job.`),
    h("details", null, h("summary", null, "Per day"),
      table("Unattributed share per day", [{ label: "Day" }, { label: "Unattributed", numeric: true }, { label: "Share", numeric: true }], u.days.map((d) => ({ cells: [d.day, money(d.unattributed.amount, currency), percent(d.share)] })))),
  );
}
