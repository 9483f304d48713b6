// A run's task runs on one time axis, hand-drawn in SVG like the other charts. Each attempt (the original execution
// and every repair) is its own band of rows under a header bar; a repair that started hours after the failure it
// repairs would squash every task into a sliver, so long waits between attempts are cut out of the axis and drawn
// as a break that says how long the wait was. Phases are drawn where the system tables record them: setup, execution
// and cleanup for each task run, and queue/setup/execution/cleanup for the run's latest attempt.

import { svg } from "./dom";
import { clock, duration } from "./format";

export interface GanttTask {
  id: string;
  key: string;
  attempt: number;
  start: string;
  end: string | null;
  /** Seconds covered so far: where an unfinished bar ends. */
  durationSeconds: number | null;
  state: string | null;
  setupSeconds?: number | null;
  executionSeconds?: number | null;
  cleanupSeconds?: number | null;
  dependsOn: string[];
  error?: string | null;
}

export interface GanttAttempt {
  number: number;
  start: string;
  end: string | null;
  durationSeconds: number | null;
  state: string | null;
  /** Phases of this attempt, where recorded (the run's latest end row holds them for its latest attempt). */
  phases?: { name: string; seconds: number | null }[];
}

const LABEL_W = 190;
const W = 1000;
const ROW = 22;
const BAR = 14;
const HEAD = 26;
const AXIS = 26;
const BREAK_W = 36;
const RIGHT = 12;

const STATE_KIND: Record<string, string> = {
  SUCCEEDED: "ok", SUCCESS: "ok", FAILED: "bad", ERROR: "bad", TIMED_OUT: "bad", UPSTREAM_FAILED: "bad",
  INTERNAL_ERROR: "bad", CANCELLED: "muted", CANCELED: "muted", SKIPPED: "muted", EXCLUDED: "muted",
};

export function stateKind(state: string | null, inProgress: boolean): string {
  if (inProgress) return "live";
  return state ? STATE_KIND[state] ?? "muted" : "muted";
}

export function attemptName(number: number): string {
  return number === 1 ? "Original" : `Repair ${number - 1}`;
}

interface Span { t0: number; t1: number }
interface Piece extends Span { x0: number; x1: number }

const ms = (iso: string) => new Date(iso).getTime();

/** Where a task run's bar ends: its end row, else as far as its slices cover so far. */
function taskEnd(t: GanttTask): number {
  if (t.end) return ms(t.end);
  return ms(t.start) + (t.durationSeconds ?? 0) * 1000;
}

function attemptEnd(a: GanttAttempt, tasks: GanttTask[]): number {
  const ends = tasks.map(taskEnd);
  const own = a.end ? ms(a.end) : ms(a.start) + (a.durationSeconds ?? 0) * 1000;
  return Math.max(own, ms(a.start), ...ends);
}

/**
 * The axis in pieces: each attempt's span, with waits between attempts kept to scale when they are short and cut to
 * a fixed-width break when they are long (more than a fifth of the time the attempts ran, and a minute).
 */
export function pieces(spans: Span[], width: number): { pieces: Piece[]; breaks: { x: number; seconds: number }[] } {
  const sorted = [...spans].sort((a, b) => a.t0 - b.t0);
  const active = sorted.reduce((sum, s) => sum + Math.max(0, s.t1 - s.t0), 0);
  const merged: Span[] = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && s.t0 - last.t1 <= Math.max(60_000, active * 0.2)) last.t1 = Math.max(last.t1, s.t1);
    else merged.push({ ...s });
  }
  const breaks = merged.length - 1;
  const total = merged.reduce((sum, s) => sum + Math.max(1, s.t1 - s.t0), 0);
  const room = width - breaks * BREAK_W;
  const out: Piece[] = [];
  const gaps: { x: number; seconds: number }[] = [];
  let x = 0;
  merged.forEach((s, i) => {
    if (i > 0) {
      gaps.push({ x, seconds: (s.t0 - merged[i - 1].t1) / 1000 });
      x += BREAK_W;
    }
    const w = (Math.max(1, s.t1 - s.t0) / total) * room;
    out.push({ ...s, x0: x, x1: x + w });
    x += w;
  });
  return { pieces: out, breaks: gaps };
}

