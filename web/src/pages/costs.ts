// Account spend grouped by one dimension. The unattributed remainder is always a visible row, never folded away,
// and the export carries the API's exact decimals so it reconciles with the bill.

import { query } from "../api";
import { dailyBars } from "../chart";
import { toCsv, download } from "../csv";
import { h } from "../dom";
import { costTitle, count, dateTime, money, percent, quantity } from "../format";
import { CostsDocument, type CostDimension, type CostsQuery } from "../generated/graphql";
import { navigate, type Route, type View } from "../router";
import { session } from "../session";
import { empty, errorBox, facts, jobHref, table, title, windowText } from "../ui";
import { forecastPanel, trendPanels, wastePanels } from "./cost_insights";
import { scopeNote } from "../visibility";
import { pageWindow, sharedWorkspace, windowBar, withShared } from "../window";

const DIMENSIONS: [CostDimension, string][] = [
  ["JOB", "Job"],
  ["SKU", "SKU"],
  ["WORKSPACE", "Workspace"],
  ["TAG", "Tag (e.g. team)"],
  ["RUN_AS", "Run as"],
  ["PRODUCT", "Product"],
  ["DAY", "Day"],
];
const DEFAULT_TAG = "team";
const SHOWN_ROWS = 200;

// The window is the shared one (window.ts; by default the last 30 days).
function params(route: Route): { by: CostDimension; tag: string } {
  const by = (route.search.get("by") ?? "JOB").toUpperCase() as CostDimension;
  return {
    by: DIMENSIONS.some(([d]) => d === by) ? by : "JOB",
    tag: (route.search.get("tag") ?? DEFAULT_TAG).trim() || DEFAULT_TAG,
  };
}

function costsUrl(by: string, tag: string): string {
  const search = new URLSearchParams({ by });
  if (by === "TAG") search.set("tag", tag);
  return withShared(`/costs?${search}`);
}

function remainderLabel(by: CostDimension, tag: string): string {
  switch (by) {
    case "JOB":
      return "Not attributable to a job";
    case "TAG":
      return `Usage without the tag “${tag}”`;
    case "RUN_AS":
      return "Usage without a run-as identity";
    default:
      return "Unattributed";
  }
}

function remainderNote(by: CostDimension): string {
  return by === "JOB" ? "all-purpose compute, DLT, SQL warehouses and other usage that carries no job id" : "usage with no value for this grouping";
}

