// CSV export of a whole paged list, not only the page on screen: the pages are fetched one after another with the
// API's cursors, and each is turned into CSV text and stored as a Blob as it arrives, so the rows never pile up as
// objects and the browser may keep the parts out of memory. The file is offered once the last page is in; a failed
// page stops the export with its error, never a silently short file.

import type { GqlError } from "./api";
import { csvHeader, csvRows, download, type Cell } from "./csv";
import { h } from "./dom";
import { count } from "./format";
import { errorBox } from "./ui";

export interface ExportPage {
  rows: Cell[][];
  next: string | null;
  total: number;
}

export interface ExportSpec {
  id: string;
  /** What is exported, for the button: "runs", "jobs". */
  noun: string;
  header: string[];
  numeric: boolean[];
  filename: () => string;
  /** One page after the cursor (null: the first), or the errors that stopped it. */
  page: (after: string | null) => Promise<ExportPage | GqlError[]>;
}

export function exportControl(spec: ExportSpec, total: number): HTMLElement {
  const button = h("button", { type: "button", id: spec.id, disabled: !total }, `Export CSV (${count(total)} ${spec.noun})`);
  const cancel = h("button", { type: "button", class: "link", hidden: true }, "Cancel");
  const status = h("span", { class: "hint", role: "status", "aria-live": "polite" });
  const problem = h("div");
  const wrap = h("div", { class: "toolbar", "data-export": "idle" }, button, cancel, status, problem);
  let stopped = false;
  cancel.addEventListener("click", () => {
    stopped = true;
  });
  button.addEventListener("click", async () => {
    stopped = false;
    button.disabled = true;
    cancel.hidden = false;
    problem.replaceChildren();
    wrap.dataset.export = "running";
    const parts: Blob[] = [new Blob([csvHeader(spec.header)])];
    let after: string | null = null;
    let written = 0;
    let outcome: "done" | "cancelled" | "error" = "done";
    for (;;) {
      const page = await spec.page(after);
      if (Array.isArray(page)) {
        problem.replaceChildren(errorBox(page) ?? h("span"));
        outcome = "error";
        break;
      }
      parts.push(new Blob([csvRows(page.rows, spec.numeric)]));
      written += page.rows.length;
      status.textContent = `Exported ${count(written)} of ${count(page.total)} ${spec.noun}…`;
      if (stopped) {
        outcome = "cancelled";
        break;
      }
      if (!page.next) break;
      after = page.next;
    }
    cancel.hidden = true;
    button.disabled = false;
    wrap.dataset.export = outcome;
    wrap.dataset.rows = String(written);
    if (outcome === "done") {
      download(spec.filename(), parts);
      status.textContent = `Exported ${count(written)} ${spec.noun}.`;
    } else {
      status.textContent = outcome === "cancelled" ? "Export cancelled: no file was written." : "The export stopped: no file was written.";
    }
  });
  return wrap;
}
