// The runs explorer: every run across jobs in the shared window, filtered by outcome, termination code, trigger, run
// type, minimum duration and job, sorted by start, duration or cost, paged with the API's cursors, and exported to CSV
// whole. Every filter lives in the URL, so a link or a reload shows the same runs.

import { query, type GqlError } from "../api";
import { h } from "../dom";
import { exportControl } from "../export";
import { count, dateTime, duration, humanize } from "../format";
import { RunsDocument, RunsJobsDocument, type RunFilter, type RunOrder, type RunsQuery, type RunsQueryVariables, type ResultState, type RunType, type TriggerType } from "../generated/graphql";
import { navigate, type Route, type View } from "../router";
import { session } from "../session";
import { costCell, empty, errorBox, jobLink, pager, runHref, stateBadge, table, title } from "../ui";
import { scopeNote } from "../visibility";
import { pageWindow, sharedWorkspace, windowBar, withShared, workspaceList, type Effective } from "../window";

const PAGE_SIZE = 25;
// The export asks for the largest page the API gives.
const EXPORT_PAGE = 100;
const MAX_JOBS_BY_NAME = 50;
const STATES: ResultState[] = ["SUCCEEDED", "FAILED", "ERROR", "TIMED_OUT", "CANCELLED", "SKIPPED", "BLOCKED"];
const TRIGGERS: TriggerType[] = ["CRON", "ONETIME", "ONETIME_RETRY", "FILE_ARRIVAL", "CONTINUOUS", "TABLE"];
const RUN_TYPES: RunType[] = ["JOB_RUN", "SUBMIT_RUN", "WORKFLOW_RUN"];
const ORDERS: RunOrder[] = ["START_TIME", "DURATION", "COST"];
// The system tables' termination codes (docs: system.lakeflow.job_run_timeline), offered as suggestions; any other
// code can be typed and is matched exactly.
const TERMINATION_CODES = [
  "SUCCESS", "SUCCESS_WITH_FAILURES", "CANCELLED", "SKIPPED", "RUN_EXECUTION_ERROR", "DRIVER_ERROR", "CLUSTER_ERROR",
  "CLOUD_FAILURE", "STORAGE_ACCESS_ERROR", "LIBRARY_INSTALLATION_ERROR", "INVALID_RUN_CONFIGURATION",
  "UNAUTHORIZED_ERROR", "RESOURCE_NOT_FOUND", "REPOSITORY_CHECKOUT_FAILED", "INVALID_CLUSTER_REQUEST",
  "WORKSPACE_RUN_LIMIT_EXCEEDED", "MAX_CONCURRENT_RUNS_EXCEEDED", "MAX_JOB_QUEUE_SIZE_EXCEEDED", "TIMED_OUT",
  "INTERNAL_ERROR", "DISABLED",
];
const JOB_ID = /^\d+:\d+$/;

type Runs = NonNullable<RunsQuery["runs"]>;
type RunNode = Runs["nodes"][number];

/** The explorer's own filters, as the URL holds them (the window and workspace are window.ts's). */
export interface RunFilters {
  states: ResultState[];
  codes: string[];
  trigger: TriggerType | null;
  runType: RunType | null;
  minMinutes: number | null;
  job: string;
  sort: RunOrder;
}

function list(value: string | null): string[] {
  return (value ?? "").split(",").map((v) => v.trim()).filter(Boolean);
}

export function filtersOf(search: URLSearchParams): RunFilters {
  const minutes = Number(search.get("minDuration"));
  const trigger = search.get("trigger") as TriggerType | null;
  const runType = search.get("type") as RunType | null;
  const sort = search.get("sort") as RunOrder | null;
  return {
    states: list(search.get("state")).filter((s): s is ResultState => STATES.includes(s as ResultState)),
    // Codes are the API's to check: an unknown one matches nothing, a hostile one is refused with a clear error.
    codes: list(search.get("code")).map((c) => c.toUpperCase()),
    trigger: trigger && TRIGGERS.includes(trigger) ? trigger : null,
    runType: runType && RUN_TYPES.includes(runType) ? runType : null,
    minMinutes: search.get("minDuration") && Number.isFinite(minutes) && minutes > 0 ? minutes : null,
    job: (search.get("job") ?? "").trim(),
    sort: sort && ORDERS.includes(sort) ? sort : "START_TIME",
  };
}

