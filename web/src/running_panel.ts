// The "Running now" panels of the overview and the job page: runs in progress with how long they have run against
// their job's usual p50/p95, flagged "longer than usual", kept current by the active-runs feed. Rows are updated in
// place (a focused row keeps the focus); a run that ends moves to the page's history with its outcome from the Jobs
// API. Between updates each run's age ticks on by the monitor's clock, and its flags are judged again by the API's
// rules (`longerThanUsualAfterSeconds`, `sla.atRiskAfterSeconds`): updates come when a run's state changes, not when
// it crosses its usual p95.

import { query } from "./api";
import { h } from "./dom";
import { dateTime, duration, humanize, percent } from "./format";
import { LiveRunDocument, type LiveRunQuery } from "./generated/graphql";
import { ageOf, longerThanUsual, serverClock, slaAt, type ActiveRun, type ActiveRunsFeed, type ActiveRunsSnapshot, type EndedRun, type ServerClock } from "./running";
import { databricksLink, empty, errorBox, jobLink, runHref, settle, slot, stateBadge, table } from "./ui";

export type Outcome = NonNullable<LiveRunQuery["liveRun"]> | NonNullable<EndedRun["live"]>;

export interface Finished {
  run: ActiveRun;
  /** What the Jobs API says now; null when it could not say (another workspace, or the call failed). */
  outcome: Outcome | null;
  /** How long it had run when last seen running. */
  ranSeconds: number | null;
}

export interface RunningPanelOptions {
  id: string;
  heading: string;
  intro: string;
  feed: ActiveRunsFeed;
  /** Only this job's runs (the job page). */
  jobId?: string;
  /** A run has finished: the page puts it in its history. */
  onFinished?: (finished: Finished) => void;
  /** The number of runs shown changed (the overview's tile). */
  onCount?: (text: string, runs: number | null) => void;
  /** A monotonic clock in ms: ages tick on between updates. */
  now?: () => number;
}

const TICK_MS = 1000;
const NEVER_SHOWN_MS = 60_000;

interface Row {
  tr: HTMLTableRowElement;
  run: ActiveRun;
}

export function runningPanel(o: RunningPanelOptions): HTMLElement {
  const now = o.now ?? (() => performance.now());
  const section = slot(o.id, o.heading, o.intro);
  const rows = new Map<string, Row>();
  // On a job's own page every run is that job's: no Job column.
  const withJob = !o.jobId;
  const wrap = table("", [{ label: "Run" }, ...(withJob ? [{ label: "Job" }] : []), { label: "State" }, { label: "Started" }, { label: "Running for" }, { label: "Databricks" }], []);
  wrap.id = `${o.id}-runs`;
  const body = wrap.querySelector("tbody")!;
  const caption = wrap.querySelector("caption")!;
  const nothing = empty("Nothing is running.");
  const problems = h("div", { class: "feed-errors" });
  let clock: ServerClock | null = null;
  let updates = 0;
  const serverNow = () => (clock ? clock.at(now()) : null);
  void serverClock(now).then((c) => {
    clock = c;
    for (const row of rows.values()) tickAge(row, serverNow());
  });

  // The panel is built before its page is shown, and a page superseded by another navigation is never shown: it
  // stops once it has left the document, or if it never arrived.
  const created = now();
  let shown = false;
  const gone = () => {
    if (section.isConnected) shown = true;
    return !section.isConnected && (shown || now() - created > NEVER_SHOWN_MS);
  };

  const render = (s: ActiveRunsSnapshot) => {
    if (gone()) return stop();
    updates += 1;
    section.dataset.updates = String(updates);
    if (s.errors.length && updates === 1 && !s.runs.length) {
      o.onCount?.("–", null);
      settle(section, "error", errorBox(s.errors));
      return;
    }
    // After a failed update the runs are the last known ones: they stay, with the error above them.
    problems.replaceChildren(errorBox(s.errors, true) ?? "");
    const runs = o.jobId ? s.runs.filter((r) => r.jobId === o.jobId) : s.runs;
    const seen = new Set(runs.map((r) => r.id));
    const ended = new Map(s.ended.map((e) => [e.id, e]));
    for (const [id, row] of rows) {
      if (seen.has(id)) continue;
      rows.delete(id);
      row.tr.remove();
      void finish(row.run, ended.get(id)?.live ?? null);
    }
    let before: ChildNode | null = body.firstChild;
    for (const run of runs) {
      let row = rows.get(run.id);
      if (!row) {
        row = { tr: h("tr", { "data-run-id": run.id }), run };
        rows.set(run.id, row);
      }
      row.run = run;
      fill(row, withJob, serverNow());
      // Moved only when out of order: moving a focused row would take its focus away.
      if (row.tr !== before) body.insertBefore(row.tr, before);
      before = row.tr.nextSibling;
    }
    caption.textContent = `${runs.length} run${runs.length === 1 ? "" : "s"} in progress`;
    o.onCount?.(String(runs.length), runs.length);
    if (section.dataset.state !== "done") settle(section, "done", problems, nothing, wrap);
    nothing.hidden = runs.length > 0;
    wrap.hidden = runs.length === 0;
  };

  // The final state comes with the update when the monitor knows it; else the Jobs API is asked.
  const finish = async (run: ActiveRun, known: Outcome | null) => {
    const ranSeconds = ageOf(run, serverNow());
    const outcome = known ?? (await query(LiveRunDocument, { id: run.id })).data?.liveRun ?? null;
    o.onFinished?.({ run, outcome, ranSeconds });
  };

  const tick = setInterval(() => {
    if (gone()) return stop();
    const at = serverNow();
    for (const row of rows.values()) tickAge(row, at);
  }, TICK_MS);
  const unwatch = o.feed.watch(render);
  function stop(): void {
    clearInterval(tick);
    unwatch();
  }
  return section;
}