export async function costs(route: Route): Promise<View> {
  const { by, tag } = params(route);
  const s = await session();
  const w = pageWindow(s, route.search, "30d");
  const workspace = sharedWorkspace(route.search);
  const r = await query(CostsDocument, { window: w.input, groupBy: by, tagKey: by === "TAG" ? tag : null, workspaceId: workspace });

  const groupSelect = h("select", { id: "cost-group", name: "by" }, DIMENSIONS.map(([d, label]) => h("option", { value: d, selected: d === by }, label)));
  const tagInput = h("input", { id: "cost-tag", name: "tag", value: tag, disabled: by !== "TAG", autocomplete: "off", spellcheck: "false" });
  const apply = () => navigate(costsUrl(groupSelect.value, tagInput.value.trim()));
  groupSelect.addEventListener("change", apply);
  tagInput.addEventListener("change", apply);
  const form = h(
    "form",
    { class: "controls", action: "/costs", method: "get" },
    h("div", null, h("label", { for: "cost-group" }, "Group by"), groupSelect),
    h("div", null, h("label", { for: "cost-tag" }, "Tag key"), tagInput),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });

  const breakdown = r.data?.costs;
  const heading = [
    title("Costs"),
    scopeNote("spend of other jobs and unattributed spend is not included."),
    windowBar(s, route.search, { fallback: "30d", workspace: "The spend above the forecast is this workspace's; the forecast, movers, untagged and unattributed trends and the waste panels below cover every workspace." }),
  ];
  if (!breakdown) {
    return { title: "Costs", node: h("div", { class: "page costs", "data-state": "error" }, heading, form, errorBox(r.errors)) };
  }
  const currency = breakdown.total.currency ?? "USD";
  const total = Number(breakdown.total.amount);
  const share = (amount: string) => (total ? Number(amount) / total : null);
  // Days read best in calendar order, everything else most expensive first as the API sends it; the remainder,
  // which the API puts last, leads the table, since it is often the largest share and the one people miss.
  const ordered = by === "DAY" ? [...breakdown.groups].sort((a, b) => (a.key ?? "").localeCompare(b.key ?? "")) : breakdown.groups;
  const groups = [...ordered.filter((g) => g.unattributed), ...ordered.filter((g) => !g.unattributed)];

  // A key column only where keys say more than labels (job and workspace ids); tags, SKUs and days are their key.
  const showKey = groups.some((g) => g.key && g.key !== g.label);
  const largest = Math.max(0, ...groups.map((g) => Number(g.cost.listCost.amount)));
  const row = (g: NonNullable<CostsQuery["costs"]>["groups"][number]) => {
    const part = share(g.cost.listCost.amount);
    const bar = h("span", { class: `share-bar${g.unattributed ? " unattributed" : ""}`, "aria-hidden": "true" });
    // Bars are scaled to the largest group, so that small differences (day to day) stay visible.
    bar.style.width = `${largest > 0 ? Math.max(0, Number(g.cost.listCost.amount) / largest) * 100 : 0}%`;
    const label = g.unattributed
      ? h("span", null, h("strong", { class: "badge warn" }, "Unattributed"), " ", remainderLabel(by, tag), h("span", { class: "sub" }, remainderNote(by)))
      : by === "JOB" && g.key
        ? h("a", { href: jobHref(g.key) }, g.label ?? g.key)
        : g.label ?? g.key ?? "–";
    return {
      attrs: g.unattributed ? { class: "unattributed", "data-unattributed": "true" } : undefined,
      cells: [
        label,
        ...(showKey ? [g.key && g.key !== g.label ? h("code", null, g.key) : ""] : []),
        quantity(g.cost.dbus),
        // A group exists only for billed usage, so its amount is what is billed; the lag note above says the rest.
        h("span", { title: costTitle(g.cost) }, money(g.cost.listCost.amount, g.cost.listCost.currency ?? currency)),
        h("span", { class: "share" }, h("span", { class: "share-track" }, bar), percent(part)),
      ],
    };
  };
  const columns = [{ label: DIMENSIONS.find(([d]) => d === by)![1].replace(/ \(.*\)/, "") }, { label: "Key" }, { label: "DBUs", numeric: true }, { label: "List cost", numeric: true }, { label: "Share of total", numeric: true }].filter((_, i) => showKey || i !== 1);
  // Past the API's page of groups the rest are in the total but not listed, so their DBUs cannot be summed here.
  const capped = breakdown.groupCount > groups.length;
  const listed = capped ? `the ${count(groups.length - (groups.some((g) => g.unattributed) ? 1 : 0))} most expensive of ${count(breakdown.groupCount)} groups (the rest are in the total)` : `${count(groups.length)} groups`;
  const caption = `Spend by ${by === "TAG" ? `tag “${tag}”` : by.toLowerCase().replace("_", "-")}, ${windowText(breakdown.window)}: ${listed}`;
  const dbus = groups.reduce((sum, g) => sum + Number(g.cost.dbus), 0);
  const foot = ["Total", ...(showKey ? [""] : []), capped ? "–" : quantity(dbus), money(breakdown.total.amount, currency), "100 %"];
  const tableWrap = groups.length ? table(caption, columns, groups.slice(0, SHOWN_ROWS).map(row), foot) : empty("No usage in the window.");
  let showAll: HTMLElement | null = null;
  if (groups.length > SHOWN_ROWS) {
    showAll = h("button", { type: "button", class: "more" }, `Show all ${count(groups.length)} groups`);
    showAll.addEventListener("click", () => {
      const body = tableWrap.querySelector("tbody")!;
      for (const g of groups.slice(SHOWN_ROWS)) {
        const r = row(g);
        body.append(h("tr", r.attrs, r.cells.map((c, i) => h("td", { class: columns[i].numeric ? "num" : null }, c))));
      }
      showAll?.remove();
    });
  }

  const exportButton = h("button", { type: "button", id: "export-csv", disabled: !groups.length }, "Export CSV");
  exportButton.addEventListener("click", () => {
    const csv = toCsv(
      ["group_by", "key", "label", "unattributed", "dbus", "unpriced_quantity", "list_cost", "currency", "share_of_total", "window_start", "window_end"],
      groups.map((g) => [
        by === "TAG" ? `TAG:${tag}` : by,
        g.key,
        g.unattributed ? remainderLabel(by, tag) : g.label,
        g.unattributed,
        g.cost.dbus,
        g.cost.unpricedQuantity,
        g.cost.listCost.amount,
        g.cost.listCost.currency ?? currency,
        total ? (Number(g.cost.listCost.amount) / total).toFixed(6) : "",
        breakdown.window.start,
        breakdown.window.end,
      ]),
      [false, false, false, false, true, true, true, false, true, false, false],
    );
    const name = `gql-monitor-costs-by-${by.toLowerCase()}${by === "TAG" ? `-${tag.replace(/[^\w-]+/g, "_")}` : ""}-${breakdown.window.start.slice(0, 10)}-to-${breakdown.window.end.slice(0, 10)}.csv`;
    download(name, csv);
  });

  const unattributedShare = share(breakdown.unattributedToJobs.amount);
  const summary = facts([
    ["Total", h("strong", { id: "costs-total" }, money(breakdown.total.amount, currency))],
    ["Attributed to jobs", money(breakdown.attributedToJobs.amount, currency)],
    ["Unattributed to jobs", h("span", { class: "unattributed-text" }, money(breakdown.unattributedToJobs.amount, currency), unattributedShare === null ? null : ` (${percent(unattributedShare)})`)],
    ["Window", windowText(breakdown.window)],
    ["Billed through", breakdown.billedThrough ? dateTime(breakdown.billedThrough) : "nothing billed yet"],
  ]);
  const lag = breakdown.complete
    ? null
    : h("p", { class: "hint", id: "costs-billing-lag" }, "Billing has not caught up with the end of the window: usage after ", breakdown.billedThrough ? dateTime(breakdown.billedThrough) : "its start", " is not in these figures yet.");

  const node = h(
    "div",
    { class: "page costs", "data-state": "done" },
    heading,
    form,
    errorBox(r.errors, true),
    summary,
    lag,
    forecastPanel(tag),
    h("div", { class: "toolbar" }, exportButton, h("span", { class: "hint" }, "The export holds every group with exact amounts.")),
    by === "DAY" && groups.length
      ? h("figure", { class: "chart-figure" }, dailyBars(groups.map((g) => ({ date: g.key ?? "", listCost: g.cost.listCost })), "Spend per day"), h("figcaption", null, "Spend per UTC usage day at list price."))
      : null,
    tableWrap,
    showAll,
    ...trendPanels(w.input, tag),
    ...wastePanels(w.input),
  );
  return { title: "Costs", node };
}
