// The job list: name search as you type, sortable columns, filters by priority, tag, owner and run-as (and the shared
// workspace), keyset pages through `after` cursors, and a CSV export of every page; all of it kept in the URL. Stats
// and cost cover the shared window, and so do the cost and duration orders.

import { query } from "../api";
import { h } from "../dom";
import { exportControl } from "../export";
import { count, dateTime, duration, percent } from "../format";
import { JobsDocument, type JobFilter, type JobOrder, type JobPriority, type JobsQuery, type JobsQueryVariables, type TagFilter } from "../generated/graphql";
import { priorityBadge } from "./job_health";
import type { Route, View } from "../router";
import { navigate } from "../router";
import { session, type Session } from "../session";
import { costCell, empty, errorBox, jobLink, loading, pager, runHref, stateBadge, table, title } from "../ui";
import { scopeNote } from "../visibility";
import { pageWindow, sharedWorkspace, windowBar, withShared, type Effective } from "../window";

const PAGE_SIZE = 25;
const EXPORT_PAGE = 100;
const TYPING_PAUSE_MS = 300;
const MAX_TAGS = 3;

let latest = 0;
let typingTimer: number | undefined;

const ORDERS: JobOrder[] = ["NAME", "ID", "PRIORITY", "FAILURE_STREAK", "SUCCESS_RATE", "COST", "LAST_RUN", "DURATION"];
const PRIORITIES: JobPriority[] = ["P1", "P2", "P3", "HEALTHY"];
// Each order's direction, as the API sorts: names A→Z; the most urgent, longest streak, lowest rate, highest cost,
// longest p95 and newest run first.
const DIRECTION: Record<JobOrder, "ascending" | "descending"> = {
  NAME: "ascending", ID: "ascending", PRIORITY: "ascending", FAILURE_STREAK: "descending", SUCCESS_RATE: "ascending",
  COST: "descending", LAST_RUN: "descending", DURATION: "descending",
};

interface ListState {
  q: string;
  sort: JobOrder;
  priority: JobPriority | null;
  /** `key` or `key=value`, comma-separated (at most three). */
  tag: string;
  owner: string;
  runAs: string;
}

function stateOf(search: URLSearchParams): ListState {
  const sort = search.get("sort") as JobOrder | null;
  const priority = search.get("priority") as JobPriority | null;
  return {
    q: search.get("q") ?? "",
    sort: sort && ORDERS.includes(sort) ? sort : "NAME",
    priority: priority && PRIORITIES.includes(priority) ? priority : null,
    tag: (search.get("tag") ?? "").trim(),
    owner: (search.get("owner") ?? "").trim(),
    runAs: (search.get("runAs") ?? "").trim(),
  };
}

function listUrl(state: ListState, after?: string | null, from?: number): string {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.sort !== "NAME") params.set("sort", state.sort);
  if (state.priority) params.set("priority", state.priority);
  if (state.tag) params.set("tag", state.tag);
  if (state.owner) params.set("owner", state.owner);
  if (state.runAs) params.set("runAs", state.runAs);
  if (after) params.set("after", after);
  if (after && from) params.set("from", String(from));
  const text = params.toString();
  return withShared(text ? `/jobs?${text}` : "/jobs");
}

function tagFilters(tag: string): TagFilter[] | null {
  const tags = tag.split(",").map((t) => t.trim()).filter(Boolean).slice(0, MAX_TAGS).map((t) => {
    const at = t.indexOf("=");
    return at < 0 ? { key: t } : { key: t.slice(0, at).trim(), value: t.slice(at + 1).trim() };
  });
  return tags.length ? tags : null;
}

function apiFilter(state: ListState, workspace: string | null): JobFilter {
  return {
    nameContains: state.q || null,
    priorities: state.priority ? [state.priority] : null,
    tags: tagFilters(state.tag),
    creator: state.owner || null,
    runAs: state.runAs || null,
    workspaceId: workspace,
  };
}

function describe(state: ListState): string {
  const parts = [
    state.priority ? `priority ${state.priority}` : null,
    state.tag ? `tag ${state.tag}` : null,
    state.owner ? `owner ${state.owner}` : null,
    state.runAs ? `running as ${state.runAs}` : null,
  ].filter(Boolean);
  return parts.length ? ` with ${parts.join(", ")}` : "";
}