function fill(row: Row, withJob: boolean, serverMs: number | null): void {
  const run = row.run;
  const cells = [
    h("a", { href: runHref(run.id) }, run.runName ?? `Run ${run.runId}`),
    withJob ? jobLink(run.job, run.jobId) : false,
    stateBadge(run.lifeCycleState),
    h("span", { class: "nowrap" }, dateTime(run.startTime)),
    age(run),
    databricksLink(run.runPageUrl, "Open") ?? "–",
  ];
  row.tr.replaceChildren(...cells.filter((c) => c !== false).map((c) => h("td", null, c)));
  tickAge(row, serverMs);
}

/** Elapsed time against the job's usual p50 and p95, the "longer than usual" flag and the SLA's share. */
function age(run: ActiveRun): HTMLElement {
  const p50 = run.usualP50Seconds;
  const p95 = run.usualP95Seconds;
  const usual = p50 !== null || p95 !== null
    ? h("span", { class: "sub" }, [p50 !== null ? `usually ${duration(p50)} (p50)` : null, p95 !== null ? `under ${duration(p95)} (p95)` : null].filter(Boolean).join(", "))
    : h("span", { class: "sub" }, "no usual duration yet");
  const marks = h("span", { class: "usual-track", "aria-hidden": "true" },
    h("span", { class: "usual-fill" }),
    p50 !== null ? h("span", { class: "usual-mark p50" }) : null,
    p95 !== null ? h("span", { class: "usual-mark p95" }) : null);
  return h(
    "span",
    { class: "stacked", "data-longer": String(run.longerThanUsual) },
    h("span", { class: "elapsed" }, "–"),
    h("span", { class: "badge warn longer", hidden: true }, "longer than usual"),
    marks,
    usual,
    run.sla ? h("span", { class: "sub sla", "data-sla-at-risk": String(run.sla.atRisk) }, h("span", { class: "badge bad", hidden: true }, "SLA at risk"), h("span", { class: "share" })) : null,
  );
}

