// One time window and one workspace for every page, kept in the URL (`window=7d`, or `start=`/`end=` days for a custom
// range, and `workspace=`). A link or a navigation that names neither carries the current ones along, so moving from
// page to page keeps them; a page asked for without any uses its own default (the costs page 30 days, the attention
// page 7), and the bar says which. Presets end where the data ends (session.ts), custom ranges are whole UTC days.

import { query } from "./api";
import { h } from "./dom";
import { dateTime } from "./format";
import { WorkspacesDocument, type TimeWindowInput, type WorkspacesQuery } from "./generated/graphql";
import { carryOver, navigate } from "./router";
import { lastDays, lastHours, type Session } from "./session";

export type Preset = "24h" | "7d" | "30d" | "90d";

export const PRESETS: { preset: Preset; label: string; hours: number }[] = [
  { preset: "24h", label: "24 h", hours: 24 },
  { preset: "7d", label: "7 days", hours: 7 * 24 },
  { preset: "30d", label: "30 days", hours: 30 * 24 },
  { preset: "90d", label: "90 days", hours: 90 * 24 },
];

/** The URL parameters this module owns. */
const PARAMS = ["window", "start", "end", "workspace"];
// Links that predate the shared window said `days=`; they still open on the same window.
const LEGACY_DAYS: Record<string, Preset> = { "1": "24h", "7": "7d", "30": "30d", "90": "90d" };
const DAY_MS = 86_400_000;
const MAX_DAYS = 366;
// A window that starts less than this before the data is not worth a note (the tables start mid-hour).
const PAST_THE_DATA_MS = 3_600_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const WORKSPACE = /^[\w-]{1,64}$/;

export interface Shared {
  /** A preset, "custom" (start and end days), or null when the URL names no window: the page's default applies. */
  preset: Preset | "custom" | null;
  /** Custom range: first and last UTC day, both included. */
  start: string | null;
  end: string | null;
  workspace: string | null;
}

export interface Effective {
  input: TimeWindowInput;
  /** "last 7 days", "2026-11-01 to 2026-11-15" */
  label: string;
  /** Where the window starts, when known in the browser (a preset before freshness is known is not). */
  start: Date | null;
  preset: Preset | "custom";
}

function validDay(value: string | null): string | null {
  if (!value || !DAY.test(value)) return null;
  const d = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value ? null : value;
}

export function sharedOf(search: URLSearchParams): Shared {
  const workspace = search.get("workspace");
  const base = { start: null, end: null, workspace: workspace && WORKSPACE.test(workspace) ? workspace : null };
  const start = validDay(search.get("start"));
  const end = validDay(search.get("end"));
  if (start && end) return { ...base, preset: "custom", start, end };
  const preset = search.get("window") as Preset | null;
  if (preset && PRESETS.some((p) => p.preset === preset)) return { ...base, preset };
  const legacy = LEGACY_DAYS[search.get("days") ?? ""];
  return { ...base, preset: legacy ?? null };
}

function write(params: URLSearchParams, shared: Shared): void {
  for (const name of [...PARAMS, "days"]) params.delete(name);
  if (shared.preset === "custom" && shared.start && shared.end) {
    params.set("start", shared.start);
    params.set("end", shared.end);
  } else if (shared.preset && shared.preset !== "custom") {
    params.set("window", shared.preset);
  }
  if (shared.workspace) params.set("workspace", shared.workspace);
}

/** A navigation to a page that names no window or workspace keeps the current ones (registered with the router). */
function carry(target: URL): void {
  if (target.pathname.startsWith("/api/") || PARAMS.some((name) => target.searchParams.has(name))) return;
  write(target.searchParams, sharedOf(new URLSearchParams(location.search)));
}

carryOver(carry);

/** A link within the app with the current window and workspace, unless it names its own: for hrefs, so that a link
 * opened in a new tab or copied keeps them too (a click goes through the router, which does the same). */
export function withShared(href: string): string {
  const url = new URL(href, location.href);
  carry(url);
  return url.pathname + url.search;
}

/** The current URL with another window or workspace: the page's own filters stay, its paging starts over. */
function hereWith(shared: Shared): string {
  const params = new URLSearchParams(location.search);
  params.delete("after");
  params.delete("from");
  write(params, shared);
  const text = params.toString();
  return text ? `${location.pathname}?${text}` : location.pathname;
}

export function effective(s: Session, shared: Shared, fallback: Preset): Effective {
  if (shared.preset === "custom" && shared.start && shared.end) {
    const start = new Date(`${shared.start}T00:00:00Z`);
    const end = new Date(new Date(`${shared.end}T00:00:00Z`).getTime() + DAY_MS);
    return {
      input: { start: start.toISOString(), end: end.toISOString() },
      label: shared.start === shared.end ? shared.start : `${shared.start} to ${shared.end}`,
      start,
      preset: "custom",
    };
  }
  const preset = shared.preset && shared.preset !== "custom" ? shared.preset : fallback;
  const hours = PRESETS.find((p) => p.preset === preset)!.hours;
  const input = hours < 48 ? lastHours(s, hours) : lastDays(s, hours / 24);
  return { input, label: presetLabel(preset), start: input.start ? new Date(input.start) : null, preset };
}

export function presetLabel(preset: Preset): string {
  return `last ${PRESETS.find((p) => p.preset === preset)!.label}`;
}

/** The page's window: the shared one when the URL names one, else the page's default. */
export function pageWindow(s: Session, search: URLSearchParams, fallback: Preset): Effective {
  return effective(s, sharedOf(search), fallback);
}

let workspaces: Promise<WorkspacesQuery["workspaces"]> | null = null;

