// The job page's insight panels: duration regression, SLA and schedule adherence. Each is its own operation, so
// one that cannot be answered leaves the others and the job's facts in place.

import { query, type GqlError } from "../api";
import { h, type Child } from "../dom";
import { count, dateTime, duration, money, percent, ratio } from "../format";
import { JobCostAnomaliesDocument, JobDurationDocument, JobScheduleDocument, JobSlaDocument, type JobCostAnomaliesQuery, type JobDurationQuery, type JobScheduleQuery, type JobSlaQuery, type TimeWindowInput } from "../generated/graphql";
import { errorBox, facts, runHref, settle, slot, table } from "../ui";

const SHOWN = 10;

type Trend = NonNullable<JobDurationQuery["job"]>["durationTrend"];
type Sla = NonNullable<NonNullable<JobSlaQuery["job"]>["sla"]>;
type Anomalies = NonNullable<JobCostAnomaliesQuery["job"]>["costAnomalies"];
type Adherence = NonNullable<NonNullable<JobScheduleQuery["job"]>["scheduleAdherence"]>;

/** A panel filled when its operation answers: `render` gets the field, or undefined when the job itself is missing. */
function asyncPanel<T>(id: string, heading: string, answer: Promise<{ value: T | null | undefined; errors: GqlError[] }>, render: (value: T | null) => Child): HTMLElement {
  const section = slot(id, heading);
  void answer.then(({ value, errors }) => {
    const failed = value === undefined;
    const body = failed ? [] : [render(value ?? null)].flat().filter((n): n is HTMLElement => n instanceof Node);
    settle(section, failed ? "error" : "done", errorBox(errors, !failed), ...body);
  });
  return section;
}

export function durationPanel(id: string): HTMLElement {
  const answer = query(JobDurationDocument, { id }).then((r) => ({ value: r.data?.job ? r.data.job.durationTrend : undefined, errors: r.errors }));
  return asyncPanel<Trend>("regression", "Duration against its history", answer, (t) => {
    if (!t) return null;
    const verdict = !t.judged
      ? h("p", { class: "hint" }, `Not judged: fewer than ${t.minRuns} successful runs in the recent period or the baseline.`)
      : t.regressed
        ? h("p", null, h("span", { class: "badge warn" }, "Regressed"), ` recent runs take ${ratio(t.ratio)} the baseline median (threshold ${t.regressionRatioThreshold}×)`)
        : h("p", null, h("span", { class: "badge ok" }, "Steady"), ` recent median ${ratio(t.ratio)} the baseline's (threshold ${t.regressionRatioThreshold}×)`);
    return h(
      "div",
      { id: "job-regression", "data-regressed": String(t.regressed) },
      verdict,
      facts([
        ["Recent median", `${duration(t.recentP50Seconds)} over ${count(t.recentRuns)} runs (${t.recent.start.slice(0, 10)} to ${t.recent.end.slice(0, 10)})`],
        ["Baseline median", `${duration(t.baselineP50Seconds)} over ${count(t.baselineRuns)} runs (${t.baseline.start.slice(0, 10)} to ${t.baseline.end.slice(0, 10)})`],
        ["Baseline p95", duration(t.baselineP95Seconds)],
      ]),
    );
  });
}

export function slaPanel(id: string, window: TimeWindowInput): HTMLElement {
  const answer = query(JobSlaDocument, { id, window }).then((r) => ({ value: r.data?.job ? r.data.job.sla : undefined, errors: r.errors }));
  return asyncPanel<Sla>("sla", "SLA", answer, (sla) => {
    if (!sla) return h("p", { class: "hint" }, "No SLA: the job has no SLA tag and no default SLA is set.");
    const breaches = sla.breaches.slice(0, SHOWN).map((b) => ({
      cells: [h("a", { href: runHref(b.runId), class: "nowrap" }, dateTime(b.startTime)), duration(b.durationSeconds), duration(b.overBySeconds)],
    }));
    const atRisk = sla.atRisk.map((r) => ({ cells: [h("a", { href: runHref(r.runId), class: "nowrap" }, dateTime(r.startTime)), duration(r.elapsedSeconds), percent(r.shareOfTarget, 0)] }));
    return h(
      "div",
      { id: "job-sla", "data-breaches": String(sla.breachCount) },
      facts([
        ["Target", sla.targetMinutes ? `${count(sla.targetMinutes)} minutes (${sla.source === "TAG" ? "from the job's tag" : "the default setting"})` : "none"],
        ["Breaches", `${count(sla.breachCount)} of ${count(sla.finishedRuns)} finished runs`],
        ...(sla.tagProblem ? ([["Tag ignored", sla.tagProblem]] as [string, string][]) : []),
      ]),
      atRisk.length ? table(`Running now past ${percent(sla.atRiskShare, 0)} of the target`, [{ label: "Started" }, { label: "Running for", numeric: true }, { label: "Of target", numeric: true }], atRisk) : null,
      breaches.length ? table(`Newest breaches${sla.breachCount > SHOWN ? ` (${SHOWN} of ${count(sla.breachCount)})` : ""}`, [{ label: "Started" }, { label: "Duration", numeric: true }, { label: "Over by", numeric: true }], breaches) : null,
    );
  });
}