export async function jobs(route: Route): Promise<View> {
  const state = stateOf(route.search);
  const q = state.q;
  const after = route.search.get("after");
  const from = Math.max(1, Number(route.search.get("from")) || 1);
  const s = await session();
  const w = pageWindow(s, route.search, "30d");
  const workspace = sharedWorkspace(route.search);
  const results = h("div", { id: "job-results", class: "results" });
  const input = h("input", { type: "search", id: "job-search", name: "q", value: q, autocomplete: "off", spellcheck: "false", placeholder: "part of a job name" });
  const priority = h(
    "select",
    { id: "job-priority", name: "priority" },
    h("option", { value: "" }, "any"),
    PRIORITIES.map((p) => h("option", { value: p, selected: state.priority === p ? "selected" : null }, p === "HEALTHY" ? "healthy" : p)),
  );
  const tag = h("input", { id: "job-tag", name: "tag", value: state.tag, autocomplete: "off", spellcheck: "false", placeholder: "team or team=data" });
  const owner = h("input", { id: "job-owner", name: "owner", value: state.owner, autocomplete: "off", spellcheck: "false", placeholder: "exact, e.g. a@example.com" });
  const runAs = h("input", { id: "job-run-as", name: "runAs", value: state.runAs, autocomplete: "off", spellcheck: "false", placeholder: "exact user or service principal" });
  const read = (): ListState => ({ ...state, q: input.value.trim(), priority: (priority.value || null) as JobPriority | null, tag: tag.value.trim(), owner: owner.value.trim(), runAs: runAs.value.trim() });
  const form = h(
    "form",
    { role: "search", action: "/jobs", method: "get", class: "search" },
    h("label", { for: "job-search" }, "Search jobs by name"),
    input,
    h("button", { type: "submit" }, "Search"),
  );
  const more = h(
    "form",
    { class: "controls", action: "/jobs", method: "get", "aria-label": "Job filters" },
    h("div", null, h("label", { for: "job-priority" }, "Priority"), priority),
    h("div", null, h("label", { for: "job-tag" }, "Tag (key or key=value; up to 3, comma-separated)"), tag),
    h("div", null, h("label", { for: "job-owner" }, "Owner (creator)"), owner),
    h("div", null, h("label", { for: "job-run-as" }, "Runs as"), runAs),
    h("div", null, h("button", { type: "submit" }, "Apply")),
  );
  for (const f of [form, more]) {
    f.addEventListener("submit", (event) => {
      event.preventDefault();
      window.clearTimeout(typingTimer);
      navigate(listUrl(read()));
    });
  }
  priority.addEventListener("change", () => navigate(listUrl(read())));
  input.addEventListener("input", () => {
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => {
      const next = { ...state, q: input.value.trim() };
      // Typing refines one search, so it replaces the history entry instead of adding one per keystroke.
      history.replaceState(null, "", listUrl(next));
      document.title = `${next.q ? `Jobs matching “${next.q}”` : "Jobs"} · gql-monitor`;
      void load(results, next, null, 1, s, w, workspace);
    }, TYPING_PAUSE_MS);
  });
  await load(results, state, after, from, s, w, workspace);
  const bar = windowBar(s, route.search, { fallback: "30d", workspace: true });
  return { title: q ? `Jobs matching “${q}”` : "Jobs", node: h("div", { class: "page jobs" }, title("Jobs"), scopeNote("other jobs are not listed."), bar, form, more, results) };
}

type JobNode = NonNullable<JobsQuery["jobs"]>["nodes"][number];

