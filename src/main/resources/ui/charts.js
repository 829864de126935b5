// Charts drawn as SVG by the page itself: nothing is fetched, so the dashboard works offline. Two kinds: stacked
// bars per time bucket (orders, forced cancellations) and lines over time (a SKU's quantities, sync staleness).
"use strict";
import { h, svg } from "./core.js";

const HEIGHT = 200;
const M = { top: 10, right: 10, bottom: 24, left: 60 };
const pad = (n) => String(n).padStart(2, "0");
const clock = (ms, seconds) => {
  const d = new Date(ms);
  return pad(d.getHours()) + ":" + pad(d.getMinutes()) + (seconds ? ":" + pad(d.getSeconds()) : "");
};

/** A round upper bound for the y axis: 1, 2 or 5 times a power of ten. */
export function niceMax(value) {
  if (!(value > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(value)));
  for (const m of [1, 2, 5, 10]) if (m * p >= value) return m * p;
  return 10 * p;
}

function frame(container, yMax, yUnit) {
  const width = Math.max(300, Math.floor(container.clientWidth || 600));
  const root = svg("svg", { viewBox: "0 0 " + width + " " + HEIGHT, width, height: HEIGHT, role: "img" });
  const plotW = width - M.left - M.right, plotH = HEIGHT - M.top - M.bottom;
  const y = (v) => M.top + plotH - (v / yMax) * plotH;
  for (const f of [0, 0.5, 1]) {
    const v = yMax * f;
    root.append(svg("line", { class: f === 0 ? "axis" : "grid", x1: M.left, x2: width - M.right, y1: y(v), y2: y(v) }),
      svg("text", { x: M.left - 6, y: y(v) + 4, "text-anchor": "end" }, formatY(v, yUnit)));
  }
  return { root, width, plotW, plotH, y };
}

function formatY(v, unit) {
  const n = v >= 10000 ? Math.round(v / 1000) + "k" : Number.isInteger(v) ? String(v) : v.toFixed(1);
  return unit ? n + " " + unit : n;
}

/** Time labels, as many as fit without overlapping (about 80 px each: a phone shows fewer). */
function xLabels(root, xs, x, withSeconds, plotW) {
  const fit = Math.max(2, Math.min(6, Math.floor(plotW / (withSeconds ? 90 : 70))));
  const step = Math.max(1, Math.ceil(xs.length / fit));
  xs.forEach((ms, i) => {
    if (i % step !== 0) return;
    // The first and last labels are anchored inwards so that they are never cut at the chart's edges.
    const anchor = i === 0 ? "start" : i + step >= xs.length ? "end" : "middle";
    root.append(svg("text", { x: x(i, ms), y: HEIGHT - 6, "text-anchor": anchor }, clock(ms, withSeconds)));
  });
}

function legend(series) {
  return h("div", { class: "legend" }, series.map((s) =>
    h("span", { "data-series": s.key }, h("span", { class: "swatch", "data-color": s.color }), s.label)));
}

/** Swatch colours are set as attributes' CSSOM values (no inline style attribute: the page's CSP forbids them). */
function paintSwatches(node, series) {
  node.querySelectorAll(".swatch").forEach((el, i) => { el.style.background = series[i].color; });
}

function empty(container, message) {
  container.replaceChildren(h("div", { class: "chart-empty", "data-total": "0" }, message));
  container.dataset.total = "0";
}

/**
 * Stacked bars: one bar per bucket, one colour per series. {@code buckets} are ISO instants (bucket starts);
 * every series has one count per bucket. Each bar segment has a tooltip with its time, series and count.
 */
