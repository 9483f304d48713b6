// One run: outcome, where its time went, its tasks and their errors, repairs, cost, and what the Jobs API says now.

import { query, type GqlError } from "../api";
import { h } from "../dom";
import { count, dateTime, duration, humanize, money, quantity } from "../format";
import { attemptName, gantt, stateKind, type GanttAttempt, type GanttTask } from "../gantt";
import { RunDocument, type RunQuery } from "../generated/graphql";
import type { Route, View } from "../router";
import { lastDays, session } from "../session";
import { costCell, crumbs, databricksLink, empty, errorBox, facts, jobLink, panel, stateBadge, table, title, windowText } from "../ui";

const TYPICAL_DAYS = 30;

type RunDetail = NonNullable<RunQuery["run"]>;

function under(errors: GqlError[], field: string): GqlError[] {
  return errors.filter((e) => e.path?.[0] === "run" && e.path[1] === field);
}

/** The run's duration against its job's p50/p95 over the last 30 days: "slower than usual" at a glance. */
function versus(run: RunDetail): HTMLElement | null {
  const typical = run.job?.runStats.duration;
  if (!typical || run.durationSeconds === null || run.inProgress || typical.p50 === null) return null;
  const slow = typical.p95 !== null && run.durationSeconds > typical.p95;
  return h(
    "span",
    { class: "versus" },
    slow ? h("span", { class: "badge warn" }, "slower than p95") : null,
    h("span", { class: "sub" }, `job p50 ${duration(typical.p50)}, p95 ${duration(typical.p95)} (${TYPICAL_DAYS} days)`),
  );
}

function attemptLabel(number: number | undefined): string {
  if (number === undefined) return "–";
  return number === 1 ? "original" : `repair ${number - 1}`;
}

