// The job page's health panel: the priority the rule gives the job now and the conditions behind it.

import { query } from "../api";
import { h } from "../dom";
import { count, dateTime, duration, humanize, percent } from "../format";
import { JobHealthDocument, type JobHealthQuery } from "../generated/graphql";
import { errorBox, facts, runHref, settle, slot } from "../ui";

type Health = NonNullable<JobHealthQuery["job"]>["health"];

export const PRIORITY_BADGE: Record<string, string> = { P1: "bad", P2: "warn", P3: "info", HEALTHY: "ok" };

export function priorityBadge(priority: string): HTMLElement {
  return h("span", { class: `badge ${PRIORITY_BADGE[priority] ?? "muted"}` }, priority === "HEALTHY" ? "Healthy" : priority);
}

/** A panel that fills itself when the health operation answers. */
export function healthPanel(id: string): HTMLElement {
  const section = slot("health", "Health now");
  void query(JobHealthDocument, { id }).then((r) => {
    const health = r.data?.job?.health ?? null;
    settle(section, health ? "done" : "error", errorBox(r.errors, !!health), health ? body(health) : null);
  });
  return section;
}

function rate(outcomes: Health["last7Days"]): string {
  return `${percent(outcomes.successRate)} of ${count(outcomes.finishedRuns)} finished (${count(outcomes.failedRuns)} failed)`;
}

function body(health: Health): HTMLElement {
  const reasons = health.reasons.length
    ? h("ul", { class: "reasons" }, health.reasons.map((r) => h("li", null, priorityBadge(r.priority), " ", humanize(r.rule), ": ",
        r.rule === "FAILURE_STREAK" ? `${count(r.value)} failed runs in a row` : r.rule === "LATEST_RUN_FAILED" ? "the latest finished run failed" : `success rate ${percent(r.value)}`,
        r.threshold === null ? "" : ` (threshold ${r.rule === "FAILURE_STREAK" ? count(r.threshold) : percent(r.threshold)})`)))
    : h("p", { class: "hint" }, "No condition of the health rule holds.");
  return h(
    "div",
    { id: "job-health", "data-priority": health.priority },
    h("p", null, priorityBadge(health.priority), " as of ", dateTime(health.asOf)),
    reasons,
    facts([
      ["Last 7 days", rate(health.last7Days)],
      ["Last 30 days", rate(health.last30Days)],
      ["Failure streak", health.failureStreak ? h("span", null, `${count(health.failureStreak)} since ${dateTime(health.failingSince)}`, health.latestFailure ? [" · ", h("a", { href: runHref(health.latestFailure.id) }, "latest failure")] : null) : "none"],
      ["Last success", health.lastSuccessTime ? `${dateTime(health.lastSuccessTime)} (${duration(health.secondsSinceLastSuccess)} ago)` : "none in 30 days"],
    ]),
  );
}