export function stackedBars(container, { buckets, series, bucketSeconds, emptyText }) {
  const xs = buckets.map((b) => new Date(b).getTime());
  const totals = xs.map((_, i) => series.reduce((a, s) => a + (s.counts[i] || 0), 0));
  const total = totals.reduce((a, b) => a + b, 0);
  if (!xs.length || total === 0) return empty(container, emptyText || "nothing in this window");
  const yMax = niceMax(Math.max(...totals));
  const f = frame(container, yMax);
  const slot = f.plotW / xs.length;
  const barW = Math.max(1, slot * 0.8);
  const x = (i) => M.left + i * slot + slot / 2;
  xs.forEach((ms, i) => {
    let base = 0;
    for (const s of series) {
      const n = s.counts[i] || 0;
      if (!n) continue;
      const top = f.y(base + n), bottom = f.y(base);
      f.root.append(svg("rect", { x: x(i) - barW / 2, y: top, width: barW, height: Math.max(1, bottom - top),
                                  fill: s.color, "data-series": s.key, "data-count": n, "data-at": buckets[i] },
        svg("title", {}, clock(ms, bucketSeconds < 60) + " · " + s.label + ": " + n)));
      base += n;
    }
  });
  xLabels(f.root, xs, x, bucketSeconds < 60, f.plotW);
  container.replaceChildren(f.root, legend(series));
  paintSwatches(container, series);
  container.dataset.total = String(total);
  container.dataset.max = String(Math.max(...totals));
}

/**
 * Lines over time: {@code xs} in epoch ms, one value per x in each series (null: no value, the line breaks).
 * {@code step} draws each value until the next x (quantities that change at events).
 */
export function lines(container, { xs, series, from, to, yUnit, step, emptyText }) {
  const values = series.flatMap((s) => s.values.filter((v) => v != null));
  if (!xs.length || !values.length) return empty(container, emptyText || "nothing in this window");
  const start = from ?? xs[0], end = Math.max(to ?? xs[xs.length - 1], start + 1);
  const yMax = niceMax(Math.max(...values, 1));
  const f = frame(container, yMax, yUnit);
  const x = (i, ms) => M.left + ((ms - start) / (end - start)) * f.plotW;
  for (const s of series) {
    let d = "";
    let open = false;
    s.values.forEach((v, i) => {
      if (v == null) { open = false; return; }
      const px = x(i, xs[i]).toFixed(1), py = f.y(v).toFixed(1);
      if (!open) d += "M" + px + " " + py;
      else d += step ? "H" + px + "V" + py : "L" + px + " " + py;
      open = true;
    });
    if (step && open) d += "H" + x(0, end).toFixed(1);
    if (!step) {
      // A value between two gaps is a point, not a line: marked, so that a lone bucket is seen.
      s.values.forEach((v, i) => {
        if (v != null) f.root.append(svg("circle", { cx: x(i, xs[i]), cy: f.y(v), r: 3, fill: s.color, "data-series": s.key },
          svg("title", {}, clock(xs[i], true) + " · " + s.label + ": " + v + (yUnit ? " " + yUnit : ""))));
      });
    }
    f.root.append(svg("path", { d, fill: "none", stroke: s.color, "stroke-width": 2, "data-series": s.key,
                                "data-last": s.values.filter((v) => v != null).slice(-1)[0],
                                "stroke-dasharray": s.dashed ? "5 3" : null },
      svg("title", {}, s.label)));
  }
  const ticks = [];
  const parts = Math.max(1, Math.min(5, Math.floor(f.plotW / 90)));
  for (let i = 0; i <= parts; i++) ticks.push(start + ((end - start) * i) / parts);
  xLabels(f.root, ticks, (i, ms) => x(i, ms), end - start < 600000, f.plotW * 2);
  container.replaceChildren(f.root, legend(series));
  paintSwatches(container, series);
  container.dataset.total = String(values.length);
}

/** Redraws {@code draw} when the container's width changes (the window turned, the phone rotated). */
export function redrawOnResize(container, draw) {
  let width = container.clientWidth;
  new ResizeObserver(() => {
    if (Math.abs(container.clientWidth - width) > 4) {
      width = container.clientWidth;
      draw();
    }
  }).observe(container);
}

export const CHANNEL_COLORS = { shopee: "#ee4d2d", tiktok: "#111827", whatsapp: "#1fa855", phone: "#7c5cd6" };
export const STATUS_COLORS = { CONFIRMED: "#157347", SHIPPED: "#2457c5", DELIVERED: "#0e7490", COMPLETED: "#0f5132",
  OUT_OF_STOCK: "#b42318", CANCELLED: "#9aa3b2", CANCELLING: "#d97706", NEEDS_MAPPING: "#e0a100",
  RESERVING: "#c4b5fd", NOTIFIED: "#cbd5e1", SHIPPING: "#60a5fa" };
export const colorOf = (key, palette) => palette[key] || "#8b95a7";
