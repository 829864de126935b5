// What every screen shares: the token, API calls, building elements from data (as text, never as markup),
// the confirmation dialog every action goes through, toasts and formatting.
"use strict";

export const TOKEN_KEY = "orchestrator.admin.token";
export const state = { token: sessionStorage.getItem(TOKEN_KEY), name: null, role: null, onUnauthorized: null };
export const $ = (id) => document.getElementById(id);
export const enc = encodeURIComponent;

const ATTRIBUTES = new Set(["title", "type", "value", "placeholder", "role", "href", "for", "name", "tabindex",
  "min", "max", "step", "id", "scope", "colspan", "autocomplete", "inputmode", "download"]);

/** An element; every value from the API goes in as text (textContent), never as markup. */
export function h(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (k.startsWith("data-") || k.startsWith("aria-") || ATTRIBUTES.has(k)) e.setAttribute(k, v === true ? "" : v);
    else e[k] = v;
  }
  for (const c of children.flat()) if (c != null) e.append(c instanceof Node ? c : String(c));
  return e;
}

/** An SVG element (charts), attributes set as given. */
export function svg(tag, attrs, ...children) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) e.setAttribute(k, v);
  for (const c of children.flat()) if (c != null) e.append(c instanceof Node ? c : String(c));
  return e;
}

/** Table rows, or one row saying why there are none; cells carry their column's label for the phone layout. */
export function fill(table, rows, empty) {
  const labels = [...table.tHead.rows[0].cells].map((c) => c.dataset.label ?? c.textContent);
  for (const row of rows) [...row.cells].forEach((cell, i) => {
    if (!cell.hasAttribute("data-label")) cell.setAttribute("data-label", labels[i] || "");
  });
  table.tBodies[0].replaceChildren(...(rows.length ? rows
    : [h("tr", {}, h("td", { colSpan: labels.length, class: "muted", "data-label": "" }, empty))]));
}

export const badge = (value, text) =>
  h("span", { class: "badge " + String(value).toLowerCase(), "data-value": value }, text || String(value).replaceAll("_", " "));

export function toast(message, isError) {
  const t = $("toast");
  t.textContent = message;
  t.className = isError ? "error" : "";
  t.style.display = "block";
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.style.display = "none"; }, 6000);
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || ("HTTP " + status));
    this.status = status;
  }
}

function headers(body, token = state.token) {
  const result = { "Authorization": "Bearer " + token };
  if (body !== undefined) result["Content-Type"] = "application/json";
  return result;
}

/**
 * One admin API call; JSON in and out, an ApiError (with the API's message) for any status but 2xx. A 401 logs out
 * only when it refused the token still in use: a poll sent before a logout and a new login must not end the new
 * session.
 */
