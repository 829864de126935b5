// The stock screen: SKUs lowest available first, what each listing shows and may still sell (its share), the
// operator's adjustments, push now, push rules, and one SKU's quantities over time from its history.
"use strict";
import { $, actionButton, api, badge, confirmAction, enc, fill, h } from "./core.js";
import { CHANNEL_COLORS, colorOf, lines, redrawOnResize } from "./charts.js";

const PAGE = 20;
const REASONS = ["RECEIVED", "DAMAGED", "RETURNED", "CORRECTION"];
const RULE_FIELDS = ["showZeroBelow", "percent", "maxShown", "allocation"];
const view = { offset: 0, built: false, chartSku: null, timeline: null };

function build() {
  $("stock-view").replaceChildren(
    h("div", { class: "card wide" },
      h("h2", {}, "Stock ", h("span", { class: "muted", id: "skus-total" }), " ", h("span", { class: "error", id: "low-count" })),
      h("form", { class: "filters", id: "sku-filters", on: { submit: (ev) => { ev.preventDefault(); view.offset = 0; refresh().catch(() => {}); } } },
        h("label", {}, "Search SKU", h("input", { id: "sku-q", type: "search", autocomplete: "off" })),
        h("label", {}, "Order", h("select", { id: "sku-sort" }, h("option", { value: "available" }, "low stock first"),
          h("option", { value: "sku" }, "by SKU code"))),
        h("label", { class: "row" }, h("input", { type: "checkbox", id: "low-only" }), "low stock only"),
        h("button", { type: "submit", class: "primary" }, "Apply"),
        h("span", { class: "muted", id: "threshold-note" })),
      h("table", { id: "skus", class: "cards" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "SKU"),
          ["on hand", "reserved", "safety", "available"].map((c) => h("th", { scope: "col", class: "num" }, c)),
          h("th", { scope: "col" }, "channels (shown · share · sync)"), h("th", { scope: "col" }, "actions"))),
        h("tbody")),
      h("div", { class: "pager" },
        h("button", { type: "button", id: "skus-prev", on: { click: () => { view.offset = Math.max(0, view.offset - PAGE); refresh().catch(() => {}); } } }, "‹ prev"),
        h("span", { id: "skus-page", class: "muted" }),
        h("button", { type: "button", id: "skus-next", on: { click: () => { view.offset += PAGE; refresh().catch(() => {}); } } }, "next ›"))),
    h("div", { class: "card wide", id: "sku-chart-card", hidden: true },
      h("h2", {}, "Over time ", h("span", { class: "muted", id: "sku-chart-title" })),
      h("div", { class: "chart", id: "sku-chart", "aria-label": "the SKU's available and shown quantities over time" })));
  $("low-only").addEventListener("change", () => { view.offset = 0; refresh().catch(() => {}); });
  $("sku-sort").addEventListener("change", () => { view.offset = 0; refresh().catch(() => {}); });
  redrawOnResize($("sku-chart"), drawChart);
  view.built = true;
}

export async function refresh() {
  if (!$("stock-view").firstChild) build(); // built again after a login with another role
  const low = $("low-only").checked;
  const q = $("sku-q").value.trim();
  const params = "limit=" + PAGE + "&offset=" + view.offset + "&sort=" + $("sku-sort").value
    + (low ? "&lowStock=true" : "") + (q ? "&q=" + enc(q) : "");
  const [page, lowPage] = await Promise.all([api("GET", "/admin/skus?" + params), api("GET", "/admin/skus?lowStock=true&limit=1")]);
  const threshold = lowPage.lowStockThreshold;
  $("threshold-note").textContent = "low stock: available ≤ " + threshold;
  $("low-count").textContent = lowPage.total > 0 ? lowPage.total + " low" : "";
  const details = await Promise.all(page.skus.map((s) => Promise.all([
    api("GET", "/admin/skus/" + enc(s.sku) + "/sync").catch(() => null),
    api("GET", "/admin/skus/" + enc(s.sku)).catch(() => null)])));
  $("skus-total").textContent = "· " + page.total + " SKUs";
  $("skus-page").textContent = page.total === 0 ? "" : (page.offset + 1) + "–" + (page.offset + page.skus.length) + " of " + page.total;
  $("skus-prev").disabled = page.offset === 0;
  $("skus-next").disabled = page.offset + page.skus.length >= page.total;
  fill($("skus"), page.skus.map((s, i) => row(s, details[i][0], details[i][1], threshold)),
    low ? "no SKU at or below the low-stock threshold" : "no SKUs yet");
  if (view.chartSku) await loadChart(view.chartSku);
}

