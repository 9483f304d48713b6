// The fleet at a glance. Each panel is its own operation: the root fields are non-null, so one FORBIDDEN field in a
// shared operation would null every other panel's data with it.

import { query, type GqlError } from "../api";
import { h } from "../dom";
import { count, dateTime, humanize, money, percent, since } from "../format";
import {
  ForecastTotalDocument,
  FailingRunsDocument,
  SpendSummaryDocument,
  type FailingRunsQuery,
  type SpendTotalsFragment,
} from "../generated/graphql";
import type { View } from "../router";
import { dataQualityPanel, failuresPanel } from "./overview_failures";
import { activeRunsFeed } from "../running";
import { finishedTable, runningPanel } from "../running_panel";
import { session, type Session } from "../session";
import { databricksLink, empty, errorBox, facts, jobLink, runHref, settle, slot, stateBadge, table, tile, title, windowText } from "../ui";
import { scopeNote } from "../visibility";
import { pageWindow, sharedWorkspace, windowBar, type Effective } from "../window";

const FAILING_SHOWN = 25;

type FailingRuns = NonNullable<FailingRunsQuery["runs"]>;

export async function overview(): Promise<View> {
  // What needs no window (running runs, the month-end forecast) is asked before the session is known.
  const activeTile = tile("Running now", "…", null, "tile-active");
  const finished = finishedTable("active-finished");
  const activePanel = runningPanel({
    id: "active",
    heading: "Running now",
    intro: "From the Jobs API, kept current while the page is open; a run that ends moves to the list under it.",
    feed: activeRunsFeed(),
    onCount: (text, runs) => setTile(activeTile, text, runs === null ? "unavailable" : "from the Jobs API", "live"),
    onFinished: finished.add,
  });
  activePanel.append(finished.node);
  const forecast = query(ForecastTotalDocument);
  const s = await session();
  // Each panel has its usual window (failures of the last 24 hours, spend of 30 days) unless one is chosen for all.
  const search = new URLSearchParams(location.search);
  const workspace = sharedWorkspace(search);
  const w = { failing: pageWindow(s, search, "24h"), breakdown: pageWindow(s, search, "7d"), spend: pageWindow(s, search, "30d") };
  const failing = query(FailingRunsDocument, {
    window: w.failing.input,
    first: FAILING_SHOWN,
    workspaceId: workspace,
  });
  const spend = query(SpendSummaryDocument, { window: w.spend.input, workspaceId: workspace });

  const tiles = {
    failing: tile(`Failed runs, ${w.failing.label}`, "…", null, "tile-failing"),
    active: activeTile,
    spend: tile(`Spend, ${w.spend.label}`, "…", null, "tile-spend"),
    unattributed: tile("Not attributable to a job", "…", null, "tile-unattributed"),
    forecast: tile("Month-end forecast", "…", null, "tile-forecast"),
  };
  const failingPanel = slot("failing", "Failing runs", `Runs that ended FAILED, ERROR or TIMED_OUT, ${windowWords(w.failing)}.`);
  const freshnessPanel = slot("freshness", "Data freshness", "The system tables lag behind the workspace; the Jobs API is live.");
  const spendPanel = slot("spend", `Spend, ${w.spend.label}`, "At list price, all compute types.");

  renderFreshness(freshnessPanel, s);
  void failing.then((r) => renderFailing(failingPanel, tiles.failing, r.data?.runs ?? null, r.errors, w.failing));
  void forecast.then((r) => {
    const f = r.data?.costInsights?.forecast;
    if (!f) return setTile(tiles.forecast, "–", "unavailable");
    const currency = f.total.projected.currency ?? "USD";
    setTile(tiles.forecast, money(f.total.projected.amount, currency), `${money(f.total.low.amount, currency)} – ${money(f.total.high.amount, currency)} by ${f.monthEnd.slice(0, 10)}`);
  });
  void spend.then((r) => renderSpend(spendPanel, tiles.spend, tiles.unattributed, r.data?.costs ?? null, r.errors));

  const node = h(
    "div",
    { class: "page overview" },
    title("Fleet overview"),
    scopeNote("runs, failures and spend of other jobs are not included."),
    windowBar(s, search, { fallback: null, workspace: "Failing runs and spend are this workspace's; running runs, the failure breakdown and the data quality panel cover every workspace." }),
    h("div", { class: "tiles" }, Object.values(tiles)),
    failingPanel,
    activePanel,
    failuresPanel(w.breakdown.input, w.breakdown.label),
    h("div", { class: "columns" }, spendPanel, freshnessPanel),
    dataQualityPanel(w.spend.input, w.spend.label),
  );
  return { title: "Overview", node };
}

function setTile(el: HTMLElement, value: string, note?: string, kind?: string): void {
  el.querySelector(".tile-value")!.textContent = value;
  el.querySelector(".tile-note")?.remove();
  if (note) el.append(h("span", { class: "tile-note" }, note));
  if (kind) el.classList.add(kind);
}

/** "in the last 24 hours up to the newest data", "from 2026-11-01 to 2026-11-15" */
function windowWords(w: Effective): string {
  return w.preset === "custom" ? `from ${w.label}` : `in the ${w.label} up to the newest data`;
}

