// Client-side routes over the History API. The server answers every non-/api path with index.html, so any URL
// the router produces can be bookmarked and reloaded.

export interface Route {
  path: string;
  params: string[];
  search: URLSearchParams;
}

export interface View {
  title: string;
  node: Node;
}

export type Page = (route: Route) => Promise<View>;

interface Entry {
  pattern: RegExp;
  page: Page;
}

const entries: Entry[] = [];
// Adds what a page carries from one URL to the next (the shared window, window.ts) to a URL that does not say.
let carry: (target: URL) => void = () => {};
let fallback: Page = async () => ({ title: "Not found", node: document.createTextNode("Not found") });
let generation = 0;

export function route(pattern: RegExp, page: Page): void {
  entries.push({ pattern, page });
}

export function notFound(page: Page): void {
  fallback = page;
}

export function carryOver(fn: (target: URL) => void): void {
  carry = fn;
}

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  const url = new URL(href, location.href);
  carry(url);
  if (options.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  void render(!options.replace);
  if (!options.replace) window.scrollTo(0, 0);
}

/** Ids contain `:`, which is legal in a path segment; keeping it readable keeps URLs readable. */
export function segment(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ":");
}

export function start(): void {
  document.addEventListener("click", onClick);
  window.addEventListener("popstate", () => void render(true));
  void render(false);
}

function onClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  const link = (event.target as Element | null)?.closest?.("a");
  if (!link || link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}

async function render(moveFocus: boolean): Promise<void> {
  const mine = ++generation;
  const main = document.getElementById("main")!;
  main.setAttribute("aria-busy", "true");
  document.body.classList.add("busy");
  const current: Route = { path: location.pathname, params: [], search: new URLSearchParams(location.search) };
  let page = fallback;
  for (const entry of entries) {
    const match = entry.pattern.exec(location.pathname);
    if (match) {
      page = entry.page;
      current.params = match.slice(1).map((p) => decodeURIComponent(p));
      break;
    }
  }
  let view: View;
  try {
    view = await page(current);
  } catch (error) {
    view = crashed(error);
  }
  if (mine !== generation) return;
  // A control that triggered this render (a select, a search box) keeps the focus in the new page.
  const active = document.activeElement;
  const keepId = active instanceof HTMLElement && main.contains(active) ? active.id : "";
  main.replaceChildren(view.node);
  document.title = `${view.title} · gql-monitor`;
  main.removeAttribute("aria-busy");
  document.body.classList.remove("busy");
  markCurrentLink();
  const keep = keepId ? document.getElementById(keepId) : null;
  if (keep) keep.focus();
  else if (moveFocus) main.querySelector<HTMLElement>("h1")?.focus();
}

function markCurrentLink(): void {
  const section = "/" + (location.pathname.split("/")[1] ?? "");
  for (const link of document.querySelectorAll<HTMLAnchorElement>("header nav a")) {
    // The header's links say where they go with what the page carries, for a new tab or a copied link too.
    link.dataset.base ??= link.getAttribute("href") ?? "/";
    const target = new URL(link.dataset.base, location.href);
    carry(target);
    link.setAttribute("href", target.pathname + target.search);
    const here = target.pathname === section;
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function crashed(error: unknown): View {
  const box = document.createElement("div");
  box.className = "error";
  box.setAttribute("role", "alert");
  const title = document.createElement("h1");
  title.tabIndex = -1;
  title.textContent = "This page failed to render";
  const detail = document.createElement("p");
  detail.textContent = error instanceof Error ? error.message : String(error);
  box.append(title, detail);
  console.error(error);
  return { title: "Error", node: box };
}
