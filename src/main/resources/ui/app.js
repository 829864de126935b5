// The dashboard's entry: login with a bearer token, the screens (one per hash: #sale, #orders, #stock, #shops,
// #system), and polling of the screen in view only.
"use strict";
import { $, TOKEN_KEY, api, state } from "./core.js";
import * as sale from "./sale.js";
import * as orders from "./orders.js";
import * as stock from "./stock.js";
import * as shops from "./shops.js";
import * as system from "./system.js";

const SCREENS = { sale: { module: sale, every: 3000 }, orders: { module: orders, every: 3000 },
                  stock: { module: stock, every: 4000 }, shops: { module: shops, every: 5000 },
                  system: { module: system, every: 5000 } };
const polling = { timer: null, busy: false, screen: null };

function showLogin(message) {
  stopPolling();
  $("dashboard").hidden = true;
  $("nav").hidden = true;
  $("login").hidden = false;
  $("logout").hidden = true;
  $("who").textContent = "";
  $("status").textContent = "not logged in";
  $("login-error").textContent = message || "";
  document.body.classList.remove("viewer");
}

async function login(token) {
  state.token = token;
  let me;
  try {
    me = await api("GET", "/admin/me");
  } catch (e) {
    state.token = null;
    showLogin(e.status === 401 ? "The token was refused (401): check it and try again."
      : "Could not reach the admin API: " + e.message);
    return;
  }
  state.name = me.name;
  state.role = me.role;
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token").value = "";
  $("login").hidden = true;
  $("dashboard").hidden = false;
  $("nav").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = me.name + " · " + me.role + (me.role === "viewer" ? " (read only)" : "");
  document.body.classList.toggle("viewer", me.role !== "operator");
  // Screens built for another role keep its buttons: build them again.
  for (const id of Object.keys(SCREENS)) $(id + "-view").replaceChildren();
  location.hash = location.hash && SCREENS[location.hash.slice(1)] ? location.hash : "#sale";
  show(location.hash.slice(1));
}

function logout(message) {
  state.token = null;
  state.role = null;
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin(message);
}
state.onUnauthorized = logout;

function stopPolling() {
  clearInterval(polling.timer);
  polling.timer = null;
}

/** Shows one screen and polls it alone (the others would cost the node queries nobody looks at). */
function show(screen) {
  if (!state.role || !SCREENS[screen]) return;
  for (const [id] of Object.entries(SCREENS)) $(id + "-view").hidden = id !== screen;
  document.querySelectorAll("#nav a").forEach((a) => {
    if (a.dataset.view === screen) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
  stopPolling();
  polling.screen = screen;
  const run = async () => {
    if (polling.busy || $("confirm").open) return;
    polling.busy = true;
    try {
      await SCREENS[screen].module.refresh();
      if (polling.screen === screen) $("status").textContent = "live · updated " + new Date().toLocaleTimeString();
    } catch (e) {
      if (e.status !== 401) $("status").textContent = "error: " + e.message;
    } finally {
      polling.busy = false;
    }
  };
  // A new copy of the SKU sold is seen within a poll: fast enough for a sale, cheap for the node.
  polling.timer = setInterval(run, SCREENS[screen].every);
  run();
}

$("login-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const token = $("token").value.trim();
  if (!token) { $("login-error").textContent = "Paste a token first."; return; }
  login(token);
});
$("logout").addEventListener("click", () => logout(""));
window.addEventListener("hashchange", () => show(location.hash.slice(1)));
$("confirm").addEventListener("close", () => {
  // Back to where the operator was, and the screen re-read with the action's outcome.
  if (polling.screen) SCREENS[polling.screen].module.refresh().catch(() => {});
});

if (state.token) login(state.token); else showLogin("");