function renderFailing(section: HTMLElement, t: HTMLElement, runs: FailingRuns | null, errors: GqlError[], w: Effective): void {
  if (!runs) {
    setTile(t, "–", "unavailable");
    settle(section, "error", errorBox(errors));
    return;
  }
  const jobs = new Set(runs.nodes.map((r) => r.job?.id ?? r.id));
  setTile(t, count(runs.totalCount), runs.totalCount ? `${jobs.size}${runs.totalCount > runs.nodes.length ? "+" : ""} jobs` : "none", runs.totalCount ? "bad" : "ok");
  if (!runs.nodes.length) {
    settle(section, "done", errorBox(errors, true), empty(`No failed runs ${windowWords(w)}.`));
    return;
  }
  const rows = runs.nodes.map((run) => ({
    cells: [
      h("a", { href: runHref(run.id), class: "nowrap" }, dateTime(run.startTime)),
      jobLink(run.job, run.jobId),
      stateBadge(run.resultState),
      h("span", null, humanize(run.terminationCode), run.terminationType ? h("span", { class: "sub" }, humanize(run.terminationType)) : null),
      failureMessage(run),
      databricksLink(run.live?.runPageUrl, "Open") ?? h("span", { class: "sub" }, "other workspace"),
    ],
  }));
  const caption = runs.totalCount > runs.nodes.length ? `The newest ${runs.nodes.length} of ${count(runs.totalCount)} failed runs` : `${count(runs.totalCount)} failed runs`;
  settle(
    section,
    "done",
    errorBox(errors, true),
    table(caption, [{ label: "Started" }, { label: "Job" }, { label: "State" }, { label: "Termination" }, { label: "Error message" }, { label: "Databricks" }], rows),
  );
}

/** The failed task's own error says more than the run's state message ("Workload failed, see run output"). */
function failureMessage(run: FailingRuns["nodes"][number]): HTMLElement {
  const task = run.tasks.find((t) => t.errorMessage);
  const state = run.live?.stateMessage ?? run.live?.terminationMessage ?? null;
  if (!task && !state) return h("span", { class: "sub" }, run.live ? "no message" : "no live data: the Jobs API serves only its own workspace");
  return h(
    "span",
    { class: "message" },
    task ? [h("code", null, task.taskKey), ": ", task.errorMessage] : state,
    task && state && state !== task.errorMessage ? h("span", { class: "sub" }, state) : null,
  );
}

function renderSpend(section: HTMLElement, total: HTMLElement, unattributed: HTMLElement, costs: SpendTotalsFragment | null, errors: GqlError[]): void {
  if (!costs) {
    setTile(total, "–", "unavailable");
    setTile(unattributed, "–", "unavailable");
    settle(section, "error", errorBox(errors));
    return;
  }
  const currency = costs.total.currency ?? "USD";
  const all = Number(costs.total.amount);
  const share = all > 0 ? Number(costs.unattributedToJobs.amount) / all : null;
  const unbilled = !costs.complete && Number(costs.total.amount) === 0;
  setTile(total, unbilled ? "not billed yet" : money(costs.total.amount, currency), windowText(costs.window));
  setTile(unattributed, money(costs.unattributedToJobs.amount, currency), share === null ? undefined : `${percent(share)} of spend`, "warn");
  const bar = h(
    "div",
    { class: "split", role: "img", "aria-label": `Attributed to jobs ${percent(share === null ? null : 1 - share)}, unattributed ${percent(share)}` },
    h("span", { class: "attributed" }),
    h("span", { class: "unattributed" }),
  );
  (bar.children[0] as HTMLElement).style.width = `${share === null ? 100 : (1 - share) * 100}%`;
  (bar.children[1] as HTMLElement).style.width = `${share === null ? 0 : share * 100}%`;
  settle(
    section,
    "done",
    errorBox(errors, true),
    facts([
      ["Total", h("strong", { id: "spend-total" }, money(costs.total.amount, currency))],
      ["Attributed to jobs", h("span", { id: "spend-attributed" }, money(costs.attributedToJobs.amount, currency))],
      ["Unattributed", h("span", { id: "spend-unattributed", class: "unattributed-text" }, money(costs.unattributedToJobs.amount, currency), share === null ? null : ` (${percent(share)})`)],
      ["Window", windowText(costs.window)],
      ["Billed through", costs.billedThrough ? dateTime(costs.billedThrough) : "nothing billed yet"],
    ]),
    bar,
    h("p", { class: "hint" }, "Unattributed: all-purpose compute, DLT, SQL warehouses and other usage no job can be charged for. ", h("a", { href: "/costs" }, "See the breakdown »")),
  );
}

function renderFreshness(section: HTMLElement, s: Session): void {
  const f = s.freshness;
  if (!f) {
    settle(section, "error", errorBox(s.freshnessErrors), h("p", { class: "hint" }, "Windows on the other pages end at the server's clock instead of at the newest data."));
    return;
  }
  const checked = new Date(f.checkedAt);
  const lag = (iso: string | null, okSeconds: number) => {
    if (!iso) return h("span", null, "no data");
    const seconds = (checked.getTime() - new Date(iso).getTime()) / 1000;
    return h("span", null, dateTime(iso), " ", h("span", { class: `badge ${seconds <= okSeconds ? "ok" : "warn"}` }, `${since(iso, checked)} behind`));
  };
  settle(
    section,
    "done",
    facts([
      ["Run timeline through", lag(f.latestRunPeriodEndTime, 3600)],
      ["Billing usage through", lag(f.latestUsageEndTime, 6 * 3600)],
      ["Runs since", f.earliestRunPeriodStartTime ? dateTime(f.earliestRunPeriodStartTime) : "no data"],
      ["Billing since", f.earliestUsageStartTime ? dateTime(f.earliestUsageStartTime) : "no data"],
      ["Checked", dateTime(f.checkedAt)],
      ["Windows end at", s.end ? dateTime(s.end.toISOString()) : "now"],
    ]),
  );
}
