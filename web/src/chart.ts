// Hand-drawn SVG charts: two small charts do not justify a charting library's weight.

import { svg } from "./dom";
import { dateTime, day, duration, money } from "./format";
import type { TrendPointFragment } from "./generated/graphql";

const W = 720;
const H = 220;
const PAD = { left: 56, right: 64, top: 12, bottom: 28 };

function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const steps = [1, 2, 2.5, 5, 10];
  return (steps.find((s) => s * magnitude >= raw) ?? 10) * magnitude;
}

function durationStep(maxSeconds: number): number {
  const candidates = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400];
  return candidates.find((c) => c * 4 >= maxSeconds) ?? niceStep(maxSeconds, 4);
}

const STATE_KIND: Record<string, string> = { SUCCEEDED: "ok", FAILED: "bad", ERROR: "bad", TIMED_OUT: "bad" };

/** Durations of finished runs over their start times, with the window's p50 and p95 as reference lines. */
export function durationTrend(points: TrendPointFragment[], p50: number | null, p95: number | null, label: string): SVGElement {
  const finished = points
    .filter((p) => p.durationSeconds !== null && !p.inProgress)
    .map((p) => ({ ...p, t: new Date(p.startTime).getTime(), d: p.durationSeconds as number }))
    .sort((a, b) => a.t - b.t);
  const maxD = Math.max(1, ...finished.map((p) => p.d), p95 ?? 0);
  const step = durationStep(maxD);
  const top = Math.ceil((maxD * 1.05) / step) * step;
  const t0 = finished.length ? finished[0].t : 0;
  const t1 = finished.length > 1 ? finished[finished.length - 1].t : t0 + 1;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0 || 1)) * (W - PAD.left - PAD.right);
  const y = (d: number) => H - PAD.bottom - (d / top) * (H - PAD.top - PAD.bottom);

  const grid = [];
  for (let v = 0; v <= top + 1e-9; v += step) {
    grid.push(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "grid" }));
    grid.push(svg("text", { x: PAD.left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, duration(v)));
  }
  const refs = [];
  for (const [name, value] of [["p50", p50], ["p95", p95]] as const) {
    if (value === null) continue;
    refs.push(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(value), y2: y(value), class: `ref ref-${name}` }));
    refs.push(svg("text", { x: W - PAD.right + 4, y: y(value) + 4, class: `axis ref-label ref-${name}` }, `${name} ${duration(value)}`));
  }
  const xLabels = finished.length
    ? [
        svg("text", { x: PAD.left, y: H - 8, class: "axis" }, day(finished[0].startTime)),
        svg("text", { x: W - PAD.right, y: H - 8, class: "axis", "text-anchor": "end" }, day(finished[finished.length - 1].startTime)),
      ]
    : [];
  const path = finished.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.d).toFixed(1)}`).join(" ");
  const dots = finished.map((p) =>
    svg(
      "circle",
      { cx: x(p.t).toFixed(1), cy: y(p.d).toFixed(1), r: 3.5, class: `dot ${STATE_KIND[p.resultState ?? ""] ?? "muted"}` },
      svg("title", null, `${dateTime(p.startTime)}: ${duration(p.d)}, ${p.resultState ?? "in progress"}`),
    ),
  );
  return svg(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label, preserveAspectRatio: "xMidYMid meet" },
    grid,
    finished.length > 1 ? svg("path", { d: path, class: "trend" }) : null,
    refs,
    dots,
    xLabels,
  );
}

/** One bar per usage day. */
export function dailyBars(days: { date: string; listCost: { amount: string; currency?: string } }[], label: string): SVGElement {
  const values = days.map((d) => Number(d.listCost.amount));
  const max = Math.max(0, ...values);
  const step = max > 0 ? niceStep(max, 4) : 1;
  const top = Math.max(step, Math.ceil(max / step) * step);
  const inner = W - PAD.left - PAD.right;
  const band = inner / Math.max(1, days.length);
  const y = (v: number) => H - PAD.bottom - (Math.max(0, v) / top) * (H - PAD.top - PAD.bottom);
  const currency = days[0]?.listCost.currency ?? "USD";
  const grid = [];
  for (let v = 0; v <= top + 1e-9; v += step) {
    grid.push(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "grid" }));
    grid.push(svg("text", { x: PAD.left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, money(v, currency)));
  }
  const bars = days.map((d, i) =>
    svg(
      "rect",
      { x: (PAD.left + i * band + band * 0.15).toFixed(1), width: Math.max(1, band * 0.7).toFixed(1), y: y(values[i]).toFixed(1), height: (H - PAD.bottom - y(values[i])).toFixed(1), class: "bar" },
      svg("title", null, `${d.date}: ${money(d.listCost.amount, currency)}`),
    ),
  );
  const xLabels = days.length
    ? [
        svg("text", { x: PAD.left, y: H - 8, class: "axis" }, days[0].date),
        svg("text", { x: W - PAD.right, y: H - 8, class: "axis", "text-anchor": "end" }, days[days.length - 1].date),
      ]
    : [];
  return svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label }, grid, bars, xLabels);
}