/** The age and what follows from it: the text, the bar (to past p95, marks at p50 and p95), the flags, the SLA share. */
function tickAge({ tr, run }: Row, serverMs: number | null): void {
  const seconds = ageOf(run, serverMs);
  const text = tr.querySelector<HTMLElement>(".elapsed");
  if (!text) return;
  text.textContent = duration(seconds);
  const longer = longerThanUsual(run, seconds);
  tr.querySelector<HTMLElement>("[data-longer]")!.dataset.longer = String(longer);
  tr.querySelector<HTMLElement>(".badge.longer")!.hidden = !longer;
  const sla = slaAt(run, seconds);
  const slaNode = tr.querySelector<HTMLElement>(".sla");
  if (sla && slaNode && run.sla) {
    slaNode.dataset.slaAtRisk = String(sla.atRisk);
    slaNode.querySelector<HTMLElement>(".badge")!.hidden = !sla.atRisk;
    slaNode.querySelector<HTMLElement>(".share")!.textContent = ` ${percent(sla.share, 0)} of its ${duration(run.sla.targetMinutes * 60)} SLA`;
  }
  const track = tr.querySelector<HTMLElement>(".usual-track");
  if (!track) return;
  const p95 = run.usualP95Seconds ?? run.usualP50Seconds;
  if (seconds === null || p95 === null) {
    track.hidden = true;
    return;
  }
  const top = Math.max(p95 * 1.25, seconds, 1);
  const at = (v: number) => `${Math.min(100, (v / top) * 100).toFixed(2)}%`;
  track.querySelector<HTMLElement>(".usual-fill")!.style.width = at(seconds);
  track.classList.toggle("over", run.usualP95Seconds !== null && seconds > run.usualP95Seconds);
  const p50 = track.querySelector<HTMLElement>(".p50");
  if (p50 && run.usualP50Seconds !== null) p50.style.left = at(run.usualP50Seconds);
  const p95Mark = track.querySelector<HTMLElement>(".p95");
  if (p95Mark && run.usualP95Seconds !== null) p95Mark.style.left = at(run.usualP95Seconds);
}

/** The Jobs API's outcome as a badge: the result when it has one, else its life-cycle state. */
export function outcomeBadge(outcome: Outcome | null): HTMLElement {
  if (!outcome) return h("span", { class: "sub" }, "ended (outcome unknown)");
  return stateBadge(outcome.resultState ?? outcome.lifeCycleState);
}

/** The overview's history: the runs that finished while the page was open, newest first. */
export function finishedTable(id: string): { node: HTMLElement; add: (f: Finished) => void } {
  const wrap = table("Finished since this page opened (from the Jobs API; the system tables record them within minutes)",
    [{ label: "Run" }, { label: "Job" }, { label: "Outcome" }, { label: "Ran for", numeric: true }, { label: "Databricks" }], []);
  wrap.id = id;
  wrap.hidden = true;
  const body = wrap.querySelector("tbody")!;
  return {
    node: wrap,
    add({ run, outcome, ranSeconds }) {
      body.prepend(h("tr", { "data-run-id": run.id, "data-outcome": outcome?.resultState ?? outcome?.lifeCycleState ?? "" },
        h("td", null, h("a", { href: runHref(run.id) }, run.runName ?? `Run ${run.runId}`)),
        h("td", null, jobLink(run.job, run.jobId)),
        h("td", null, outcomeBadge(outcome), outcome?.stateMessage ? h("span", { class: "sub message" }, outcome.stateMessage) : null),
        h("td", { class: "num" }, ranSeconds === null ? "–" : `about ${duration(ranSeconds)}`),
        h("td", null, databricksLink(run.runPageUrl, "Open") ?? "–")));
      wrap.hidden = false;
    },
  };
}

/**
 * A finished run as a row of the job page's run list (Started, State, Termination, Duration, Repairs, Trigger,
 * Cost), marked as known from the Jobs API until the tables record it.
 */
export function jobHistoryRow({ run, outcome, ranSeconds }: Finished): HTMLTableRowElement {
  const cells = [
    h("a", { href: runHref(run.id), class: "nowrap" }, dateTime(run.startTime)),
    h("span", { class: "stacked" }, outcomeBadge(outcome), h("span", { class: "sub" }, "just finished")),
    humanize(outcome?.terminationCode),
    ranSeconds === null ? "–" : `about ${duration(ranSeconds)}`,
    "–",
    "–",
    h("span", { class: "cost-words", title: "The system tables and billing record a run minutes to hours after it ends" }, "not in the tables yet"),
  ];
  return h("tr", { class: "just-finished", "data-run-id": run.id, "data-outcome": outcome?.resultState ?? outcome?.lifeCycleState ?? "" },
    cells.map((c, i) => h("td", { class: i === 3 || i === 4 || i === 6 ? "num" : null }, c)));
}