function scale(ps: Piece[]): (t: number) => number {
  return (t: number) => {
    const p = ps.find((q) => t <= q.t1) ?? ps[ps.length - 1];
    const clamped = Math.min(Math.max(t, p.t0), p.t1);
    return p.x0 + ((clamped - p.t0) / Math.max(1, p.t1 - p.t0)) * (p.x1 - p.x0);
  };
}

const STEPS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

function ticks(p: Piece): number[] {
  const seconds = (p.t1 - p.t0) / 1000;
  const room = Math.max(1, Math.floor((p.x1 - p.x0) / 80));
  const step = (STEPS.find((s) => seconds / s <= room) ?? 86400) * 1000;
  const out = [];
  for (let t = Math.ceil(p.t0 / step) * step; t <= p.t1; t += step) out.push(t);
  return out;
}

/** Which earlier task run a dependency arrow starts from: the latest run of the upstream key that started first. */
function upstreamOf(task: GanttTask, key: string, tasks: GanttTask[]): GanttTask | undefined {
  const start = ms(task.start);
  return tasks
    .filter((u) => u.key === key && u !== task && ms(u.start) <= start && u.attempt <= task.attempt)
    .sort((a, b) => ms(b.start) - ms(a.start))[0];
}

function phaseSegments(x0: number, x1: number, phases: { name: string; seconds: number | null }[]): { name: string; x: number; w: number }[] {
  const known = phases.filter((p) => (p.seconds ?? 0) > 0);
  const sum = known.reduce((s, p) => s + (p.seconds ?? 0), 0);
  if (!sum) return [];
  let x = x0;
  return known.map((p) => {
    const w = ((p.seconds ?? 0) / sum) * (x1 - x0);
    const seg = { name: p.name, x, w };
    x += w;
    return seg;
  });
}

function tooltip(t: GanttTask, name: string): string {
  const parts = [`${name} (${attemptName(t.attempt).toLowerCase()})`, `${clock(ms(t.start), true)}–${t.end ? clock(ms(t.end), true) : "running"} UTC`, duration(t.durationSeconds), t.state ?? "in progress"];
  const phases = [["setup", t.setupSeconds], ["execution", t.executionSeconds], ["cleanup", t.cleanupSeconds]].filter(([, v]) => v !== null && v !== undefined);
  if (phases.length) parts.push(phases.map(([n, v]) => `${n} ${duration(v as number)}`).join(", "));
  if (t.error) parts.push(t.error.split("\n")[0]);
  return parts.join(" · ");
}

