// The overview's failure breakdown and data quality panels, each its own operation.

import { query } from "../api";
import { h } from "../dom";
import { count, dateTime, humanize, money, percent } from "../format";
import { DataQualityDocument, FailuresDocument, type TimeWindowInput } from "../generated/graphql";
import { empty, errorBox, facts, jobLink, runHref, settle, slot, table } from "../ui";

export function failuresPanel(window: TimeWindowInput, label: string): HTMLElement {
  const section = slot("failures", `Failures by cause, ${label}`, "Failed runs (FAILED, ERROR, TIMED_OUT) grouped by termination code, with the jobs that fail most and the newest runs of each group.");
  void query(FailuresDocument, { window }).then((r) => {
    const f = r.data?.failures;
    if (!f) return settle(section, "error", errorBox(r.errors));
    if (!f.failedRuns) return settle(section, "done", empty("No failed runs in the window."));
    const rows = f.byTerminationCode.map((g) => ({
      attrs: { "data-code": g.key ?? "" },
      cells: [
        humanize(g.key) === "–" ? "not recorded" : humanize(g.key),
        count(g.failedRuns),
        h("span", null, g.jobs.map((j, i) => [i ? ", " : "", jobLink(j.job), ` (${count(j.failedRuns)})`]), g.jobCount > g.jobs.length ? h("span", { class: "sub" }, ` and ${count(g.jobCount - g.jobs.length)} more`) : null),
        h("span", null, g.recentRuns.map((run, i) => [i ? ", " : "", h("a", { href: runHref(run.id), class: "nowrap" }, dateTime(run.startTime))])),
      ],
    }));
    const types = h("p", { class: "hint" }, "By termination type: ", f.byTerminationType.map((t, i) => [i ? ", " : "", `${humanize(t.key)} ${count(t.failedRuns)}`]));
    settle(section, "done", errorBox(r.errors, true),
      table(`${count(f.failedRuns)} failed runs by termination code`, [{ label: "Termination code" }, { label: "Failed runs", numeric: true }, { label: "Jobs failing most" }, { label: "Newest runs" }], rows),
      types);
  });
  return section;
}

export function dataQualityPanel(window: TimeWindowInput, label: string): HTMLElement {
  const section = slot("data-quality", `What the tables cannot attribute, ${label}`, "Blind spots of the system tables, counted rather than hidden.");
  void query(DataQualityDocument, { window }).then((r) => {
    const q = r.data?.dataQuality;
    if (!q) return settle(section, "error", errorBox(r.errors));
    const currency = q.spend.total.currency ?? "USD";
    settle(section, "done", errorBox(r.errors, true), facts([
      ["Jobs seen", count(q.jobsSeen)],
      ["Not in the jobs table", h("span", { id: "dq-missing" }, count(q.jobsNotInJobsTableCount), h("span", { class: "sub" }, " aged out of its 365-day retention or never listed; named from usage or runs"))],
      ["Runs without usage", h("span", { id: "dq-no-usage" }, `${count(q.jobsWithoutUsageCount)} jobs`, h("span", { class: "sub" }, " their runs carry no usage record with their job id (all-purpose compute, or not billed yet)"))],
      ["Spend no job can be charged for", h("span", { id: "dq-unattributed" }, money(q.spend.unattributedToJobs.amount, currency), q.spend.unattributedShare === null ? null : ` (${percent(q.spend.unattributedShare)} of ${money(q.spend.total.amount, currency)})`)],
    ]));
  });
  return section;
}