/** The workspaces the caller may pick, asked once per page load. */
export function workspaceList(): Promise<WorkspacesQuery["workspaces"]> {
  if (!workspaces) workspaces = query(WorkspacesDocument).then((r) => r.data?.workspaces ?? null);
  return workspaces;
}

export interface BarOptions {
  /** The page's default preset; null where each panel has its own (the overview). */
  fallback: Preset | null;
  /** What the workspace choice does here: true (it narrows the page), or a sentence saying what it does not cover. */
  workspace: true | string | false;
}

/** The window and workspace controls at the top of a page, with where the data starts when the window reaches past it. */
export function windowBar(s: Session, search: URLSearchParams, options: BarOptions): HTMLElement {
  const shared = sharedOf(search);
  const current = shared.preset ?? options.fallback;
  const chips = PRESETS.map(({ preset, label }) => {
    const on = current === preset;
    return h("a", { href: hereWith({ ...shared, preset, start: null, end: null }), class: on ? "chip on" : "chip", "aria-current": on ? "true" : null, "data-preset": preset }, label);
  });

  const today = (s.end ?? new Date()).toISOString().slice(0, 10);
  const fromInput = h("input", { type: "date", id: "window-start", name: "start", value: shared.start ?? "", max: today });
  const toInput = h("input", { type: "date", id: "window-end", name: "end", value: shared.end ?? "", max: today });
  const problem = h("p", { class: "hint window-problem", role: "alert", hidden: true });
  const custom = h(
    "form",
    { class: "window-custom", action: location.pathname, method: "get" },
    h("label", { for: "window-start" }, "From"),
    fromInput,
    h("label", { for: "window-end" }, "to (UTC days, inclusive)"),
    toInput,
    h("button", { type: "submit" }, "Apply"),
  );
  custom.addEventListener("submit", (event) => {
    event.preventDefault();
    const start = validDay(fromInput.value);
    const end = validDay(toInput.value);
    const days = start && end ? (new Date(end).getTime() - new Date(start).getTime()) / DAY_MS + 1 : 0;
    const why = !start || !end ? "Give both days of the range." : days < 1 ? "The range ends before it starts." : days > MAX_DAYS ? `A window covers at most ${MAX_DAYS} days.` : null;
    problem.hidden = !why;
    problem.textContent = why ?? "";
    if (!why) navigate(hereWith({ ...shared, preset: "custom", start, end }));
  });

  const select = h("select", { id: "window-workspace", name: "workspace", disabled: options.workspace === false }, h("option", { value: "" }, "All workspaces"));
  if (shared.workspace) select.append(h("option", { value: shared.workspace, selected: true }, shared.workspace));
  void workspaceList().then((list) => {
    if (!list) return;
    select.replaceChildren(
      h("option", { value: "" }, "All workspaces"),
      ...list.map((w) => h("option", { value: w.id, selected: w.id === shared.workspace }, w.name ? `${w.name} (${w.id})` : w.id)),
    );
    if (shared.workspace && !list.some((w) => w.id === shared.workspace)) {
      select.append(h("option", { value: shared.workspace, selected: true }, `${shared.workspace} (not a workspace you can see)`));
    }
  });
  // Choosing a workspace fixes the window shown now too, so the next page keeps both.
  select.addEventListener("change", () => navigate(hereWith({ ...shared, preset: shared.preset ?? current, workspace: select.value || null })));

  const workspaceNote = typeof options.workspace === "string" && shared.workspace ? h("p", { class: "hint", id: "workspace-note" }, options.workspace) : null;
  return h(
    "div",
    { class: "window-bar", id: "window-bar", "data-preset": current ?? "", "data-workspace": shared.workspace ?? "" },
    h("div", { class: "filters" }, h("span", { class: "meta" }, "Window: "), chips,
      shared.preset === "custom" ? h("span", { class: "chip on", "aria-current": "true", id: "window-custom-range" }, effective(s, shared, "7d").label) : null,
      options.fallback === null && !shared.preset ? h("span", { class: "hint" }, " (each panel's usual window)") : null),
    h("details", { class: "window-more", open: shared.preset === "custom" ? true : null }, h("summary", null, "Custom range"), custom, problem),
    options.workspace === false ? null : h("div", { class: "window-workspace" }, h("label", { for: "window-workspace" }, "Workspace"), select),
    workspaceNote,
    dataStartNote(s, shared, options.fallback),
  );
}

/** Says where the data starts when the window reaches past it, so an empty start is not read as "nothing ran". */
function dataStartNote(s: Session, shared: Shared, fallback: Preset | null): HTMLElement | null {
  const f = s.freshness;
  if (!f) return null;
  const windows = fallback === null && !shared.preset ? [] : [effective(s, shared, fallback ?? "7d")];
  const start = windows[0]?.start;
  if (!start) return null;
  const late = (iso: string | null | undefined) => iso && new Date(iso).getTime() - start.getTime() > PAST_THE_DATA_MS ? iso : null;
  const runs = late(f.earliestRunPeriodStartTime);
  const usage = late(f.earliestUsageStartTime);
  if (!runs && !usage) return null;
  const parts = [runs ? `runs from ${dateTime(runs)}` : null, usage ? `billing from ${dateTime(usage)}` : null].filter(Boolean);
  return h("p", { class: "hint data-start", id: "data-start" }, `The window starts ${dateTime(start.toISOString())}, before the data: the system tables hold ${parts.join(" and ")}.`);
}

/** The shared workspace, for pages whose API fields take one. */
export function sharedWorkspace(search: URLSearchParams): string | null {
  return sharedOf(search).workspace;
}