/** The timeline. `label` is its text alternative's summary; the task table on the page holds the figures. */
export function gantt(attempts: GanttAttempt[], tasks: GanttTask[], label: string): SVGElement {
  const ordered = [...attempts].sort((a, b) => a.number - b.number);
  const byAttempt = new Map(ordered.map((a) => [a.number, tasks.filter((t) => t.attempt === a.number).sort((x, y) => ms(x.start) - ms(y.start) || x.key.localeCompare(y.key))]));
  const spans = ordered.map((a) => ({ t0: ms(a.start), t1: attemptEnd(a, byAttempt.get(a.number) ?? []) }));
  const chartW = W - LABEL_W - RIGHT;
  const axis = pieces(spans.length ? spans : [{ t0: 0, t1: 1 }], chartW);
  const x = (t: number) => LABEL_W + scale(axis.pieces)(t);

  // Rows: a header per attempt, then its task runs; a key run twice in one attempt (a retry) says which try it is.
  const rows: SVGElement[] = [];
  const centre = new Map<GanttTask, number>();
  let y = AXIS;
  for (const a of ordered) {
    const own = byAttempt.get(a.number) ?? [];
    const head = svg("g", { class: "gantt-attempt", "data-attempt": a.number });
    const x0 = x(ms(a.start));
    const x1 = Math.max(x0 + 2, x(attemptEnd(a, own)));
    head.append(
      svg("text", { x: 4, y: y + HEAD / 2 + 4, class: "gantt-head-label" }, attemptName(a.number)),
      svg("rect", { x: x0, y: y + 7, width: x1 - x0, height: 9, rx: 2, class: `gantt-span ${stateKind(a.state, !a.end)}` },
        svg("title", null, `${attemptName(a.number)}: ${clock(ms(a.start), true)}–${a.end ? clock(ms(a.end), true) : "running"} UTC, ${duration(a.durationSeconds)}, ${a.state ?? "in progress"}`)),
      // The phases as a strip under the attempt's bar, which keeps its outcome's colour.
      ...phaseSegments(x0, x1, a.phases ?? []).map((s) => svg("rect", { x: s.x, y: y + 18, width: Math.max(0.5, s.w), height: 4, class: `gantt-phase ${s.name}` }, svg("title", null, `${s.name}: ${duration(a.phases!.find((p) => p.name === s.name)!.seconds)}`))),
    );
    rows.push(head);
    y += HEAD;
    const seen = new Map<string, number>();
    for (const t of own) {
      const n = (seen.get(t.key) ?? 0) + 1;
      seen.set(t.key, n);
      const name = n > 1 ? `${t.key} (try ${n})` : t.key;
      const kind = stateKind(t.state, !t.end);
      const bx0 = x(ms(t.start));
      const bx1 = Math.max(bx0 + 2, x(taskEnd(t)));
      const top = y + (ROW - BAR) / 2;
      centre.set(t, y + ROW / 2);
      const phases = phaseSegments(bx0, bx1, [
        { name: "setup", seconds: t.setupSeconds ?? null },
        { name: "execution", seconds: t.executionSeconds ?? null },
        { name: "cleanup", seconds: t.cleanupSeconds ?? null },
      ]).filter((s) => s.name !== "execution");
      rows.push(
        svg(
          "g",
          { class: `gantt-task ${kind}`, "data-task-id": t.id, "data-task-key": t.key, "data-attempt": a.number },
          svg("title", null, tooltip(t, name)),
          svg("text", { x: 16, y: y + ROW / 2 + 4, class: "gantt-label" }, name.length > 24 ? `${name.slice(0, 23)}…` : name),
          svg("rect", { x: bx0, y: top, width: bx1 - bx0, height: BAR, rx: 2, class: `gantt-bar ${kind}` }),
          phases.map((s) => svg("rect", { x: s.x, y: top, width: Math.max(0.5, s.w), height: BAR, class: `gantt-phase ${s.name}` })),
          t.error ? svg("text", { x: bx1 + 4, y: y + ROW / 2 + 4, class: "gantt-flag" }, "!") : null,
        ),
      );
      y += ROW;
    }
  }
  const height = y + 6;

  // Dependencies: from the end of the upstream task run to the start of the one that waited for it.
  const links: SVGElement[] = [];
  for (const t of tasks) {
    for (const key of t.dependsOn) {
      const u = upstreamOf(t, key, tasks);
      if (!u || !centre.has(u) || !centre.has(t)) continue;
      const ux = x(taskEnd(u));
      const tx = x(ms(t.start));
      const mid = Math.max(ux + 3, tx - 6);
      links.push(svg("path", { d: `M${ux.toFixed(1)},${centre.get(u)!.toFixed(1)} H${mid.toFixed(1)} V${centre.get(t)!.toFixed(1)} H${(tx - 1).toFixed(1)}`, class: "gantt-dep" }));
    }
  }

  const grid: SVGElement[] = [];
  for (const p of axis.pieces) {
    const short = p.t1 - p.t0 < 20 * 60_000;
    for (const t of ticks(p)) {
      grid.push(svg("line", { x1: x(t), x2: x(t), y1: AXIS - 4, y2: height, class: "grid" }));
      grid.push(svg("text", { x: x(t), y: AXIS - 8, class: "axis", "text-anchor": "middle" }, clock(t, short)));
    }
  }
  const breaks = axis.breaks.map((b) =>
    svg("g", { class: "gantt-break" },
      svg("rect", { x: LABEL_W + b.x + 4, y: AXIS - 4, width: BREAK_W - 8, height: height - AXIS + 4 }),
      svg("text", { x: LABEL_W + b.x + BREAK_W / 2, y: AXIS - 8, class: "axis", "text-anchor": "middle" }, "⋯"),
      svg("title", null, `${duration(b.seconds)} between attempts, left out of the axis`)),
  );

  return svg(
    "svg",
    { viewBox: `0 0 ${W} ${height}`, class: "chart gantt", role: "img", "aria-label": label, preserveAspectRatio: "xMinYMin meet" },
    grid,
    breaks,
    links,
    rows,
    svg("text", { x: 4, y: AXIS - 8, class: "axis" }, "UTC"),
  );
}
