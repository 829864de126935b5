// The system screen: listings whose last push failed, the share sync's pushes and reads, and the cluster.
"use strict";
import { $, api, badge, fill, h, longTime } from "./core.js";

const view = { built: false };

function build() {
  const table = (id, columns) => h("table", { id, class: "cards" },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))), h("tbody"));
  $("system-view").replaceChildren(
    h("div", { class: "card" }, h("h2", {}, "Failing listings"),
      table("failing", ["listing", "value", "attempts", "last error", "since"])),
    h("div", { class: "card" }, h("h2", {}, "Stock shares ", h("span", { class: "muted", id: "shares-strategy" })),
      table("shares", ["channel", "counters"])),
    h("div", { class: "card wide" }, h("h2", {}, "Cluster ", h("span", { class: "muted", id: "cluster-self" })),
      table("cluster", ["member", "status", "roles", "reachable", "shards / entities per type"])));
  view.built = true;
}

export async function refresh() {
  if (!$("system-view").firstChild) build(); // built again after a login with another role
  const [failing, shares, cluster] = await Promise.all([api("GET", "/admin/sync/failing?limit=50"),
    api("GET", "/admin/sync/shares"), api("GET", "/admin/cluster")]);
  fill($("failing"), failing.map((f) => h("tr", { "data-listing": f.listingKey },
    h("td", {}, f.listingKey), h("td", { class: "num" }, f.lastValue == null ? "" : f.lastValue),
    h("td", { class: "num" }, f.attempts), h("td", { class: "problem" }, f.lastError || ""), h("td", {}, longTime(f.updatedAt)))),
    "every listing's last push succeeded");
  $("shares-strategy").textContent = "· strategy " + shares.strategy;
  fill($("shares"), Object.entries(shares.channels || {}).map(([channel, counters]) => h("tr", { "data-channel": channel },
    h("td", {}, channel), h("td", {}, Object.entries(counters).map(([k, v]) => k + " " + v).join(" · ")))),
    "no share pushes from this node yet");
  $("cluster-self").textContent = "· this node " + cluster.self + " (" + cluster.selfStatus + "), leader " + (cluster.leader || "none");
  fill($("cluster"), cluster.members.map((m) => h("tr", { "data-member": m.address },
    h("td", {}, m.address), h("td", {}, badge(m.status)), h("td", {}, m.roles.join(", ")),
    h("td", { class: m.reachable ? "" : "error" }, m.reachable ? "yes" : "UNREACHABLE"),
    h("td", {}, cluster.sharding.map((t) => {
      const n = t.nodes[m.address];
      return t.entityType + " " + (n ? n.shards + "/" + n.entities : "–");
    }).join(" · ")))), "no members");
}
