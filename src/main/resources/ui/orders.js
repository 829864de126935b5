// The orders screen: filters and search over the ledger, a table readable on a desktop and on a phone, CSV of
// what the filters select, a WhatsApp or phone order entered by hand, and one order's detail (order-detail.js).
"use strict";
import { $, actionButton, api, badge, confirmAction, download, enc, fill, h, money, shortTime, longTime, toast } from "./core.js";
import { showOrder, refreshOpenOrder } from "./order-detail.js";

const PAGE = 25;
const STATUSES = ["NOTIFIED", "RESERVING", "NEEDS_MAPPING", "CONFIRMED", "OUT_OF_STOCK", "SHIPPING", "SHIPPED",
  "DELIVERED", "COMPLETED", "CANCELLING", "CANCELLED", "RETURNED"];
const CHANNELS = ["shopee", "tiktok", "whatsapp", "phone"];
const view = { offset: 0, built: false, filters: {} };

function build() {
  const field = (label, input) => h("label", {}, label, input);
  const select = (id, values, all) => h("select", { id }, h("option", { value: "" }, all),
    values.map((v) => h("option", { value: v }, v.replaceAll("_", " ").toLowerCase())));
  const form = h("form", { class: "filters", id: "order-filters", "aria-label": "order filters", on: { submit: (ev) => {
      ev.preventDefault();
      view.offset = 0;
      readFilters();
      refresh().catch(() => {});
    } } },
    field("Search", h("input", { id: "f-q", type: "search", placeholder: "order id, tracking, buyer", autocomplete: "off" })),
    field("Status", select("f-status", STATUSES, "any status")),
    field("Channel", select("f-channel", CHANNELS, "any channel")),
    field("Shop", h("input", { id: "f-shop", size: 10, autocomplete: "off" })),
    field("From", h("input", { id: "f-from", type: "datetime-local" })),
    field("To", h("input", { id: "f-to", type: "datetime-local" })),
    h("button", { type: "submit", class: "primary", id: "f-apply" }, "Apply"),
    h("button", { type: "button", id: "f-clear", on: { click: () => { form.reset(); view.offset = 0; readFilters(); refresh().catch(() => {}); } } }, "Clear"),
    h("button", { type: "button", id: "csv", on: { click: csv } }, "Download CSV"),
    actionButton("New WhatsApp / phone order", "new-order", newOrder));
  $("orders-view").replaceChildren(
    h("div", { class: "card wide" },
      h("h2", {}, "Orders ", h("span", { class: "muted", id: "orders-total" })),
      form,
      h("table", { id: "orders", class: "cards" },
        h("thead", {}, h("tr", {}, ["created", "channel", "shop", "order", "status", "buyer"].map((c) => h("th", { scope: "col" }, c)),
          h("th", { scope: "col", class: "num" }, "total"), h("th", { scope: "col" }, "problem"))),
        h("tbody")),
      h("div", { class: "pager" },
        h("button", { type: "button", id: "orders-prev", on: { click: () => { view.offset = Math.max(0, view.offset - PAGE); refresh().catch(() => {}); } } }, "‹ newer"),
        h("span", { class: "muted", id: "orders-page" }),
        h("button", { type: "button", id: "orders-next", on: { click: () => { view.offset += PAGE; refresh().catch(() => {}); } } }, "older ›"))),
    h("div", { class: "card wide", id: "order-detail", hidden: true }));
  view.built = true;
}

/** datetime-local is the browser's local time; the API takes instants. */
const instant = (local) => local ? new Date(local).toISOString() : "";

function readFilters() {
  view.filters = { q: $("f-q").value.trim(), status: $("f-status").value, channel: $("f-channel").value,
    shop: $("f-shop").value.trim(), from: instant($("f-from").value), to: instant($("f-to").value) };
}

function query(extra) {
  const parts = Object.entries(Object.assign({}, view.filters, extra || {})).filter(([, v]) => v !== "" && v != null)
    .map(([k, v]) => enc(k) + "=" + enc(v));
  return parts.length ? "?" + parts.join("&") : "";
}

