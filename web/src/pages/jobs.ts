// The job list: name search as you type, sortable columns, a priority filter, keyset pages through `after` cursors;
// all of it kept in the URL.

import { query } from "../api";
import { h } from "../dom";
import { count, dateTime, duration, percent } from "../format";
import { JobsDocument, type JobOrder, type JobPriority } from "../generated/graphql";
import { priorityBadge } from "./job_health";
import type { Route, View } from "../router";
import { navigate } from "../router";
import { lastDays, session, type Session } from "../session";
import { costCell, empty, errorBox, jobLink, loading, pager, runHref, stateBadge, table, title } from "../ui";
import { scopeNote } from "../visibility";

const PAGE_SIZE = 25;
const STATS_DAYS = 30;
const TYPING_PAUSE_MS = 300;

let latest = 0;
let typingTimer: number | undefined;

const ORDERS: JobOrder[] = ["NAME", "ID", "PRIORITY", "FAILURE_STREAK", "SUCCESS_RATE", "COST", "LAST_RUN"];
const PRIORITIES: JobPriority[] = ["P1", "P2", "P3", "HEALTHY"];
// Each order's direction, as the API sorts: names A→Z; the most urgent, longest streak, lowest rate, highest cost and
// newest run first.
const DIRECTION: Record<JobOrder, "ascending" | "descending"> = {
  NAME: "ascending", ID: "ascending", PRIORITY: "ascending", FAILURE_STREAK: "descending", SUCCESS_RATE: "ascending",
  COST: "descending", LAST_RUN: "descending",
};

interface ListState {
  q: string;
  sort: JobOrder;
  priority: JobPriority | null;
}

function stateOf(search: URLSearchParams): ListState {
  const sort = search.get("sort") as JobOrder | null;
  const priority = search.get("priority") as JobPriority | null;
  return {
    q: search.get("q") ?? "",
    sort: sort && ORDERS.includes(sort) ? sort : "NAME",
    priority: priority && PRIORITIES.includes(priority) ? priority : null,
  };
}

function listUrl(state: ListState, after?: string | null, from?: number): string {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.sort !== "NAME") params.set("sort", state.sort);
  if (state.priority) params.set("priority", state.priority);
  if (after) params.set("after", after);
  if (after && from) params.set("from", String(from));
  const text = params.toString();
  return text ? `/jobs?${text}` : "/jobs";
}

export async function jobs(route: Route): Promise<View> {
  const state = stateOf(route.search);
  const q = state.q;
  const after = route.search.get("after");
  const from = Math.max(1, Number(route.search.get("from")) || 1);
  const s = await session();
  const results = h("div", { id: "job-results", class: "results" });
  const input = h("input", { type: "search", id: "job-search", name: "q", value: q, autocomplete: "off", spellcheck: "false", placeholder: "part of a job name" });
  const priority = h(
    "select",
    { id: "job-priority", name: "priority" },
    h("option", { value: "" }, "any"),
    PRIORITIES.map((p) => h("option", { value: p, selected: state.priority === p ? "selected" : null }, p === "HEALTHY" ? "healthy" : p)),
  );
  const form = h(
    "form",
    { role: "search", action: "/jobs", method: "get", class: "search" },
    h("label", { for: "job-search" }, "Search jobs by name"),
    input,
    h("button", { type: "submit" }, "Search"),
    h("label", { for: "job-priority" }, "Priority"),
    priority,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.clearTimeout(typingTimer);
    navigate(listUrl({ ...state, q: input.value.trim() }));
  });
  priority.addEventListener("change", () => {
    navigate(listUrl({ ...state, q: input.value.trim(), priority: (priority.value || null) as JobPriority | null }));
  });
  input.addEventListener("input", () => {
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => {
      const value = input.value.trim();
      // Typing refines one search, so it replaces the history entry instead of adding one per keystroke.
      history.replaceState(null, "", listUrl({ ...state, q: value }));
      document.title = `${value ? `Jobs matching “${value}”` : "Jobs"} · gql-monitor`;
      void load(results, { ...state, q: value }, null, 1, s);
    }, TYPING_PAUSE_MS);
  });
  await load(results, state, after, from, s);
  return { title: q ? `Jobs matching “${q}”` : "Jobs", node: h("div", { class: "page jobs" }, title("Jobs"), scopeNote("other jobs are not listed."), form, results) };
}

async function load(results: HTMLElement, state: ListState, after: string | null, from: number, s: Session): Promise<void> {
  const q = state.q;
  const mine = ++latest;
  results.dataset.state = "loading";
  results.setAttribute("aria-busy", "true");
  if (!results.firstChild) results.append(loading());
  const r = await query(JobsDocument, {
    first: PAGE_SIZE,
    after,
    nameContains: q || null,
    priorities: state.priority ? [state.priority] : null,
    orderBy: state.sort,
    window: lastDays(s, STATS_DAYS),
  });
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
      cells: [
        jobLink(job),
        h("span", { class: "stacked", "data-priority": job.health.priority }, priorityBadge(job.health.priority), job.health.failureStreak ? h("span", { class: "sub" }, `${count(job.health.failureStreak)} failed in a row`) : null),
        job.workspace.name ?? job.workspace.id,
        job.lastRun
          ? h("a", { href: runHref(job.lastRun.id), class: "stacked" }, stateBadge(job.lastRun.resultState, job.lastRun.inProgress), h("span", { class: "sub" }, dateTime(job.lastRun.startTime)))
          : "no runs",
        h("span", { class: "stacked" }, percent(job.health.last7Days.successRate), h("span", { class: "sub" }, `${count(job.health.last7Days.finishedRuns)} finished`)),
        duration(stats.duration.p95),
        costCell(job.cost),
      ],
    };
  });
  const to = from + list.nodes.length - 1;
  const caption = list.totalCount
    ? `${q ? `Jobs matching “${q}”` : state.priority || s.viewer?.jobVisibility.scope !== "ALL_JOBS" ? "Jobs" : "All jobs"}${state.priority ? ` with priority ${state.priority}` : ""}: ${list.nodes.length ? `${count(from)}–${count(to)} of ` : ""}${count(list.totalCount)}`
    : "";
  const nextUrl = list.pageInfo.hasNextPage && list.pageInfo.endCursor ? listUrl(state, list.pageInfo.endCursor, to + 1) : null;
  const by = (label: string, order: JobOrder, numeric = false) => ({
    label, numeric, sort: { href: listUrl({ ...state, sort: order }), active: state.sort === order, direction: DIRECTION[order] },
  });
  results.replaceChildren(
    ...[
      errorBox(r.errors, true),
      list.nodes.length
        ? table(caption, [by("Name", "NAME"), by("Health", "PRIORITY"), { label: "Workspace" }, by("Last run", "LAST_RUN"), by("Success rate (7 d)", "SUCCESS_RATE"), { label: `p95 duration (${STATS_DAYS} d)`, numeric: true }, by(`Cost (${STATS_DAYS} d)`, "COST", true)], rows)
        : empty(q ? `No job name contains “${q}”${state.priority ? ` with priority ${state.priority}` : ""}.` : state.priority ? `No job has priority ${state.priority}.` : "No jobs."),
      pager(after ? listUrl(state) : null, nextUrl, "Job list pages"),
    ].filter((n): n is HTMLElement => n !== null),
  );
  results.dataset.state = "done";
}
