// CSV for spreadsheets: RFC 4180 quoting, and text cells that a spreadsheet would run as a formula (a job named
// "=HYPERLINK(...)") are prefixed with an apostrophe. Numbers are passed through as the API's exact decimals.

export type Cell = string | number | boolean | null | undefined;

function text(value: Cell): string {
  if (value === null || value === undefined) return "";
  const s = String(value);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

function quote(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `numeric[i]` marks columns holding numbers, which keep a leading minus sign (retractions are negative). */
export function toCsv(header: string[], rows: Cell[][], numeric: boolean[]): string {
  return csvHeader(header) + csvRows(rows, numeric);
}

export function csvHeader(header: string[]): string {
  return header.map((c) => quote(c)).join(",") + "\r\n";
}

/** Rows alone, for an export written a page at a time after its header. */
export function csvRows(rows: Cell[][], numeric: boolean[]): string {
  return rows.map((row) => row.map((cell, i) => quote(numeric[i] ? (cell === null || cell === undefined ? "" : String(cell)) : text(cell))).join(",") + "\r\n").join("");
}

/** `content` may come in parts (an export's pages, each already a Blob), which are not joined in memory first. */
export function download(filename: string, content: string | BlobPart[]): void {
  const url = URL.createObjectURL(new Blob(typeof content === "string" ? [content] : content, { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The download has started once click() returns; revoking later leaves the browser time to read the blob.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