export function runsUrl(f: RunFilters, after?: string | null, from?: number): string {
  const params = new URLSearchParams();
  if (f.states.length) params.set("state", f.states.join(","));
  if (f.codes.length) params.set("code", f.codes.join(","));
  if (f.trigger) params.set("trigger", f.trigger);
  if (f.runType) params.set("type", f.runType);
  if (f.minMinutes !== null) params.set("minDuration", String(f.minMinutes));
  if (f.job) params.set("job", f.job);
  if (f.sort !== "START_TIME") params.set("sort", f.sort);
  if (after) params.set("after", after);
  if (after && from) params.set("from", String(from));
  const text = params.toString();
  return withShared(text ? `/runs?${text}` : "/runs");
}

/** The job filter names job ids, or a part of a name that the jobs list resolves (at most 50 jobs). */
async function jobIds(f: RunFilters, workspace: string | null): Promise<{ ids: string[] | null; note: string | null; errors: GqlError[] }> {
  if (!f.job) return { ids: null, note: null, errors: [] };
  const given = list(f.job);
  if (given.every((part) => JOB_ID.test(part))) return { ids: given, note: null, errors: [] };
  const r = await query(RunsJobsDocument, { nameContains: f.job, workspaceId: workspace });
  const jobs = r.data?.jobs;
  if (!jobs) return { ids: [], note: null, errors: r.errors };
  if (!jobs.totalCount) return { ids: [], note: `No job name contains “${f.job}”.`, errors: [] };
  if (jobs.totalCount > MAX_JOBS_BY_NAME) {
    return { ids: [], note: `${count(jobs.totalCount)} jobs have “${f.job}” in their name: narrow it to at most ${MAX_JOBS_BY_NAME}, or pick a job.`, errors: [] };
  }
  const names = jobs.nodes.map((j) => j.name ?? j.id);
  const note = jobs.totalCount === 1 ? `Runs of ${names[0]}.` : `Runs of the ${count(jobs.totalCount)} jobs whose name contains “${f.job}”.`;
  return { ids: jobs.nodes.map((j) => j.id), note, errors: [] };
}

function apiFilter(f: RunFilters, workspace: string | null, ids: string[] | null): RunFilter {
  return {
    workspaceId: workspace,
    jobIds: ids,
    resultStates: f.states.length ? f.states : null,
    terminationCodes: f.codes.length ? f.codes : null,
    triggerTypes: f.trigger ? [f.trigger] : null,
    runTypes: f.runType ? [f.runType] : null,
    minDurationSeconds: f.minMinutes === null ? null : Math.round(f.minMinutes * 60),
  };
}

const SORT_WORDS: Record<RunOrder, string> = { START_TIME: "newest first", DURATION: "longest first", COST: "most expensive first" };

export async function runs(route: Route): Promise<View> {
  const f = filtersOf(route.search);
  const after = route.search.get("after");
  const from = Math.max(1, Number(route.search.get("from")) || 1);
  const s = await session();
  const w = pageWindow(s, route.search, "7d");
  const workspace = sharedWorkspace(route.search);
  const bar = windowBar(s, route.search, { fallback: "7d", workspace: true });
  const jobs = await jobIds(f, workspace);
  const filter = apiFilter(f, workspace, jobs.ids);
  const variables: RunsQueryVariables = { first: PAGE_SIZE, after, window: w.input, filter, orderBy: f.sort };
  const r = jobs.ids && !jobs.ids.length ? null : await query(RunsDocument, variables);
  const names = new Map((await workspaceList())?.map((ws) => [ws.id, ws.name ?? ws.id]) ?? []);

  const results = h("div", { id: "run-results", class: "results", "data-state": "done" });
  if (!r) {
    results.append(errorBox(jobs.errors) ?? empty(jobs.note ?? "No runs."));
    results.dataset.state = jobs.errors.length ? "error" : "done";
  } else if (!r.data?.runs) {
    results.append(errorBox(r.errors) ?? empty("No answer."));
    results.dataset.state = "error";
  } else {
    const page = r.data.runs;
    results.append(
      ...[
        jobs.note ? h("p", { class: "hint", id: "run-job-note" }, jobs.note) : null,
        errorBox(r.errors, true),
        exportControl(exportSpec(variables, w, names), page.totalCount),
        runTable(page, f, w, from, names),
        pager(after ? runsUrl(f) : null, page.pageInfo.hasNextPage && page.pageInfo.endCursor ? runsUrl(f, page.pageInfo.endCursor, from + page.nodes.length) : null, "Run pages"),
      ].filter((n): n is HTMLElement => n !== null),
    );
    results.dataset.total = String(page.totalCount);
  }
  return {
    title: "Runs",
    node: h("div", { class: "page runs" }, title("Runs"), scopeNote("runs of other jobs are not listed."), bar, filterForm(f), results),
  };
}