export async function refresh() {
  if (!$("orders-view").firstChild) build(); // built again after a login with another role
  let page;
  try {
    page = await api("GET", "/admin/orders" + query({ sort: "newest", limit: PAGE, offset: view.offset }));
  } catch (e) {
    $("orders-total").textContent = "· " + e.message;
    $("orders-total").className = "error";
    throw e;
  }
  $("orders-total").className = "muted";
  $("orders-total").textContent = "· " + page.total + (Object.values(view.filters).some((v) => v) ? " match the filters" : " in all");
  $("orders-page").textContent = page.total === 0 ? "" : (page.offset + 1) + "–" + (page.offset + page.orders.length) + " of " + page.total;
  $("orders-prev").disabled = page.offset === 0;
  $("orders-next").disabled = page.offset + page.orders.length >= page.total;
  const selected = $("order-detail").dataset.orderKey;
  fill($("orders"), page.orders.map((o) => h("tr", { "data-order-key": o.orderKey, class: o.orderKey === selected ? "selected" : null },
    h("td", { class: "nowrap", title: longTime(o.createdAt) }, shortTime(o.createdAt)),
    h("td", { class: "nowrap" }, o.channel), h("td", { class: "nowrap" }, o.shopId),
    h("td", { class: "nowrap" }, h("button", { type: "button", class: "link order", on: { click: () => open(o) } }, o.orderId)),
    h("td", { class: "nowrap" }, badge(o.status)), h("td", { class: "nowrap" }, o.buyerName || ""),
    h("td", { class: "num nowrap" }, money(o.totalAmount, o.currency)),
    h("td", { class: "problem" }, o.problem || ""))), "no orders match");
  await refreshOpenOrder();
}

function open(o) {
  document.querySelectorAll("#orders tr.selected").forEach((tr) => tr.classList.remove("selected"));
  const row = document.querySelector('#orders tr[data-order-key="' + CSS.escape(o.orderKey) + '"]');
  if (row) row.classList.add("selected");
  showOrder(o.channel, o.shopId, o.orderId, () => refresh().catch(() => {}));
}

async function csv() {
  readFilters();
  const path = "/admin/orders.csv" + query();
  $("csv").dataset.lastUrl = path;
  try {
    const bytes = await download(path, "orders.csv");
    $("csv").dataset.lastBytes = String(bytes);
  } catch (e) {
    toast("CSV: " + e.message, true);
  }
}

/** "SKU-1 x2, SKU-2 x1 @25000" into the API's lines. */
export function parseLines(text) {
  return text.split(",").map((part) => part.trim()).filter(Boolean).map((part) => {
    const m = /^(\S+)\s*[x×*]\s*(\d+)(?:\s*@\s*(\d+(?:\.\d+)?))?$/.exec(part);
    if (!m) throw new Error("'" + part + "' is not SKU x quantity (e.g. SKU-1 x2, or SKU-1 x2 @25000 with a unit price)");
    return { sku: m[1], quantity: Number(m[2]), unitPrice: m[3] == null ? undefined : Number(m[3]) };
  });
}

function newOrder() {
  confirmAction({
    title: "New order",
    text: "An order taken by WhatsApp or phone. It reserves the stock at once; the buyer gets the confirmation on WhatsApp.",
    fields: [
      { name: "channel", label: "Channel", options: ["whatsapp", "phone"], value: "whatsapp" },
      { name: "buyerName", label: "Buyer name" },
      { name: "buyerPhone", label: "Buyer phone", type: "tel", optional: true },
      { name: "lines", label: "Lines (SKU x quantity, comma-separated)", placeholder: "SKU-1 x2, SKU-2 x1" },
      { name: "currency", label: "Currency", optional: true, placeholder: "IDR" }],
    confirmLabel: "Create order",
    run: async (v) => {
      const body = { channel: v.channel, buyerName: v.buyerName, lines: parseLines(v.lines) };
      if (v.buyerPhone) body.buyerPhone = v.buyerPhone;
      if (v.currency) body.currency = v.currency;
      const order = await api("POST", "/admin/orders", body);
      refresh().catch(() => {});
      showOrder(String(order.channel).toLowerCase(), order.shopId, order.orderId, () => refresh().catch(() => {}));
      return "Order " + order.orderId + " created: " + order.phase;
    } });
}
