// One job: what it is, how it has been running, what it costs, and its runs.

import { query } from "../api";
import { dailyBars, durationTrend } from "../chart";
import { h } from "../dom";
import { costText, count, dateTime, duration, humanize, money, percent, quantity } from "../format";
import { JobDocument } from "../generated/graphql";
import { segment, type Route, type View } from "../router";
import { session } from "../session";
import { pageWindow, windowBar, withShared } from "../window";
import { healthPanel } from "./job_health";
import { activeRunsFeed } from "../running";
import { jobHistoryRow, runningPanel } from "../running_panel";
import { costAnomalyPanel, durationPanel, schedulePanel, slaPanel } from "./job_insights";
import { costCell, crumbs, empty, errorBox, facts, panel, pager, runHref, stateBadge, table, tile, title, windowText } from "../ui";

const RUNS_PAGE = 25;

export async function job(route: Route): Promise<View> {
  const id = route.params[0];
  const after = route.search.get("after");
  const s = await session();
  // The shared window (window.ts; by default the last 30 days). A job lives in one workspace: the choice does not apply.
  const w = pageWindow(s, route.search, "30d");
  const r = await query(JobDocument, { id, window: w.input, runsFirst: RUNS_PAGE, runsAfter: after });
  const j = r.data?.job;
  if (!j) {
    const problem = errorBox(r.errors);
    return {
      title: "Job",
      node: h("div", { class: "page job", "data-state": problem ? "error" : "missing" }, crumbs(h("a", { href: "/jobs" }, "Jobs"), id), title(`Job ${id}`), problem ?? empty(`No job with id ${id}: it is unknown to the system tables you can read.`)),
    };
  }
  const name = j.name ?? `Job ${j.jobId}`;
  const base = `/jobs/${segment(j.id)}`;
  const stats = j.runStats;

  const about = facts([
    ["Workspace", j.workspace.name ? `${j.workspace.name} (${j.workspace.id})` : j.workspace.id],
    ["Job id", j.jobId],
    ["Schedule", j.schedule?.quartzCronExpression ? h("span", null, h("code", null, j.schedule.quartzCronExpression), j.schedule.timezoneId ? ` (${j.schedule.timezoneId})` : null) : "none recorded"],
    ["Paused", j.paused === null ? "not recorded" : j.paused ? "yes" : "no"],
    ["Trigger", j.triggerType ?? "not recorded"],
    ["Timeout", j.timeoutSeconds ? duration(j.timeoutSeconds) : "none"],
    ["Runs as", j.runAs ?? "–"],
    ["Creator", j.creator ?? "–"],
    ["Created", dateTime(j.createdTime)],
    ...(j.deletedTime ? ([["Deleted", dateTime(j.deletedTime)]] as [string, string][]) : []),
    ...(j.inJobsTable ? [] : ([["Known from", `its runs and usage only (name from ${humanize(j.nameSource)})`]] as [string, string][])),
  ]);
  const tags = j.tags.length
    ? h("ul", { class: "tags", "aria-label": "Tags" }, j.tags.map((t) => h("li", null, h("span", { class: "tag-key" }, t.key), t.value !== null ? h("span", { class: "tag-value" }, t.value) : null)))
    : h("p", { class: "hint" }, "No tags.");

  const statTiles = h(
    "div",
    { class: "tiles" },
    tile("Runs", count(stats.totalRuns), `${count(stats.inProgress)} in progress`),
    tile("Success rate", percent(stats.successRate), `${count(stats.succeeded)} succeeded, ${count(stats.failed)} failed`, stats.failed ? "bad" : "ok"),
    tile("p50 / p95 duration", `${duration(stats.duration.p50)} / ${duration(stats.duration.p95)}`, `p90 ${duration(stats.duration.p90)}, max ${duration(stats.duration.max)}`),
    tile("Cost", costText(j.cost), `${quantity(j.cost.dbus)} DBU`, "cost-tile"),
  );
  const byState = h("ul", { class: "states", "aria-label": "Runs by result state" }, stats.byResultState.map((b) => h("li", null, stateBadge(b.resultState, b.resultState === null), " ", count(b.count))));

  const trendPoints = j.trend.nodes;
  const trend = trendPoints.length
    ? h("figure", { class: "chart-figure" },
        durationTrend(trendPoints, stats.duration.p50, stats.duration.p95, `Duration of the last ${trendPoints.length} runs`),
        h("figcaption", null, `Duration of the newest ${trendPoints.length} runs in the window, oldest left; dashed lines: p50 and p95 of the window. `,
          h("span", { class: "legend ok" }, "succeeded"), " ", h("span", { class: "legend bad" }, "failed"), " ", h("span", { class: "legend muted" }, "other")))
    : empty("No runs in the window.");

  const tasks = j.tasks.length
    ? table("Tasks of the current definition", [{ label: "Task" }, { label: "Depends on" }], j.tasks.map((t) => ({ cells: [h("code", null, t.taskKey), t.dependsOn.length ? t.dependsOn.join(", ") : "–"] })))
    : empty("No task definitions recorded.");

  const runs = j.runs;
  const runRows = runs.nodes.map((run) => ({
    cells: [
      h("a", { href: runHref(run.id), class: "nowrap" }, dateTime(run.startTime)),
      stateBadge(run.resultState, run.inProgress),
      humanize(run.terminationCode),
      duration(run.durationSeconds),
      run.repairCount ? count(run.repairCount) : "–",
      humanize(run.triggerType),
      costCell(run.cost),
    ],
  }));
  const runsTable = runs.nodes.length
    ? table(
        `${after ? "More runs" : "Newest runs"} (${count(runs.totalCount)} in the window)`,
        [{ label: "Started" }, { label: "State" }, { label: "Termination" }, { label: "Duration", numeric: true }, { label: "Repairs", numeric: true }, { label: "Trigger" }, { label: "Cost", numeric: true }],
        runRows,
      )
    : empty("No runs in the window.");
  // Runs of this job in progress now, kept current; one that ends joins the run list above the tables' runs.
  const running = j.deletedTime ? null : runningPanel({
    id: "running",
    heading: "Running now",
    intro: "From the Jobs API, kept current while the page is open.",
    feed: activeRunsFeed(),
    jobId: j.id,
    onFinished: (f) => runsTable.querySelector("tbody")?.prepend(jobHistoryRow(f)),
  });
  const runsPager = pager(after ? base : null, runs.pageInfo.hasNextPage && runs.pageInfo.endCursor ? `${base}?after=${encodeURIComponent(runs.pageInfo.endCursor)}` : null, "Run pages");

  const skus = j.cost.bySku.length
    ? table("By SKU", [{ label: "SKU" }, { label: "Quantity", numeric: true }, { label: "List cost", numeric: true }], j.cost.bySku.map((sku) => ({ cells: [h("code", null, sku.skuName), `${quantity(sku.quantity)} ${sku.usageUnit}`, money(sku.listCost.amount, sku.listCost.currency)] })))
    : empty("No usage in the window.");
  const daily = j.cost.daily.length
    ? h("div", null,
        h("figure", { class: "chart-figure" }, dailyBars(j.cost.daily, "Daily cost"), h("figcaption", null, "Daily cost at list price (UTC days).")),
        h("details", null, h("summary", null, "Daily figures"),
          table("Daily cost", [{ label: "Day" }, { label: "DBUs", numeric: true }, { label: "List cost", numeric: true }], j.cost.daily.map((d) => ({ cells: [d.date, quantity(d.dbus), money(d.listCost.amount, d.listCost.currency)] })))))
    : null;

  const node = h(
    "div",
    { class: "page job", "data-state": "done" },
    crumbs(h("a", { href: withShared("/jobs") }, "Jobs"), name),
    title(name),
    windowBar(s, route.search, { fallback: "30d", workspace: false }),
    errorBox(r.errors, true),
    j.description ? h("p", { class: "description" }, j.description) : null,
    h("div", { class: "columns" }, panel("about", "About", about), panel("tags", "Tags", tags)),
    healthPanel(j.id),
    running,
    h("div", { class: "columns" }, durationPanel(j.id), slaPanel(j.id, w.input)),
    h("div", { class: "columns" }, schedulePanel(j.id, w.input), costAnomalyPanel(j.id, w.input)),
    panel("stats", `Runs, ${windowText(stats.window)}`, statTiles, byState),
    panel("trend", "Duration trend", trend),
    panel("runs", "Runs", runsTable, runsPager, h("p", { class: "hint" }, h("a", { href: withShared(`/runs?job=${encodeURIComponent(j.id)}`), id: "job-runs-explorer" }, "Filter and sort this job's runs in the runs explorer »"))),
    panel("tasks", "Tasks", tasks),
    panel("cost", `Cost, ${windowText(j.cost.window)}`,
      facts([
        ["List cost", h("strong", { id: "job-cost" }, costCell(j.cost))],
        ["DBUs", quantity(j.cost.dbus)],
        ["Billed through", j.cost.billedThrough ? dateTime(j.cost.billedThrough) : "nothing billed yet"],
        ["Unpriced usage", Number(j.cost.unpricedQuantity) ? quantity(j.cost.unpricedQuantity) : "none"],
      ]),
      j.cost.notAttributableReason
        ? h("p", { class: "hint", id: "job-cost-unattributable" }, j.cost.attribution === "NOT_ATTRIBUTABLE" ? "This job's runs" : "Some of this job's runs", " used all-purpose clusters, which are billed per cluster with no job id: that spend is in the unattributed remainder of ", h("a", { href: "/costs" }, "Costs"), ", not here.")
        : null,
      skus, daily),
  );
  return { title: name, node };
}