export async function api(method, path, body) {
  const token = state.token;
  const r = await fetch(path, { method, headers: headers(body, token), cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  if (r.status === 401 && state.onUnauthorized && token && token === state.token) {
    state.onUnauthorized("The token was refused (401): log in again.");
  }
  if (!r.ok) throw new ApiError(r.status, json);
  return json;
}

/** Downloads a file the API makes (CSV) with the token, under {@code filename}. */
export async function download(path, filename) {
  const r = await fetch(path, { headers: headers(), cache: "no-store" });
  if (!r.ok) {
    let json = null;
    try { json = await r.json(); } catch (e) { json = null; }
    throw new ApiError(r.status, json);
  }
  const blob = await r.blob();
  const a = h("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  return blob.size;
}

export const canAct = () => state.role === "operator";

/**
 * A button that starts an action. A viewer sees it disabled (the API would refuse it with 403 anyway), with the
 * reason as its title.
 */
export function actionButton(label, cls, onClick, extra) {
  const b = h("button", Object.assign({ type: "button", class: cls, "data-action": cls, on: { click: onClick } }, extra || {}), label);
  if (!canAct()) {
    b.disabled = true;
    b.title = "a viewer token can read, not act";
  }
  return b;
}

/**
 * Asks before an action and shows its outcome: a dialog with the question, optional fields (all required unless
 * marked optional), Confirm and Cancel. {@code run(values)} does the call and returns the text to show; an error's
 * message is shown instead and the dialog stays open to correct the values.
 */
export function confirmAction({ title, text, fields = [], confirmLabel = "Confirm", danger = false, run }) {
  const dialog = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text || "";
  const inputs = {};
  $("confirm-fields").replaceChildren(...fields.map((f, i) => {
    const id = "confirm-field-" + i;
    const input = f.options
      ? h("select", { id, name: f.name }, f.options.map((o) => h("option", { value: o.value ?? o, selected: (o.value ?? o) === f.value }, o.label ?? o)))
      : h("input", { id, name: f.name, type: f.type || "text", value: f.value ?? "", placeholder: f.placeholder,
                     step: f.type === "number" ? "1" : null, autocomplete: "off" });
    inputs[f.name] = input;
    return h("div", { class: "field" }, h("label", { for: id }, f.label + (f.optional ? " (optional)" : "")), input);
  }));
  const result = $("confirm-result");
  result.textContent = "";
  result.className = "";
  const ok = $("confirm-ok");
  ok.textContent = confirmLabel;
  ok.className = danger ? "primary danger" : "primary";
  ok.disabled = false;
  ok.hidden = false;
  $("confirm-cancel").textContent = "Cancel";
  return new Promise((resolve) => {
    let settled = false;
    const detach = () => {
      $("confirm-form").removeEventListener("submit", submit);
      $("confirm-cancel").removeEventListener("click", cancel);
      dialog.removeEventListener("close", closed);
    };
    const settle = (value) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    const cancel = () => dialog.close();
    const closed = () => { detach(); settle(null); };
    const submit = async (ev) => {
      ev.preventDefault();
      if (settled) return;
      const values = {};
      for (const f of fields) {
        const v = inputs[f.name].value.trim();
        if (!v && !f.optional) {
          result.className = "error";
          result.textContent = f.label + " is required.";
          inputs[f.name].focus();
          return;
        }
        values[f.name] = v;
      }
      ok.disabled = true;
      result.className = "";
      result.textContent = "working…";
      try {
        const message = await run(values);
        // The outcome stays in the dialog until the operator closes it; the caller refreshes at once.
        result.textContent = message;
        toast(message);
        ok.hidden = true;
        $("confirm-cancel").textContent = "Close";
        $("confirm-cancel").focus();
        settle(message);
      } catch (e) {
        result.className = "error";
        result.textContent = (e.status ? e.status + ": " : "") + e.message;
        ok.disabled = false;
      }
    };
    $("confirm-form").addEventListener("submit", submit);
    $("confirm-cancel").addEventListener("click", cancel);
    dialog.addEventListener("close", closed);
    dialog.showModal();
    const first = Object.values(inputs)[0];
    (first || ok).focus();
  });
}

// ------------------------------------------------------------------ formatting

const pad = (n) => String(n).padStart(2, "0");

/** Today's times as 14:03:07, older ones as 28 Nov 14:03: short enough for one table line. */
export function shortTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const now = new Date();
  const clock = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  if (d.toDateString() === now.toDateString()) return clock;
  return d.getDate() + " " + d.toLocaleString("en", { month: "short" }) + " " + clock.slice(0, 5);
}

export const longTime = (iso) => iso ? new Date(iso).toLocaleString() : "";

/** "in 3 h", "12 min ago". */
export function relative(iso) {
  if (!iso) return "";
  const s = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const a = Math.abs(s);
  const text = a < 90 ? a + " s" : a < 5400 ? Math.round(a / 60) + " min" : a < 172800 ? Math.round(a / 3600) + " h"
    : Math.round(a / 86400) + " d";
  return s >= 0 ? "in " + text : text + " ago";
}

export const money = (amount, currency) => amount == null ? "" : amount + (currency ? " " + currency : "");
