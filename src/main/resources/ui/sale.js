// The sale screen: orders now, orders per bucket by channel or by state, and what the sale costs the seller
// (stock-push staleness, forced cancellations), live while the screen is open.
"use strict";
import { $, api, h } from "./core.js";
import { CHANNEL_COLORS, STATUS_COLORS, colorOf, lines, redrawOnResize, stackedBars } from "./charts.js";

const WINDOWS = { "15": { minutes: 15, bucket: 10, label: "last 15 min (10 s bars)" },
                  "60": { minutes: 60, bucket: 60, label: "last hour (per minute)" } };
const view = { window: "60", groupBy: "channel", orders: null, sync: null, built: false };

function build() {
  const root = $("sale-view");
  const windowButtons = Object.entries(WINDOWS).map(([key, w]) => h("button", { type: "button", "data-window": key,
    "aria-pressed": String(key === view.window), on: { click: () => { view.window = key; pressed(); refresh(); } } }, w.label));
  const groupButtons = ["channel", "state"].map((g) => h("button", { type: "button", "data-group": g,
    "aria-pressed": String(g === view.groupBy), on: { click: () => { view.groupBy = g; pressed(); drawOrders(); } } }, "by " + g));
  root.replaceChildren(
    h("div", { class: "card wide" },
      h("h2", {}, "Orders now ", h("span", { class: "muted", id: "summary-total" })),
      h("div", { class: "row" },
        h("div", {}, h("div", { class: "label" }, "by status"), h("div", { class: "tiles", id: "by-status" })),
        h("div", {}, h("div", { class: "label" }, "by channel"), h("div", { class: "tiles", id: "by-channel" })))),
    h("div", { class: "card wide" },
      h("h2", {}, "Orders over time ", h("span", { class: "muted", id: "orders-chart-note" })),
      h("div", { class: "row" }, h("div", { class: "segmented", role: "group", "aria-label": "time window" }, windowButtons),
        h("div", { class: "segmented", role: "group", "aria-label": "group by" }, groupButtons)),
      h("div", { class: "chart", id: "orders-chart", "aria-label": "orders per time bucket" })),
    h("div", { class: "card" },
      h("h2", {}, "Stock push staleness (p99) ", h("span", { class: "muted", id: "staleness-note" })),
      h("div", { class: "chart", id: "staleness-chart", "aria-label": "stock push staleness" })),
    h("div", { class: "card" },
      h("h2", {}, "Forced cancellations ", h("span", { class: "error", id: "forced-total" })),
      h("p", { class: "muted" }, "Marketplace orders accepted for units that were gone: each one costs the seller rating and penalties."),
      h("div", { class: "chart", id: "forced-chart", "aria-label": "forced cancellations" })));
  redrawOnResize($("orders-chart"), drawOrders);
  redrawOnResize($("staleness-chart"), drawSync);
  view.built = true;
}

function pressed() {
  document.querySelectorAll("[data-window]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.window === view.window)));
  document.querySelectorAll("[data-group]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.group === view.groupBy)));
}

export async function refresh() {
  if (!$("sale-view").firstChild) build(); // built again after a login with another role
  const w = WINDOWS[view.window];
  const [summary, orders, sync] = await Promise.all([api("GET", "/admin/orders/summary"),
    api("GET", "/admin/charts/orders?minutes=" + w.minutes + "&bucket=" + w.bucket),
    api("GET", "/admin/charts/sync?minutes=" + w.minutes + "&bucket=" + w.bucket)]);
  tiles(summary);
  view.orders = orders;
  view.sync = sync;
  drawOrders();
  drawSync();
}

function tiles(summary) {
  $("summary-total").textContent = "· " + summary.total + " in all";
  const make = (counts, bad) => Object.entries(counts).map(([k, n]) =>
    h("div", { class: "tile" + (bad.includes(k) && n > 0 ? " bad" : ""), "data-key": k },
      h("div", { class: "n" }, n), h("div", { class: "k" }, k.replaceAll("_", " "))));
  $("by-status").replaceChildren(...make(summary.byStatus, ["OUT_OF_STOCK", "NEEDS_MAPPING", "CANCELLING"]));
  $("by-channel").replaceChildren(...make(summary.byChannel, []));
}

/** The ledger's series (channel × status) summed into one series per channel or per state. */
function grouped(series, by) {
  const sums = new Map();
  for (const s of series) {
    const key = by === "channel" ? s.channel : s.status;
    const sum = sums.get(key) || new Array(s.counts.length).fill(0);
    s.counts.forEach((n, i) => { sum[i] += n; });
    sums.set(key, sum);
  }
  const palette = by === "channel" ? CHANNEL_COLORS : STATUS_COLORS;
  return [...sums.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([key, counts]) => ({ key, label: key.replaceAll("_", " ").toLowerCase(), color: colorOf(key, palette), counts }));
}

function drawOrders() {
  const data = view.orders;
  if (!data) return;
  const series = grouped(data.series, view.groupBy);
  const total = series.reduce((a, s) => a + s.counts.reduce((x, y) => x + y, 0), 0);
  $("orders-chart-note").textContent = "· " + total + " orders created in the window, by " + view.groupBy
    + (view.groupBy === "state" ? " (each order's state now)" : "");
  stackedBars($("orders-chart"), { buckets: data.buckets, series, bucketSeconds: data.bucketSeconds,
    emptyText: "no orders in this window" });
}

function drawSync() {
  const data = view.sync;
  if (!data) return;
  const xs = data.buckets.map((b) => new Date(b).getTime());
  const series = data.staleness.map((s) => ({ key: s.channel, label: s.channel + " p99", color: colorOf(s.channel, CHANNEL_COLORS),
    values: s.p99Ms.map((v) => v == null ? null : Math.round(v)) }));
  const pushes = data.staleness.reduce((a, s) => a + s.count.reduce((x, y) => x + (y || 0), 0), 0);
  const nodes = data.nodes.length;
  const missing = data.missingNodes.map((m) => m.node.replace(/^akka:\/\/[^@]*@/, "") + " (" + m.reason + ")");
  $("staleness-note").textContent = "· " + pushes + " pushes from " + nodes + (nodes === 1 ? " node" : " nodes")
    + ", ms from the stock change to the marketplace's answer"
    + (missing.length > 0 ? " · not answering, not counted: " + missing.join(", ") : "");
  lines($("staleness-chart"), { xs, series, from: xs[0], to: xs[xs.length - 1] + data.bucketSeconds * 1000, yUnit: "ms",
    emptyText: "no stock pushes in this window" });
  const forced = data.forcedCancellations.map((s) => ({ key: s.channel, label: s.channel, color: colorOf(s.channel, CHANNEL_COLORS),
    counts: s.counts }));
  const total = forced.reduce((a, s) => a + s.counts.reduce((x, y) => x + y, 0), 0);
  $("forced-total").textContent = total > 0 ? "· " + total + " in the window" : "";
  stackedBars($("forced-chart"), { buckets: data.buckets, series: forced, bucketSeconds: data.bucketSeconds,
    emptyText: "none in this window" });
}