function runTable(page: Runs, f: RunFilters, w: Effective, from: number, names: Map<string, string>): HTMLElement {
  if (!page.nodes.length) return empty(`No runs match these filters, ${w.label}.`);
  const by = (label: string, order: RunOrder, numeric = false) => ({
    label, numeric, sort: { href: runsUrl({ ...f, sort: order }), active: f.sort === order, direction: "descending" as const },
  });
  const to = from + page.nodes.length - 1;
  const caption = `Runs ${count(from)}–${count(to)} of ${count(page.totalCount)}, ${SORT_WORDS[f.sort]}, ${w.label}`;
  const rows = page.nodes.map((run) => ({
    attrs: { "data-run": run.id },
    cells: [
      h("a", { href: runHref(run.id), class: "nowrap" }, dateTime(run.startTime)),
      h("span", { class: "stacked" }, jobLink(run.job, run.jobId), h("span", { class: "sub" }, names.get(run.workspaceId) ?? run.workspaceId)),
      h("span", { class: "stacked" }, stateBadge(run.resultState, run.inProgress), run.terminationCode ? h("span", { class: "sub", "data-code": run.terminationCode }, humanize(run.terminationCode)) : null),
      h("span", { class: "stacked" }, humanize(run.triggerType), h("span", { class: "sub" }, humanize(run.runType))),
      h("span", { "data-seconds": run.durationSeconds ?? "" }, duration(run.durationSeconds)),
      run.repairCount ? count(run.repairCount) : "–",
      costCell(run.cost),
    ],
  }));
  return table(
    caption,
    [by("Started", "START_TIME"), { label: "Job · workspace" }, { label: "State · termination" }, { label: "Trigger · type" }, by("Duration", "DURATION", true), { label: "Repairs", numeric: true }, by("Cost", "COST", true)],
    rows,
  );
}

