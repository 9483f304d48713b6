// The job list: name search as you type, keyset pages through `after` cursors kept in the URL.

import { query } from "../api";
import { h } from "../dom";
import { count, dateTime, duration, percent } from "../format";
import { JobsDocument } from "../generated/graphql";
import type { Route, View } from "../router";
import { navigate } from "../router";
import { lastDays, session, type Session } from "../session";
import { costCell, empty, errorBox, jobLink, loading, pager, runHref, stateBadge, table, title } from "../ui";

const PAGE_SIZE = 25;
const STATS_DAYS = 30;
const TYPING_PAUSE_MS = 300;

let latest = 0;
let typingTimer: number | undefined;

function listUrl(q: string, after?: string | null, from?: number): string {
  const params = new URLSearchParams();
  if (q) params.set("q", q);
  if (after) params.set("after", after);
  if (after && from) params.set("from", String(from));
  const text = params.toString();
  return text ? `/jobs?${text}` : "/jobs";
}

export async function jobs(route: Route): Promise<View> {
  const q = route.search.get("q") ?? "";
  const after = route.search.get("after");
  const from = Math.max(1, Number(route.search.get("from")) || 1);
  const s = await session();
  const results = h("div", { id: "job-results", class: "results" });
  const input = h("input", { type: "search", id: "job-search", name: "q", value: q, autocomplete: "off", spellcheck: "false", placeholder: "part of a job name" });
  const form = h(
    "form",
    { role: "search", action: "/jobs", method: "get", class: "search" },
    h("label", { for: "job-search" }, "Search jobs by name"),
    input,
    h("button", { type: "submit" }, "Search"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.clearTimeout(typingTimer);
    navigate(listUrl(input.value.trim()));
  });
  input.addEventListener("input", () => {
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => {
      const value = input.value.trim();
      // Typing refines one search, so it replaces the history entry instead of adding one per keystroke.
      history.replaceState(null, "", listUrl(value));
      document.title = `${value ? `Jobs matching “${value}”` : "Jobs"} · gql-monitor`;
      void load(results, value, null, 1, s);
    }, TYPING_PAUSE_MS);
  });
  await load(results, q, after, from, s);
  return { title: q ? `Jobs matching “${q}”` : "Jobs", node: h("div", { class: "page jobs" }, title("Jobs"), form, results) };
}

async function load(results: HTMLElement, q: string, after: string | null, from: number, s: Session): Promise<void> {
  const mine = ++latest;
  results.dataset.state = "loading";
  results.setAttribute("aria-busy", "true");
  if (!results.firstChild) results.append(loading());
  const r = await query(JobsDocument, {
    first: PAGE_SIZE,
    after,
    nameContains: q || null,
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
        job.workspace.name ?? job.workspace.id,
        job.lastRun
          ? h("a", { href: runHref(job.lastRun.id), class: "stacked" }, stateBadge(job.lastRun.resultState, job.lastRun.inProgress), h("span", { class: "sub" }, dateTime(job.lastRun.startTime)))
          : "no runs",
        h("span", { class: "stacked" }, percent(stats.successRate), h("span", { class: "sub" }, `${count(stats.totalRuns)} runs`)),
        duration(stats.duration.p95),
        costCell(job.cost),
      ],
    };
  });
  const to = from + list.nodes.length - 1;
  const caption = list.totalCount
    ? `${q ? `Jobs matching “${q}”` : "All jobs"}: ${list.nodes.length ? `${count(from)}–${count(to)} of ` : ""}${count(list.totalCount)}`
    : "";
  const nextUrl = list.pageInfo.hasNextPage && list.pageInfo.endCursor ? listUrl(q, list.pageInfo.endCursor, to + 1) : null;
  results.replaceChildren(
    ...[
      errorBox(r.errors, true),
      list.nodes.length
        ? table(caption, [{ label: "Name" }, { label: "Workspace" }, { label: "Last run" }, { label: `Success rate (${STATS_DAYS} d)` }, { label: `p95 duration (${STATS_DAYS} d)`, numeric: true }, { label: `Cost (${STATS_DAYS} d)`, numeric: true }], rows)
        : empty(q ? `No job name contains “${q}”.` : "No jobs."),
      pager(after ? listUrl(q) : null, nextUrl, "Job list pages"),
    ].filter((n): n is HTMLElement => n !== null),
  );
  results.dataset.state = "done";
}
