// Small building blocks shared by the pages: headings, error boxes, state badges, tables, links.

import { errorCode, type GqlError } from "./api";
import { h, safeUrl, type Child } from "./dom";
import { costText, costTitle } from "./format";
import type { CostFigureFragment } from "./generated/graphql";
import { segment } from "./router";

export function title(text: string, ...after: Child[]): HTMLElement {
  return h("div", { class: "title" }, h("h1", { tabindex: -1 }, text), after);
}

export function crumbs(...items: Child[]): HTMLElement {
  return h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("ol", null, items.map((item) => h("li", null, item))));
}

/** One box per distinct error; identical errors (e.g. one per list row) are counted instead of repeated. */
export function errorBox(errors: GqlError[], partial = false): HTMLElement | null {
  if (!errors.length) return null;
  const seen = new Map<string, { error: GqlError; count: number }>();
  for (const error of errors) {
    const key = `${errorCode(error)}\u0000${error.message}`;
    const entry = seen.get(key);
    if (entry) entry.count += 1;
    else seen.set(key, { error, count: 1 });
  }
  return h(
    "div",
    { class: "error", role: "alert" },
    [...seen.values()].map(({ error, count }) =>
      h(
        "p",
        null,
        h("span", { class: "code" }, errorCode(error)),
        " ",
        error.message,
        count > 1 ? ` (${count} times)` : null,
        error.path ? h("span", { class: "path" }, ` at ${error.path.join(".")}`) : null,
      ),
    ),
    partial ? h("p", { class: "hint" }, "Everything else that could be answered is shown.") : null,
  );
}

const STATE_CLASS: Record<string, string> = {
  SUCCEEDED: "ok",
  SUCCESS: "ok",
  FAILED: "bad",
  ERROR: "bad",
  TIMED_OUT: "bad",
  INTERNAL_ERROR: "bad",
  CANCELLED: "muted",
  CANCELED: "muted",
  SKIPPED: "muted",
  BLOCKED: "muted",
  UPSTREAM_FAILED: "bad",
  RUNNING: "live",
  PENDING: "live",
  QUEUED: "live",
  TERMINATING: "live",
  BLOCKED_LIVE: "live",
};

export function stateBadge(state: string | null | undefined, inProgress = false): HTMLElement {
  const text = state ?? (inProgress ? "IN PROGRESS" : "UNKNOWN");
  const kind = state ? (STATE_CLASS[state] ?? "muted") : inProgress ? "live" : "muted";
  return h("span", { class: `badge ${kind}` }, text.replace(/_/g, " "));
}

export interface Column {
  label: string;
  numeric?: boolean;
  /** A sortable column: where its header links to, and whether the list is sorted by it now. */
  sort?: { href: string; active: boolean; direction: "ascending" | "descending" };
}

function header(c: Column): HTMLElement {
  const attrs = { scope: "col", class: c.numeric ? "num" : null, "aria-sort": c.sort?.active ? c.sort.direction : null };
  if (!c.sort) return h("th", attrs, c.label);
  return h("th", attrs, h("a", { href: c.sort.href, class: c.sort.active ? "sort on" : "sort" }, c.label, c.sort.active ? (c.sort.direction === "ascending" ? " ▲" : " ▼") : null));
}

export function table(caption: Child, columns: Column[], rows: { cells: Child[]; attrs?: Record<string, string> }[], foot?: Child[]): HTMLElement {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      null,
      h("caption", null, caption),
      h("thead", null, h("tr", null, columns.map(header))),
      h(
        "tbody",
        null,
        rows.map((row) =>
          h("tr", row.attrs ?? null, row.cells.map((cell, i) => h("td", { class: columns[i]?.numeric ? "num" : null }, cell))),
        ),
      ),
      foot
        ? h("tfoot", null, h("tr", null, foot.map((cell, i) => (i === 0 ? h("th", { scope: "row" }, cell) : h("td", { class: columns[i]?.numeric ? "num" : null }, cell)))))
        : null,
    ),
  );
}

export function panel(id: string, heading: string, ...body: Child[]): HTMLElement {
  return h("section", { class: "panel", id, "aria-labelledby": `${id}-h` }, h("h2", { id: `${id}-h` }, heading), body);
}

/** A panel filled later by its own operation: `data-state` is loading, then done or error (tests wait on it). */
export function slot(id: string, heading: string, intro?: string): HTMLElement {
  const section = panel(id, heading, intro ? h("p", { class: "intro" }, intro) : null, h("div", { class: "body" }, loading()));
  section.dataset.state = "loading";
  return section;
}

export function settle(section: HTMLElement, state: "done" | "error", ...content: (Node | null)[]): void {
  section.querySelector(".body")!.replaceChildren(...content.filter((n): n is Node => n !== null));
  section.dataset.state = state;
}

export function facts(pairs: [string, Child][]): HTMLElement {
  return h("dl", { class: "facts" }, pairs.map(([term, value]) => h("div", null, h("dt", null, term), h("dd", null, value))));
}

export function tile(label: string, value: Child, note?: Child, id?: string): HTMLElement {
  return h("div", { class: "tile", id: id ?? null }, h("span", { class: "tile-label" }, label), h("span", { class: "tile-value" }, value), note ? h("span", { class: "tile-note" }, note) : null);
}

export function jobHref(id: string): string {
  return `/jobs/${segment(id)}`;
}

export function runHref(id: string): string {
  return `/runs/${segment(id)}`;
}

export function jobLink(job: { id: string; name: string | null } | null | undefined, fallbackId?: string): Child {
  const id = job?.id ?? fallbackId;
  if (!id) return "–";
  return h("a", { href: jobHref(id) }, job?.name ?? `Job ${id.split(":")[1] ?? id}`);
}

export function databricksLink(url: string | null | undefined, text = "Databricks run page"): Child {
  const href = safeUrl(url);
  if (!href) return null;
  return h("a", { href, target: "_blank", rel: "noopener noreferrer", class: "external" }, text, h("span", { class: "sr-only" }, " (opens in a new tab)"));
}

export function pager(first: string | null, next: string | null, label: string): HTMLElement | null {
  if (!first && !next) return null;
  return h(
    "nav",
    { class: "pager", "aria-label": label },
    first ? h("a", { href: first }, "« First page") : null,
    next ? h("a", { href: next, rel: "next", class: "next" }, "Next page »") : null,
  );
}

export function empty(text: string): HTMLElement {
  return h("p", { class: "empty" }, text);
}

export function loading(text = "Loading…"): HTMLElement {
  return h("p", { class: "loading", role: "status" }, text);
}

export function windowText(window: { start: string; end: string } | null | undefined): string {
  if (!window) return "";
  return `${window.start.slice(0, 10)} to ${window.end.slice(0, 16).replace("T", " ")} UTC`;
}

/** A cost as a table cell or fact: the amount, or words where an amount would mislead, with billing's horizon on hover. */
export function costCell(cost: CostFigureFragment): HTMLElement {
  const text = costText(cost);
  const worded = cost.attribution === "NOT_ATTRIBUTABLE" || text === "not billed yet";
  return h("span", { class: worded ? "cost-words" : "cost", title: costTitle(cost), "data-complete": String(cost.complete) }, text);
}
