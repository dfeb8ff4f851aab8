/// <reference lib="dom" />
/**
 * Two small DOM helpers for the console page: build elements from plain data, and draw
 * a bar chart as inline SVG. No framework: the page is a few hundred lines.
 */

type Child = Node | string | number | null | undefined | false;

/** `h("td", { class: "x" }, "text", otherNode)`: an element with attributes and children. */
export function h(
  tag: string,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "object" ? c : String(c));
  }
  return el;
}

/** Replace the contents of the element with id `id`. */
export function fill(id: string, ...children: Child[]): void {
  const el = document.getElementById(id);
  if (el === null) return;
  el.replaceChildren();
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "object" ? c : String(c));
  }
}

const SVG = "http://www.w3.org/2000/svg";
function s(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export interface Series {
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
}

/**
 * A stacked bar chart: one bar per x label, the series stacked bottom-up, a y axis with
 * three gridlines and every seventh x label. Sized by its viewBox, so it scales with CSS.
 */
export function barChart(
  labels: readonly string[],
  series: readonly Series[],
  title: string,
  height = 200,
): SVGElement {
  const width = 1200;
  const pad = { left: 36, right: 8, top: 12, bottom: 28 };
  const totals = labels.map((_, i) => series.reduce((sum, x) => sum + (x.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const y = (v: number) => pad.top + plotH - (v / top) * plotH;
  const bw = plotW / Math.max(1, labels.length);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
  for (let v = 0; v <= top; v += step) {
    svg.append(
      s("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), stroke: "#e3e6ea" }),
    );
    svg.append(
      s("text", { x: pad.left - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }, String(v)),
    );
  }
  labels.forEach((label, i) => {
    let base = 0;
    for (const x of series) {
      const v = x.values[i] ?? 0;
      if (v > 0) {
        const rect = s("rect", {
          x: pad.left + i * bw + bw * 0.15,
          y: y(base + v),
          width: bw * 0.7,
          height: y(base) - y(base + v),
          fill: x.color,
        });
        rect.append(s("title", {}, `${label}: ${v} ${x.label}`));
        svg.append(rect);
      }
      base += v;
    }
    if (i % 7 === 0) {
      svg.append(
        s(
          "text",
          { x: pad.left + i * bw + bw / 2, y: height - 8, "text-anchor": "middle", class: "axis" },
          label.slice(5),
        ),
      );
    }
  });
  return svg;
}

function niceStep(max: number): number {
  const raw = max / 3;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return Math.max(1, (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag); // counts: whole steps
}