function row(s, sync, sku, threshold) {
  const isLow = threshold != null && s.available <= threshold;
  const byKey = {};
  if (sync) for (const l of sync.listings) byKey[l.channel + ":" + l.shopId] = l;
  const exposure = (sku && sku.exposure) || {};
  const keys = Object.keys(Object.assign({}, s.shown, byKey)).sort();
  const listings = keys.map((key) => {
    const l = byKey[key];
    const shown = l && l.expected != null ? l.expected : s.shown[key];
    const status = l ? l.status : "unknown";
    const share = exposure[key];
    return h("div", { class: "listing", "data-listing": key, "data-shown": shown, "data-pushed": l && l.lastValue,
                      "data-sync": status, "data-share": share, title: l && l.lastError ? "last error: " + l.lastError : null },
      key + " shows ", h("strong", {}, shown == null ? "–" : shown),
      share != null ? " · share " + share : "", l && l.lastValue != null ? " · pushed " + l.lastValue : "", " ",
      badge(status));
  });
  const skuPath = "/admin/skus/" + enc(s.sku);
  return h("tr", { "data-sku": s.sku, class: isLow ? "low" : null },
    h("td", {}, s.sku), h("td", { class: "num onhand" }, s.onHand), h("td", { class: "num reserved" }, s.reserved),
    h("td", { class: "num" }, s.safetyStock), h("td", { class: "num available" }, s.available),
    h("td", {}, listings.length ? listings : h("span", { class: "muted" }, "no listings")),
    h("td", {}, h("div", { class: "actions" },
      actionButton("Adjust", "adjust", () => confirmAction({ title: "Adjust " + s.sku, confirmLabel: "Adjust",
        text: "On hand is " + s.onHand + ". A positive number adds units (received, returned), a negative one removes them.",
        fields: [{ name: "delta", label: "Units (+/-)", type: "number" },
                 { name: "reason", label: "Reason", options: REASONS, value: "RECEIVED" }],
        run: async (v) => {
          const n = Number(v.delta);
          if (!Number.isInteger(n) || n === 0) throw new Error("the units must be a whole number other than 0");
          const r = await api("POST", skuPath + "/adjustments", { delta: n, reason: v.reason });
          refresh().catch(() => {});
          return s.sku + ": " + v.reason + " " + (n > 0 ? "+" : "") + n + " → on hand " + r.summary.onHand
            + (r.shortfall > 0 ? ", " + r.shortfall + " short of what is reserved" : "");
        } })),
      actionButton("Push now", "push", () => confirmAction({ title: "Push " + s.sku + " now", confirmLabel: "Push",
        text: "Sends what every listing should show to its marketplace now, instead of waiting for the next change.",
        run: async () => {
          const r = await api("POST", skuPath + "/push");
          return s.sku + ": pushing " + r.listings + " listing(s) now";
        } })),
      actionButton("Rules", "rules", () => editRules(s.sku, sku)),
      h("button", { type: "button", class: "chart-button", "aria-label": "chart of " + s.sku,
        on: { click: () => { view.chartSku = s.sku; loadChart(s.sku).catch(() => {}); } } }, "Chart"))));
}

function editRules(code, sku) {
  const channels = [...new Set(((sku && sku.listings) || []).map((l) => String(l.channel).toLowerCase()))]
    .filter((c) => c !== "phone");
  if (!channels.length) channels.push("shopee", "tiktok");
  const current = (sku && sku.pushRules && sku.pushRules.channels) || {};
  const ruleOf = (c) => current[c] || current[c.toUpperCase()] || {};
  const fields = channels.flatMap((c) => RULE_FIELDS.map((f) => ({ name: c + "." + f, label: c + " " + f, type: "number",
    optional: true, value: ruleOf(c)[f] ?? "" })));
  confirmAction({ title: "Push rules of " + code, confirmLabel: "Save rules", fields,
    text: "Per channel: show 0 below this many available, show this percent, show at most this many, or set aside "
      + "this many for the channel. Empty fields have no rule.",
    run: async (v) => {
      const body = {};
      for (const c of channels) {
        const rule = {};
        for (const f of RULE_FIELDS) if (v[c + "." + f] !== "") rule[f] = Number(v[c + "." + f]);
        if (Object.keys(rule).length) body[c] = rule;
      }
      await api("PUT", "/admin/skus/" + enc(code) + "/push-rules", body);
      refresh().catch(() => {});
      return code + ": push rules saved (" + (Object.keys(body).join(", ") || "none") + ")";
    } });
}

async function loadChart(code) {
  const card = $("sku-chart-card");
  card.hidden = false;
  $("sku-chart-title").textContent = "· " + code + ": available and what each channel shows, from its history";
  view.timeline = await api("GET", "/admin/skus/" + enc(code) + "/timeline?limit=1000");
  card.dataset.sku = code;
  drawChart();
}

function drawChart() {
  const t = view.timeline;
  if (!t) return;
  const xs = t.points.map((p) => new Date(p.at).getTime());
  const channels = [...new Set(t.points.flatMap((p) => Object.keys(Object.assign({}, p.shown, p.exposure)).map((k) => k.split(":")[0])))].sort();
  const series = [{ key: "available", label: "available", color: "#1d2330", dashed: true, values: t.points.map((p) => p.available) }]
    .concat(channels.map((c) => ({ key: c, label: c + " shows", color: colorOf(c, CHANNEL_COLORS),
      values: t.points.map((p) => {
        // Under the share sync a listing shows its share (what it may still sell); otherwise what the rules show.
        const source = p.exposure && Object.keys(p.exposure).some((k) => k.split(":")[0] === c) ? p.exposure : p.shown;
        const shown = Object.entries(source || {}).filter(([k]) => k.split(":")[0] === c);
        return shown.length ? shown.reduce((a, [, n]) => a + n, 0) : null;
      }) })));
  lines($("sku-chart"), { xs, series, from: xs[0], to: Math.max(Date.now(), xs[xs.length - 1] || 0), step: true,
    emptyText: "no history yet" });
}
