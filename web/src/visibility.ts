// Whose view the pages show: every job, or the jobs the signed-in user may view (GQL_MONITOR_JOB_VISIBILITY). The
// API already leaves out what the user cannot see; these say so, so a team's figures are never read as the account's.

import { h } from "./dom";
import type { ViewerQuery } from "./generated/graphql";
import { session } from "./session";

type Visibility = ViewerQuery["viewer"]["jobVisibility"];

export function scopeText(v: Visibility): string {
  if (v.scope === "ALL_JOBS") return "all jobs";
  const n = v.visibleJobCount ?? 0;
  return `jobs you can view (${n})`;
}

function hidden(v: Visibility): string | null {
  if (!v.unreadableJobCount && !v.unreadableReasons.length) return null;
  const reasons = v.unreadableReasons.join(", ");
  if (!v.unreadableJobCount) return `No job could be checked (${reasons}).`;
  const jobs = v.unreadableJobCount === 1 ? "1 job is" : `${v.unreadableJobCount} jobs are`;
  return `${jobs} hidden because their permissions could not be read (${reasons}).`;
}

/** A note under a page's title when the user sees part of the account: empty for full-view users. */
export function scopeNote(what: string): HTMLElement {
  const note = h("p", { class: "scope-note", hidden: true });
  void session().then((s) => {
    const v = s.viewer?.jobVisibility;
    if (!v || v.scope === "ALL_JOBS") return;
    const why = hidden(v);
    note.replaceChildren(`Showing ${scopeText(v)}: ${what}`);
    if (why) note.append(h("span", { class: "badge warn" }, why));
    note.hidden = false;
  });
  return note;
}
