// One order: what it is, what the operator can do with it (map a line, cancel, ship, mark paid, restock), each
// action confirmed first, and its timeline (every event of its journal, oldest first).
"use strict";
import { $, actionButton, api, badge, confirmAction, enc, h, longTime, money } from "./core.js";

const open = { channel: null, shop: null, orderId: null, changed: null };

export async function showOrder(channel, shop, orderId, changed) {
  Object.assign(open, { channel, shop, orderId, changed });
  const card = $("order-detail");
  card.hidden = false;
  card.replaceChildren(h("h2", {}, "Order"), h("span", { class: "muted" }, "loading…"));
  await render(true);
}

/** Re-reads the open order (the table refreshes it with the list). */
export async function refreshOpenOrder() {
  if (open.orderId && !$("order-detail").hidden && !$("confirm").open) await render(false);
}

const base = () => "/admin/orders/" + enc(open.channel) + "/" + enc(open.shop) + "/" + enc(open.orderId);

async function render(scroll) {
  const card = $("order-detail");
  let order, events;
  try {
    // The journal after the order: the timeline then holds every event behind the phase shown.
    order = await api("GET", base());
    events = await api("GET", base() + "/events");
  } catch (e) {
    card.replaceChildren(h("h2", {}, "Order"), h("p", { class: "error" },
      e.status === 404 ? "No such order." : "Could not load the order: " + e.message));
    return;
  }
  card.dataset.orderKey = order.orderKey;
  card.dataset.phase = order.phase;
  const lines = Object.entries(order.lines || {});
  card.replaceChildren(
    h("h2", {}, "Order ", h("span", { class: "muted" }, open.channel + " / " + open.shop + " / " + open.orderId)),
    h("div", { id: "order-head", "data-order-key": order.orderKey },
      h("div", { class: "row" }, badge(order.phase), order.marketStatusRaw ? h("span", { class: "muted" }, "marketplace: " + order.marketStatusRaw) : null),
      h("dl", { class: "facts" },
        h("dt", {}, "buyer"), h("dd", {}, order.buyerName || "–"),
        h("dt", {}, "total"), h("dd", {}, money(order.totalAmount, order.currency) || "–"),
        h("dt", {}, "created"), h("dd", {}, longTime(order.createdAt)),
        h("dt", {}, "lines"), h("dd", {}, lines.length ? lines.map(([sku, n]) => sku + " × " + n).join(", ") : "–"),
        order.unmapped && order.unmapped.length ? [h("dt", {}, "unmapped"), h("dd", { class: "error", id: "unmapped" }, order.unmapped.join(", "))] : null,
        order.trackingNumber ? [h("dt", {}, "tracking"), h("dd", {}, order.trackingNumber)] : null,
        order.problem ? [h("dt", {}, "problem"), h("dd", { class: "error" }, order.problem)] : null)),
    h("div", { class: "actions", id: "order-actions" }, actions(order)),
    h("h3", {}, "Timeline"),
    h("ol", { class: "timeline", id: "timeline" }, events.map((e) => h("li", { "data-seq": e.sequenceNr, "data-type": e.type },
      h("div", {}, h("span", { class: "type" }, e.type), " ", h("span", { class: "when" }, "#" + e.sequenceNr + " · " + longTime(e.timestamp))),
      h("div", { class: "fields" }, fields(e.event))))));
  if (scroll) card.scrollIntoView({ block: "start" });
}

function actions(order) {
  const phase = order.phase;
  const done = ["CANCELLED", "COMPLETED", "RETURNED", "DELIVERED"].includes(phase);
  const act = (label, cls, spec) => actionButton(label, cls, () => confirmAction(Object.assign({}, spec, {
    run: async (values) => {
      const after = await spec.call(values);
      await render(false);
      if (open.changed) open.changed();
      return spec.title + ": done, the order is now " + after.phase;
    } })));
  const list = [];
  if (order.unmapped && order.unmapped.length) {
    list.push(act("Map line to SKU", "map", { title: "Map a line", confirmLabel: "Map",
      text: "Which SKU the marketplace's line is. The order then reserves it and goes on.",
      fields: [{ name: "lineRef", label: "Line", options: order.unmapped, value: order.unmapped[0] },
               { name: "sku", label: "SKU code", placeholder: "SKU-1" }],
      call: (v) => api("POST", base() + "/map", { lineRef: v.lineRef, sku: v.sku }) }));
  }
  // What the order entity accepts in each phase; any other phase refuses the action (409).
  if (phase === "CONFIRMED") {
    list.push(act("Ship", "ship", { title: "Ship the order", confirmLabel: "Ship",
      text: "Commits the stock and sends the tracking number to the buyer.",
      fields: [{ name: "trackingNumber", label: "Tracking number" }],
      call: (v) => api("POST", base() + "/ship", { trackingNumber: v.trackingNumber }) }));
  }
  // Paid outside a marketplace, once: the entity records a payment of an UNPAID order only.
  const offline = ["WHATSAPP", "PHONE", "whatsapp", "phone"].includes(order.channel);
  if (offline && order.marketStatus === "UNPAID" && !done) {
    list.push(act("Mark paid", "paid", { title: "Mark as paid", confirmLabel: "Mark paid",
      text: "The buyer paid (bank transfer, cash on pickup).", call: () => api("POST", base() + "/paid") }));
  }
  // The entity restocks a RETURNED order only (goods sent back after shipping); it refuses any other phase (409).
  if (phase === "RETURNED") {
    list.push(act("Restock", "restock", { title: "Restock the order's units", confirmLabel: "Restock",
      text: "The units came back to the shelf: they are added to on hand again.", call: () => api("POST", base() + "/restock") }));
  }
  if (["NOTIFIED", "RESERVING", "NEEDS_MAPPING", "CONFIRMED", "OUT_OF_STOCK"].includes(phase)) {
    list.push(act("Cancel order", "cancel danger", { title: "Cancel the order", confirmLabel: "Cancel order", danger: true,
      text: "Releases its stock and cancels it on the marketplace. The buyer is told.",
      fields: [{ name: "reason", label: "Reason", value: "cancelled by operator" }],
      call: (v) => api("POST", base() + "/cancel", { reason: v.reason }) }));
  }
  return list.length ? list : [h("span", { class: "muted" }, "no action applies to a " + phase.toLowerCase() + " order")];
}

/** One line per event: its fields, nested values as compact JSON, long ones cut. */
function fields(event) {
  if (!event || typeof event !== "object") return String(event);
  // orderKey and at repeat the heading and the entry's time
  return Object.entries(event).filter(([k, v]) => k !== "orderKey" && k !== "at" && v != null
      && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => {
      let s = typeof v === "object" ? JSON.stringify(v) : String(v);
      if (s.length > 160) s = s.slice(0, 157) + "…";
      return k + "=" + s;
    }).join("  ");
}
