// What needs attention: the first page on-call opens. Alerts come most severe first with the evidence that raised
// them; filters and the window live in the URL so a link shows the same list.

import { query } from "../api";
import { h } from "../dom";
import { count, dateTime, duration, humanize, percent, ratio } from "../format";
import { AlertsDocument, type AlertKind, type AlertSeverity, type AlertsQuery } from "../generated/graphql";
import type { Route, View } from "../router";
import { session } from "../session";
import { empty, errorBox, jobLink, pager, runHref, stateBadge, table, tile, title } from "../ui";
import { scopeNote } from "../visibility";
import { pageWindow, sharedWorkspace, windowBar, withShared } from "../window";

const PAGE_SIZE = 25;
const SEVERITIES: AlertSeverity[] = ["CRITICAL", "WARNING", "INFO"];
const SEVERITY_WORDS: Record<AlertSeverity, string> = { CRITICAL: "Critical", WARNING: "Warning", INFO: "Info" };
const SEVERITY_BADGE: Record<AlertSeverity, string> = { CRITICAL: "bad", WARNING: "warn", INFO: "info" };

type Alert = NonNullable<AlertsQuery["alerts"]>["nodes"][number];

// The window is the shared one (window.ts; by default the last 7 days).
interface Filters {
  severity: AlertSeverity | null;
  kind: AlertKind | null;
}

function filtersOf(search: URLSearchParams): Filters {
  const severity = search.get("severity") as AlertSeverity | null;
  return {
    severity: severity && SEVERITIES.includes(severity) ? severity : null,
    // Kinds are checked by the API, which answers an unknown one with a clear error shown on the page.
    kind: (search.get("kind") || null) as AlertKind | null,
  };
}

function attentionUrl(f: Filters, after?: string | null): string {
  const params = new URLSearchParams();
  if (f.severity) params.set("severity", f.severity);
  if (f.kind) params.set("kind", f.kind);
  if (after) params.set("after", after);
  const text = params.toString();
  return withShared(text ? `/?${text}` : "/");
}

export async function attention(route: Route): Promise<View> {
  const f = filtersOf(route.search);
  const after = route.search.get("after");
  const s = await session();
  const workspace = sharedWorkspace(route.search);
  const r = await query(AlertsDocument, {
    window: pageWindow(s, route.search, "7d").input,
    first: PAGE_SIZE,
    after,
    severity: f.severity ? [f.severity] : null,
    kinds: f.kind ? [f.kind] : null,
    workspaceId: workspace,
  });
  const list = r.data?.alerts ?? null;
  const counts = SEVERITIES.map((severity) => {
    const n = r.data?.[severity.toLowerCase() as "critical" | "warning" | "info"]?.totalCount;
    const only = h("a", { href: attentionUrl({ ...f, severity }) }, "show only these");
    return tile(SEVERITY_WORDS[severity], n === undefined ? "–" : count(n), only, `tile-${severity.toLowerCase()}`);
  });
  const body = list ? alertList(list, f, after) : errorBox(r.errors);
  const node = h(
    "div",
    { class: "page attention" },
    title("What needs attention"),
    scopeNote("alerts of other jobs and account-wide spend alerts are not shown."),
    windowBar(s, route.search, { fallback: "7d", workspace: true }),
    workspace ? h("p", { class: "hint", id: "workspace-note" }, "Alerts about jobs of this workspace; account-wide alerts, which name no job, are left out.") : null,
    controls(f),
    h("div", { class: "tiles" }, counts),
    list ? errorBox(r.errors, true) : null,
    body,
  );
  return { title: "Attention", node };
}

function controls(f: Filters): HTMLElement {
  const choice = (label: string, target: Filters, on: boolean) =>
    h("a", { href: attentionUrl(target), class: on ? "chip on" : "chip", "aria-current": on ? "true" : null }, label);
  return h(
    "div",
    { class: "filters" },
    h("span", { class: "meta" }, "Severity: "),
    choice("all", { ...f, severity: null }, f.severity === null),
    SEVERITIES.map((severity) => choice(SEVERITY_WORDS[severity], { ...f, severity }, f.severity === severity)),
    f.kind ? [h("span", { class: "meta" }, ` Kind: ${humanize(f.kind)} `), choice("any kind", { ...f, kind: null }, false)] : null,
  );
}

function alertList(list: NonNullable<AlertsQuery["alerts"]>, f: Filters, after: string | null): HTMLElement {
  if (!list.nodes.length) {
    return empty(f.severity || f.kind ? "No alerts match these filters." : "Nothing needs attention: every job is within its thresholds.");
  }
  const next = list.pageInfo.hasNextPage ? attentionUrl(f, list.pageInfo.endCursor) : null;
  return h(
    "div",
    { id: "alerts", class: "alerts" },
    h("p", { class: "meta" }, `${count(list.totalCount)} alert${list.totalCount === 1 ? "" : "s"}, most severe first`),
    list.nodes.map((alert) => card(alert, f)),
    pager(after ? attentionUrl(f) : null, next, "Alert pages"),
  );
}

function card(alert: Alert, f: Filters): HTMLElement {
  const severity = alert.severity as AlertSeverity;
  return h(
    "article",
    { class: `alert ${severity.toLowerCase()}`, "data-kind": alert.kind, "data-severity": severity },
    h(
      "header",
      null,
      h("span", { class: `badge ${SEVERITY_BADGE[severity]}` }, SEVERITY_WORDS[severity]),
      " ",
      h("a", { href: attentionUrl({ ...f, kind: alert.kind as AlertKind }), class: "kind" }, humanize(alert.kind)),
      " ",
      h("h2", null, alert.title),
    ),
    h(
      "p",
      { class: "meta" },
      alert.job ? ["Job ", jobLink(alert.job)] : "Account-wide",
      alert.startedAt ? ` · since ${dateTime(alert.startedAt)}` : "",
    ),
    evidence(alert),
    alert.runs.length
      ? h("p", { class: "runs" }, "Runs: ", alert.runs.map((run, i) => [i ? ", " : "", h("a", { href: runHref(run.id) }, dateTime(run.startTime)), " ", stateBadge(run.resultState, !run.resultState)]))
      : null,
    h("p", { class: "next-step" }, h("strong", null, "Next step: "), alert.nextStep),
  );
}

function evidence(alert: Alert): HTMLElement {
  const rows = alert.evidence.map((e) => ({
    cells: [words(e.name), figure(e.name, e.value, e.unit), e.threshold === null ? "–" : figure(e.name, e.threshold, e.unit)],
  }));
  return table(`Evidence for “${alert.title}”`, [{ label: "Measure" }, { label: "Value" }, { label: "Threshold" }], rows);
}

/** `secondsSinceLastSuccess` → "Seconds since last success". */
function words(name: string): string {
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([a-z])(\d)/g, "$1 $2").toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** Seconds read as durations; a rate or share (a ratio of a whole) as a percentage; other ratios as a multiple. */
function figure(name: string, value: number | null, unit: string): string {
  if (value === null) return "–";
  if (unit === "seconds") return duration(value);
  if (unit === "ratio") return /rate|share/i.test(name) ? percent(value) : ratio(value);
  const text = Number.isInteger(value) ? count(value) : value.toFixed(2);
  return unit ? `${text} ${unit}` : text;
}
