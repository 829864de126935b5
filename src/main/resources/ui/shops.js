// The shops screen: each shop's connection (state, token expiry, why), its breaker and calls, Connect (the
// marketplace's authorisation page) and Disconnect, and lifting a pause.
"use strict";
import { $, actionButton, api, badge, confirmAction, enc, fill, h, longTime, relative } from "./core.js";

const view = { built: false };

function build() {
  $("shops-view").replaceChildren(h("div", { class: "card wide" },
    h("h2", {}, "Shops"),
    h("div", { class: "actions" },
      ["shopee", "tiktok"].map((c) => actionButton("Connect a " + (c === "shopee" ? "Shopee" : "TikTok Shop") + " shop",
        "connect-" + c, () => connect(c)))),
    h("p", { id: "connect-link", class: "muted" }),
    h("table", { id: "shops", class: "cards" },
      h("thead", {}, h("tr", {}, ["channel", "shop", "connection", "access token", "breaker", "calls (ok / failed / retries)",
        "last error", "actions"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody"))));
  view.built = true;
}

function connect(channel) {
  confirmAction({ title: "Connect a shop", confirmLabel: "Get the link",
    text: "Opens the marketplace's authorisation page for the seller to log in and allow this app. The link works once, for 10 minutes.",
    run: async () => {
      const link = await api("POST", "/admin/shops/" + channel + "/connect");
      $("connect-link").replaceChildren("Authorise at ", h("a", { href: link.authorizationUrl, id: "authorize-link",
        target: "_blank", rel: "noopener noreferrer" }, link.authorizationUrl), " (until " + longTime(link.expiresAt) + ")");
      return "Open the link below to authorise the " + channel + " shop.";
    } });
}

export async function refresh() {
  if (!$("shops-view").firstChild) build(); // built again after a login with another role
  const shops = await api("GET", "/admin/shops");
  fill($("shops"), shops.map((s) => {
    const ok = s.calls.reduce((a, c) => a + c.successes, 0), bad = s.calls.reduce((a, c) => a + c.failures, 0),
          retries = s.calls.reduce((a, c) => a + c.retries, 0);
    const last = s.calls.filter((c) => c.lastError).sort((a, b) => String(b.lastErrorAt).localeCompare(String(a.lastErrorAt)))[0];
    const conn = s.connection;
    const path = "/admin/shops/" + enc(s.channel) + "/" + enc(s.shopId);
    const buttons = [];
    if (conn && !["disconnected", "deauthorised"].includes(conn.state)) {
      buttons.push(actionButton("Disconnect", "disconnect danger", () => confirmAction({ title: "Disconnect " + s.channel + " " + s.shopId,
        danger: true, confirmLabel: "Disconnect",
        text: "Forgets the shop's tokens and stops its calls. Its orders wait until it is connected again.",
        run: async () => {
          const r = await api("DELETE", path);
          refresh().catch(() => {});
          return s.channel + " " + s.shopId + ": " + r.state;
        } })));
    }
    if (s.pause) {
      buttons.push(actionButton("Resume", "resume", () => confirmAction({ title: "Resume " + s.channel + " " + s.shopId,
        confirmLabel: "Resume", text: "Lifts the pause (" + s.pause.reason + ") and sends the held calls.",
        run: async () => {
          await api("POST", path + "/resume");
          refresh().catch(() => {});
          return s.channel + " " + s.shopId + ": resumed";
        } })));
    }
    return h("tr", { "data-shop": s.channel + ":" + s.shopId, "data-connection": conn ? conn.state : "" },
      h("td", {}, s.channel), h("td", {}, s.shopId),
      h("td", {}, conn ? [badge(conn.state), conn.reason ? h("div", { class: "muted" }, conn.reason) : null] : h("span", { class: "muted" }, "–")),
      h("td", { title: conn ? longTime(conn.accessExpiresAt) : null }, conn && conn.accessExpiresAt ? "expires " + relative(conn.accessExpiresAt) : "–"),
      h("td", {}, badge(s.breaker), s.pause ? h("div", { class: "error" }, "paused: " + s.pause.reason) : null),
      h("td", { class: "nowrap" }, ok + " / " + bad + " / " + retries),
      h("td", { class: "problem" }, last ? last.kind + ": " + last.lastError + " (" + relative(last.lastErrorAt) + ")" : ""),
      h("td", {}, h("div", { class: "actions" }, buttons)));
  }), "no shops connected yet");
}