async function load(results: HTMLElement, state: ListState, after: string | null, from: number, s: Session, w: Effective, workspace: string | null): Promise<void> {
  const q = state.q;
  const mine = ++latest;
  results.dataset.state = "loading";
  results.setAttribute("aria-busy", "true");
  if (!results.firstChild) results.append(loading());
  const variables: JobsQueryVariables = { first: PAGE_SIZE, after, filter: apiFilter(state, workspace), orderBy: state.sort, window: w.input };
  const r = await query(JobsDocument, variables);
  if (mine !== latest) return;
  results.removeAttribute("aria-busy");
  results.dataset.query = q;
  const list = r.data?.jobs;
  if (!list) {
    results.replaceChildren(errorBox(r.errors) ?? empty("No answer."));
    results.dataset.state = "error";
    return;
  }
  const rows = list.nodes.map((job) => {
    const stats = job.runStats;
    return {
      attrs: { "data-job": job.id },
      cells: [
        jobLink(job),
        h("span", { class: "stacked", "data-priority": job.health.priority }, priorityBadge(job.health.priority), job.health.failureStreak ? h("span", { class: "sub" }, `${count(job.health.failureStreak)} failed in a row`) : null),
        job.workspace.name ?? job.workspace.id,
        job.lastRun
          ? h("a", { href: runHref(job.lastRun.id), class: "stacked" }, stateBadge(job.lastRun.resultState, job.lastRun.inProgress), h("span", { class: "sub" }, dateTime(job.lastRun.startTime)))
          : "no runs",
        h("span", { class: "stacked" }, percent(job.health.last7Days.successRate), h("span", { class: "sub" }, `${count(job.health.last7Days.finishedRuns)} finished`)),
        h("span", { "data-seconds": stats.duration.p95 ?? "" }, duration(stats.duration.p95)),
        costCell(job.cost),
      ],
    };
  });
  const to = from + list.nodes.length - 1;
  const filtered = describe(state);
  const caption = list.totalCount
    ? `${q ? `Jobs matching “${q}”` : filtered || s.viewer?.jobVisibility.scope !== "ALL_JOBS" || workspace ? "Jobs" : "All jobs"}${filtered}: ${list.nodes.length ? `${count(from)}–${count(to)} of ` : ""}${count(list.totalCount)}`
    : "";
  const nextUrl = list.pageInfo.hasNextPage && list.pageInfo.endCursor ? listUrl(state, list.pageInfo.endCursor, to + 1) : null;
  const by = (label: string, order: JobOrder, numeric = false) => ({
    label, numeric, sort: { href: listUrl({ ...state, sort: order }), active: state.sort === order, direction: DIRECTION[order] },
  });
  const span = w.preset === "custom" ? w.label : w.label.replace(/^last /, "");
  results.replaceChildren(
    ...[
      errorBox(r.errors, true),
      list.nodes.length ? exportControl(exportSpec(variables, w), list.totalCount) : null,
      list.nodes.length
        ? table(caption, [by("Name", "NAME"), by("Health", "PRIORITY"), { label: "Workspace" }, by("Last run", "LAST_RUN"), by("Success rate (7 d)", "SUCCESS_RATE"), by(`p95 duration (${span})`, "DURATION", true), by(`Cost (${span})`, "COST", true)], rows)
        : empty(q ? `No job name contains “${q}”${filtered}.` : filtered ? `No job${filtered}.` : "No jobs."),
      pager(after ? listUrl(state) : null, nextUrl, "Job list pages"),
    ].filter((n): n is HTMLElement => n !== null),
  );
  results.dataset.state = "done";
  results.dataset.total = String(list.totalCount);
}

const HEADER = [
  "job_id", "name", "workspace_id", "workspace_name", "creator", "run_as", "tags", "priority", "failure_streak",
  "last_run_id", "last_run_start", "last_run_state", "success_rate_7d", "finished_runs_7d", "runs_in_window",
  "p95_duration_seconds", "list_cost", "currency", "dbus", "cost_attribution", "not_attributable_reason", "cost_complete",
  "window_start", "window_end",
];
const NUMERIC = HEADER.map((c) => ["failure_streak", "success_rate_7d", "finished_runs_7d", "runs_in_window", "p95_duration_seconds", "list_cost", "dbus"].includes(c));

function csvRow(job: JobNode, w: Effective) {
  return [
    job.id, job.name, job.workspace.id, job.workspace.name, job.creator, job.runAs,
    job.tags.map((t) => (t.value === null ? t.key : `${t.key}=${t.value}`)).join(";"),
    job.health.priority, job.health.failureStreak, job.lastRun?.id, job.lastRun?.startTime, job.lastRun?.resultState ?? (job.lastRun?.inProgress ? "IN_PROGRESS" : null),
    job.health.last7Days.successRate, job.health.last7Days.finishedRuns, job.runStats.totalRuns, job.runStats.duration.p95,
    job.cost.listCost.amount, job.cost.listCost.currency, job.cost.dbus, job.cost.attribution, job.cost.notAttributableReason,
    job.cost.complete, w.input.start ?? null, w.input.end ?? null,
  ];
}

function exportSpec(variables: JobsQueryVariables, w: Effective) {
  return {
    id: "export-jobs",
    noun: "jobs",
    header: HEADER,
    numeric: NUMERIC,
    filename: () => `gql-monitor-jobs-${w.input.start?.slice(0, 10) ?? "window"}-to-${w.input.end?.slice(0, 10) ?? "now"}.csv`,
    page: async (after: string | null) => {
      const r = await query(JobsDocument, { ...variables, first: EXPORT_PAGE, after });
      const list = r.data?.jobs;
      if (!list || r.errors.length) return r.errors.length ? r.errors : [{ message: "No answer.", extensions: { code: "ERROR" } }];
      return { rows: list.nodes.map((job) => csvRow(job, w)), next: list.pageInfo.hasNextPage ? list.pageInfo.endCursor ?? null : null, total: list.totalCount };
    },
  };
}