function filterForm(f: RunFilters): HTMLElement {
  const checks = STATES.map((state) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "state", value: state, checked: f.states.includes(state), id: `run-state-${state.toLowerCase()}` }), ` ${humanize(state)}`),
  );
  const code = h("input", { id: "run-code", name: "code", value: f.codes.join(", "), list: "run-codes", autocomplete: "off", spellcheck: "false", placeholder: "e.g. DRIVER_ERROR" });
  const codes = h("datalist", { id: "run-codes" }, TERMINATION_CODES.map((c) => h("option", { value: c })));
  const choice = (id: string, name: string, values: string[], current: string | null) =>
    h("select", { id, name }, h("option", { value: "" }, "any"), values.map((v) => h("option", { value: v, selected: v === current }, humanize(v))));
  const trigger = choice("run-trigger", "trigger", TRIGGERS, f.trigger);
  const runType = choice("run-type", "type", RUN_TYPES, f.runType);
  const minimum = h("input", { id: "run-min-duration", name: "minDuration", type: "number", min: 0, step: "any", value: f.minMinutes ?? "", inputmode: "decimal" });
  const job = h("input", { id: "run-job", name: "job", value: f.job, autocomplete: "off", spellcheck: "false", placeholder: "name or <workspace>:<job id>" });
  const form = h(
    "form",
    { class: "controls run-filters", action: "/runs", method: "get", "aria-label": "Run filters" },
    h("fieldset", { class: "states-filter" }, h("legend", null, "Result state"), checks),
    h("div", null, h("label", { for: "run-code" }, "Termination code"), code, codes),
    h("div", null, h("label", { for: "run-trigger" }, "Trigger"), trigger),
    h("div", null, h("label", { for: "run-type" }, "Run type"), runType),
    h("div", null, h("label", { for: "run-min-duration" }, "Minimum duration (minutes)"), minimum),
    h("div", null, h("label", { for: "run-job" }, "Job"), job),
    h("div", null, h("button", { type: "submit" }, "Apply")),
    h("div", null, h("a", { href: runsUrl({ ...emptyFilters(), sort: f.sort }), id: "run-clear" }, "Clear filters")),
  );
  const read = (): RunFilters => {
    const minutes = Number(minimum.value);
    return {
      states: [...form.querySelectorAll<HTMLInputElement>("input[name=state]:checked")].map((c) => c.value as ResultState),
      codes: list(code.value).map((c) => c.toUpperCase()),
      trigger: (trigger.value || null) as TriggerType | null,
      runType: (runType.value || null) as RunType | null,
      minMinutes: minimum.value !== "" && Number.isFinite(minutes) && minutes > 0 ? minutes : null,
      job: job.value.trim(),
      sort: f.sort,
    };
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(runsUrl(read()));
  });
  // Choices apply at once; typed filters on Apply (or Enter).
  for (const el of [trigger, runType, ...form.querySelectorAll<HTMLInputElement>("input[name=state]")]) {
    el.addEventListener("change", () => navigate(runsUrl(read())));
  }
  return form;
}

function emptyFilters(): RunFilters {
  return { states: [], codes: [], trigger: null, runType: null, minMinutes: null, job: "", sort: "START_TIME" };
}

const HEADER = [
  "run_id", "run_name", "job_id", "job_name", "workspace_id", "workspace_name", "start_time", "end_time", "in_progress",
  "duration_seconds", "result_state", "termination_code", "termination_type", "trigger_type", "run_type", "repair_count",
  "list_cost", "currency", "dbus", "cost_attribution", "not_attributable_reason", "cost_complete", "billed_through",
];
const NUMERIC = HEADER.map((c) => ["duration_seconds", "repair_count", "list_cost", "dbus"].includes(c));

function csvRow(run: RunNode, names: Map<string, string>) {
  return [
    run.id, run.runName, run.jobId, run.job?.name, run.workspaceId, names.get(run.workspaceId) ?? null, run.startTime, run.endTime,
    run.inProgress, run.durationSeconds, run.resultState, run.terminationCode, run.terminationType, run.triggerType,
    run.runType, run.repairCount, run.cost.listCost.amount, run.cost.listCost.currency, run.cost.dbus,
    run.cost.attribution, run.cost.notAttributableReason, run.cost.complete, run.cost.billedThrough,
  ];
}

function exportSpec(variables: RunsQueryVariables, w: Effective, names: Map<string, string>) {
  const span = w.input.start && w.input.end ? `${w.input.start.slice(0, 10)}-to-${w.input.end.slice(0, 10)}` : w.label.replace(/\W+/g, "-");
  return {
    id: "export-runs",
    noun: "runs",
    header: HEADER,
    numeric: NUMERIC,
    filename: () => `gql-monitor-runs-${span}.csv`,
    page: async (after: string | null) => {
      const r = await query(RunsDocument, { ...variables, first: EXPORT_PAGE, after });
      const page = r.data?.runs;
      if (!page || r.errors.length) return r.errors.length ? r.errors : [{ message: "No answer.", extensions: { code: "ERROR" } }];
      return {
        rows: page.nodes.map((run) => csvRow(run, names)),
        next: page.pageInfo.hasNextPage ? page.pageInfo.endCursor ?? null : null,
        total: page.totalCount,
      };
    },
  };
}