export async function run(route: Route): Promise<View> {
  const id = route.params[0];
  const s = await session();
  const r = await query(RunDocument, { id, window: lastDays(s, TYPICAL_DAYS) });
  const run = r.data?.run;
  if (!run) {
    const problem = errorBox(r.errors);
    return {
      title: "Run",
      node: h("div", { class: "page run", "data-state": problem ? "error" : "missing" }, crumbs(h("a", { href: "/jobs" }, "Jobs"), id), title(`Run ${id}`), problem ?? empty(`No run with id ${id} in the system tables you can read. A run that started minutes ago may not be there yet.`)),
    };
  }
  const live = run.live;
  const liveErrors = under(r.errors, "live");
  const taskErrors = under(r.errors, "tasks");
  const otherErrors = r.errors.filter((e) => !liveErrors.includes(e) && !taskErrors.includes(e));
  const jobName = run.job?.name ?? `Job ${run.jobId.split(":")[1]}`;

  const livePanel = panel(
    "live",
    "Live state (Jobs API)",
    errorBox(liveErrors, true),
    live
      ? facts([
          ["Life cycle", stateBadge(live.lifeCycleState)],
          ["Result", live.resultState ? stateBadge(live.resultState) : "–"],
          ["State message", h("span", { class: "message" }, live.stateMessage ?? "–")],
          ["Termination", live.terminationCode ? `${humanize(live.terminationCode)}${live.terminationMessage && live.terminationMessage !== live.stateMessage ? `: ${live.terminationMessage}` : ""}` : "–"],
          ["Attempt", live.attemptNumber === null ? "–" : live.attemptNumber === 0 ? "first" : `retry ${live.attemptNumber}`],
          ["Run page", databricksLink(live.runPageUrl, "Open in Databricks") ?? "–"],
        ])
      : liveErrors.length
        ? null
        : empty("The Jobs API does not hold this run (another workspace, or aged out)."),
  );

  const phases: [string, number | null, string][] = [
    ["Queued", run.queueDurationSeconds, "queue"],
    ["Setup", run.setupDurationSeconds, "setup"],
    ["Execution", run.executionDurationSeconds, "execution"],
    ["Cleanup", run.cleanupDurationSeconds, "cleanup"],
  ];
  const phaseTotal = phases.reduce((sum, [, v]) => sum + (v ?? 0), 0);
  const phaseBar = phaseTotal
    ? h("div", { class: "phases", role: "img", "aria-label": phases.map(([n, v]) => `${n} ${duration(v)}`).join(", ") },
        phases.filter(([, v]) => v).map(([n, v, cls]) => {
          const span = h("span", { class: cls, title: `${n}: ${duration(v)}` });
          span.style.width = `${((v ?? 0) / phaseTotal) * 100}%`;
          return span;
        }))
    : null;
  const timing = panel(
    "timing",
    "Timing",
    facts([
      ["Started", dateTime(run.startTime)],
      ["Ended", run.inProgress ? "in progress" : dateTime(run.endTime)],
      ["Duration", h("span", null, duration(run.durationSeconds), versus(run))],
      ...(run.repairCount
        ? [["Wall time", h("span", { id: "run-wall-time" }, duration(run.wallTimeSeconds), h("span", { class: "sub" }, " first start to last end, waits for repairs included"))] as [string, HTMLElement]]
        : []),
      ...phases.map(([n, v, cls]) => [n, h("span", null, h("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), duration(v))] as [string, HTMLElement]),
      ["Trigger", humanize(run.triggerType)],
      ["Run type", humanize(run.runType)],
    ]),
    phaseBar,
  );

  // Which attempt ran each task run; a column only when the run was repaired.
  const attemptOf = new Map(run.attempts.flatMap((a) => a.tasks.map((t) => [t.id, a.number] as [string, number])));
  const timeline = timelinePanel(run, attemptOf);
  const repaired = run.attempts.length > 1;
  const taskRows = [...run.tasks]
    .sort((a, b) => a.startTime.localeCompare(b.startTime) || a.taskKey.localeCompare(b.taskKey))
    .map((t) => ({
      attrs: { id: `task-${t.taskKey}-${t.id.split(":")[1]}`, class: t.errorMessage ? "has-error" : "" },
      cells: [
        h("code", null, t.taskKey),
        ...(repaired ? [attemptLabel(attemptOf.get(t.id))] : []),
        t.dependsOn.length ? h("span", null, t.dependsOn.map((d, i) => [i ? ", " : "", h("code", null, d)])) : "–",
        stateBadge(t.resultState, !t.endTime),
        humanize(t.terminationCode),
        h("span", { class: "nowrap" }, dateTime(t.startTime)),
        duration(t.durationSeconds),
        t.cost ? costCell(t.cost) : h("span", { class: "sub", title: "Serverless or shared compute: see the run's cost" }, "shared"),
        t.errorMessage ? h("pre", { class: "task-error" }, t.errorMessage) : "–",
      ],
    }));
  const tasks = panel(
    "tasks",
    "Tasks",
    errorBox(taskErrors, true),
    taskRows.length
      ? table(`${count(run.tasks.length)} task runs (retries and each attempt's task runs are separate task runs)`, [{ label: "Task" }, ...(repaired ? [{ label: "Attempt" }] : []), { label: "Depends on" }, { label: "State" }, { label: "Termination" }, { label: "Started" }, { label: "Duration", numeric: true }, { label: "Cost", numeric: true }, { label: "Error" }], taskRows)
      : empty("No task runs recorded."),
  );

  const history = live?.repairHistory ?? [];
  const attempts = [...run.attempts].sort((a, b) => a.number - b.number);
  const repairs = panel(
    "repairs",
    "Attempts",
    h("p", null, run.repairCount ? `Repaired ${count(run.repairCount)} time${run.repairCount === 1 ? "" : "s"}.` : "Never repaired."),
    attempts.length
      ? table(
          "Attempts: the original execution and each repair (system tables)",
          [{ label: "Attempt" }, { label: "Started" }, { label: "Ended" }, { label: "Duration", numeric: true }, { label: "Result" }, { label: "Termination" }, { label: "Tasks", numeric: true }, { label: "Cost", numeric: true }],
          attempts.map((a) => ({
            attrs: { id: `attempt-${a.number}` },
            cells: [
              attemptLabel(a.number),
              h("span", { class: "nowrap" }, dateTime(a.startTime)),
              a.inProgress ? "in progress" : h("span", { class: "nowrap" }, dateTime(a.endTime)),
              duration(a.durationSeconds),
              stateBadge(a.resultState, a.inProgress),
              humanize(a.terminationCode),
              count(a.tasks.length),
              a.cost ? costCell(a.cost) : h("span", { class: "cost-words", title: "Serverless or shared compute billed for an hour two attempts shared: see the run's cost" }, "not separable"),
            ],
          })),
        )
      : null,
    history.length
      ? table("Repair history (Jobs API)", [{ label: "Type" }, { label: "Id" }, { label: "Started" }, { label: "Ended" }, { label: "Result" }], history.map((a) => ({ cells: [humanize(a.type), a.id ?? "–", dateTime(a.startTime), dateTime(a.endTime), a.resultState ? stateBadge(a.resultState) : "–"] })))
      : null,
  );

  const c = run.cost;
  const cost = panel(
    "cost",
    "Cost",
    facts([
      ["List cost", h("strong", { id: "run-cost" }, costCell(c))],
      ["Billed through", c.billedThrough ? dateTime(c.billedThrough) : "nothing billed yet"],
      ["DBUs", quantity(c.dbus)],
      ["Unpriced usage", Number(c.unpricedQuantity) ? quantity(c.unpricedQuantity) : "none"],
      ["Attribution", humanize(c.attribution)],
      ["Usage counted", windowText(c.window)],
    ]),
    c.bySku.length
      ? table("By SKU", [{ label: "SKU" }, { label: "Quantity", numeric: true }, { label: "List cost", numeric: true }], c.bySku.map((s) => ({ cells: [h("code", null, s.skuName), `${quantity(s.quantity)} ${s.usageUnit}`, money(s.listCost.amount, s.listCost.currency)] })))
      : null,
  );

  const params = run.jobParameters.length || run.computeIds.length
    ? panel(
        "parameters",
        "Parameters and compute",
        run.jobParameters.length ? table("Job parameters", [{ label: "Name" }, { label: "Value" }], run.jobParameters.map((p) => ({ cells: [h("code", null, p.key), p.value ?? "–"] }))) : null,
        run.computeIds.length ? facts([["Compute", run.computeIds.join(", ")]]) : null,
      )
    : null;

  const node = h(
    "div",
    { class: "page run", "data-state": "done" },
    crumbs(h("a", { href: "/jobs" }, "Jobs"), jobLink(run.job, run.jobId), `Run ${run.runId}`),
    title(`Run ${run.runId}`, stateBadge(run.resultState, run.inProgress)),
    h("p", { class: "links", id: "run-links" },
      [h("span", null, "Job ", jobLink(run.job, run.jobId)), databricksLink(run.job?.pageUrl, "Job in Databricks"), databricksLink(live?.runPageUrl ?? run.pageUrl, "Run in Databricks")]
        .filter((link) => link).map((link, i) => [i ? " · " : "", link])),
    h("p", { class: "subtitle" }, run.runName ?? jobName, run.terminationCode ? ` · ${humanize(run.terminationCode)}` : null, run.terminationType ? ` (${humanize(run.terminationType)})` : null),
    errorBox(otherErrors, true),
    h("div", { class: "columns" }, livePanel, timing),
    timeline,
    tasks,
    repairs,
    h("div", { class: "columns" }, cost, params),
  );
  return { title: `Run ${run.runId} · ${jobName}`, node };
}

/** The task runs on a time axis, one band per attempt, with the failed ones' errors under it. */
function timelinePanel(run: RunDetail, attemptOf: Map<string, number>): HTMLElement | null {
  if (!run.tasks.length) return null;
  const attempts = [...run.attempts].sort((a, b) => a.number - b.number);
  const latest = attempts[attempts.length - 1]?.number;
  // A task run no attempt claims (the tables caught up with the task before its attempt) goes to the attempt it
  // started in.
  const attemptAt = (start: string) => [...attempts].reverse().find((a) => a.startTime <= start)?.number ?? 1;
  const tasks: GanttTask[] = run.tasks.map((t) => ({
    id: t.id,
    key: t.taskKey,
    attempt: attemptOf.get(t.id) ?? attemptAt(t.startTime),
    start: t.startTime,
    end: t.endTime,
    durationSeconds: t.durationSeconds,
    state: t.resultState,
    setupSeconds: t.setupDurationSeconds,
    executionSeconds: t.executionDurationSeconds,
    cleanupSeconds: t.cleanupDurationSeconds,
    dependsOn: t.dependsOn,
    error: t.errorMessage,
  }));
  const ganttAttempts: GanttAttempt[] = (attempts.length ? attempts : [{ number: 1, startTime: run.startTime, endTime: run.endTime, durationSeconds: run.durationSeconds, resultState: run.resultState }]).map((a) => ({
    number: a.number,
    start: a.startTime,
    end: a.endTime,
    durationSeconds: a.durationSeconds,
    state: a.resultState,
    phases: a.number === (latest ?? 1) ? [
      { name: "queue", seconds: run.queueDurationSeconds },
      { name: "setup", seconds: run.setupDurationSeconds },
      { name: "execution", seconds: run.executionDurationSeconds },
      { name: "cleanup", seconds: run.cleanupDurationSeconds },
    ] : [],
  }));
  const failed = tasks.filter((t) => stateKind(t.state, !t.end) === "bad");
  // The error text comes from the Jobs API's run output, which only this workspace's runs have.
  const noText = run.live ? "no error text in the run's output" : "no error text: the Jobs API serves only the workspace the monitor runs in";
  const summary = `Timeline of ${tasks.length} task runs in ${ganttAttempts.length} attempt${ganttAttempts.length === 1 ? "" : "s"}; the Tasks table below lists the same task runs with their times.`;
  return panel(
    "timeline",
    "Timeline",
    h("figure", { class: "chart-figure gantt-figure" },
      h("div", { class: "gantt-scroll" }, gantt(ganttAttempts, tasks, summary)),
      h("figcaption", null,
        "Task runs by attempt, UTC; lines join a task to the upstream task it waited for; ⋯ marks a wait between attempts left out of the axis. ",
        h("span", { class: "legend ok" }, "succeeded"), " ", h("span", { class: "legend bad" }, "failed"), " ", h("span", { class: "legend live" }, "running"), " ", h("span", { class: "legend muted" }, "other"), " · ",
        h("span", { class: "swatch queue", "aria-hidden": "true" }), "queue ", h("span", { class: "swatch setup", "aria-hidden": "true" }), "setup ", h("span", { class: "swatch cleanup", "aria-hidden": "true" }), "cleanup (where recorded)")),
    failed.length
      ? h("div", { class: "gantt-errors", id: "task-errors" },
          h("h3", null, `${count(failed.length)} failed task run${failed.length === 1 ? "" : "s"}`),
          h("ul", null, failed.map((t) => h("li", { "data-task-id": t.id },
            h("code", null, t.key), ` (${attemptName(t.attempt).toLowerCase()}) `, stateBadge(t.state),
            t.error ? h("pre", { class: "task-error" }, t.error) : h("span", { class: "sub" }, noText)))))
      : null,
  );
}