export function schedulePanel(id: string, window: TimeWindowInput): HTMLElement {
  const answer = query(JobScheduleDocument, { id, window }).then((r) => ({ value: r.data?.job ? r.data.job.scheduleAdherence : undefined, errors: r.errors }));
  return asyncPanel<Adherence>("schedule", "Schedule adherence", answer, (a) => {
    if (!a) return h("p", { class: "hint" }, "No cron schedule recorded.");
    if (a.problem) return h("p", { class: "hint" }, `The schedule could not be evaluated: ${a.problem}`);
    const late = a.lateStarts.slice(0, SHOWN).map((l) => ({
      cells: [dateTime(l.expectedFireTime), h("a", { href: runHref(l.runId), class: "nowrap" }, dateTime(l.startTime)), duration(l.delaySeconds)],
    }));
    const missed = a.missedFireTimes.slice(0, SHOWN);
    return h(
      "div",
      { id: "job-schedule", "data-late": String(a.lateStartCount), "data-missed": String(a.missedFireCount) },
      facts([
        ["Schedule", h("span", null, h("code", null, a.quartzCronExpression), ` (${a.timezoneId})${a.paused ? ", paused" : ""}`)],
        ["Fire times judged", `${count(a.firesJudged)}: ${count(a.onTime)} on time, ${count(a.lateStartCount)} late, ${count(a.missedFireCount)} missed`],
        ["Not judged", `${count(a.firesPaused)} while paused, ${count(a.firesPending)} too recent for the tables${a.truncated ? "; the window holds more fire times than are judged" : ""}`],
        ["Checked through", a.checkedThrough ? dateTime(a.checkedThrough) : "–"],
      ]),
      late.length ? table("Late starts", [{ label: "Fire time" }, { label: "Started" }, { label: "Late by", numeric: true }], late) : null,
      missed.length ? h("div", null, h("h3", null, "Missed fire times"), h("ul", { class: "missed" }, missed.map((t) => h("li", null, dateTime(t))))) : null,
    );
  });
}

export function costAnomalyPanel(id: string, window: TimeWindowInput): HTMLElement {
  const answer = query(JobCostAnomaliesDocument, { id, window }).then((r) => ({ value: r.data?.job ? r.data.job.costAnomalies : undefined, errors: r.errors }));
  return asyncPanel<Anomalies>("cost-anomalies", "Cost anomalies", answer, (anomalies) => {
    if (!anomalies?.length) return h("p", { class: "hint", id: "job-cost-anomalies", "data-count": "0" }, "No run in the window cost more than the anomaly factor times the job's usual p90.");
    const rows = anomalies.slice(0, SHOWN).map((a) => ({
      cells: [
        a.run ? h("a", { href: runHref(a.run.id), class: "nowrap" }, dateTime(a.startTime)) : dateTime(a.startTime),
        money(a.runCost.amount, a.runCost.currency),
        money(a.baselineP90Cost.amount, a.baselineP90Cost.currency),
        ratio(a.ratio),
      ],
    }));
    return h(
      "div",
      { id: "job-cost-anomalies", "data-count": String(anomalies.length) },
      table(`Runs over ${anomalies[0].factor}× the usual p90 (${count(anomalies[0].baselineRuns)} baseline runs)`, [{ label: "Started" }, { label: "Run cost", numeric: true }, { label: "Usual p90", numeric: true }, { label: "Ratio", numeric: true }], rows),
    );
  });
}
