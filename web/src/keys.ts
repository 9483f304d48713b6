// Keyboard navigation of tables: a table whose rows hold links is one stop in the Tab order (its current row, a
// roving tabindex); ↑/↓ move between rows, Home/End jump to the first and last, and Enter opens the row's first
// link inside the app (else its first link), as a click would. Rows that arrive later (pages, live panels) join in.

const NAV = "main table > tbody > tr";

function primaryLink(row: Element): HTMLAnchorElement | null {
  return row.querySelector<HTMLAnchorElement>("a[href]:not(.external)") ?? row.querySelector<HTMLAnchorElement>("a[href]");
}

function navigable(row: HTMLTableRowElement): boolean {
  return !row.hidden && primaryLink(row) !== null;
}

function rowsOf(body: HTMLTableSectionElement): HTMLTableRowElement[] {
  return [...body.rows].filter(navigable);
}

/** Every table body's rows take part: exactly one of them in the Tab order. */
function mark(root: ParentNode): void {
  for (const body of root.querySelectorAll<HTMLTableSectionElement>("main table > tbody")) {
    const rows = rowsOf(body);
    if (!rows.length) continue;
    const current = rows.find((r) => r.tabIndex === 0 && r.hasAttribute("tabindex")) ?? rows[0];
    for (const row of rows) row.tabIndex = row === current ? 0 : -1;
  }
}

function moveTo(from: HTMLTableRowElement, to: HTMLTableRowElement | undefined): void {
  if (!to || to === from) return;
  from.tabIndex = -1;
  to.tabIndex = 0;
  to.focus();
}

function onKey(event: KeyboardEvent): void {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const target = event.target as Element | null;
  if (target?.closest?.("input, select, textarea, button, [contenteditable]")) return;
  const row = target?.closest?.<HTMLTableRowElement>(NAV);
  if (!row || !navigable(row)) return;
  const onRow = target === row;
  const rows = rowsOf(row.parentElement as HTMLTableSectionElement);
  const at = rows.indexOf(row);
  const next: Record<string, HTMLTableRowElement | undefined> = {
    ArrowDown: rows[at + 1],
    ArrowUp: rows[at - 1],
    Home: onRow ? rows[0] : undefined,
    End: onRow ? rows[rows.length - 1] : undefined,
  };
  if (event.key in next) {
    const to = next[event.key];
    if (!to && !onRow) return;
    event.preventDefault();
    if (to) moveTo(row, to);
  } else if (event.key === "Enter" && onRow) {
    event.preventDefault();
    primaryLink(row)?.click();
  }
}

export function tableKeys(): void {
  document.addEventListener("keydown", onKey);
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      mark(document);
    });
  }).observe(document.getElementById("main")!, { childList: true, subtree: true, attributes: true, attributeFilter: ["hidden"] });
}
