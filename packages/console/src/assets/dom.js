/**
 * Two DOM helpers for the console page: build elements from plain data (text is always
 * set as text, never parsed as HTML), and replace an element's children.
 */

/**
 * `h("td", { class: "x" }, "text", otherNode)`: an element with attributes and children.
 * An attribute whose value is `undefined` or `false` is left out; `on*` functions become
 * event listeners.
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false || v === null) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

/**
 * Replace the children of the element with id `id`.
 * @param {string} id
 * @param {...(Node | string | number | null | undefined | false)} children
 */
export function fill(id, ...children) {
  const el = document.getElementById(id);
  if (el === null) return;
  el.replaceChildren();
  append(el, children);
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "object" ? c : String(c));
  }
}

/**
 * A table with a caption, header cells and rows of cells.
 * @param {string} caption
 * @param {string[]} head
 * @param {Array<Array<Node | string | number | null | undefined | false>>} rows
 * @param {Record<string, unknown>} [attrs]
 */
export function table(caption, head, rows, attrs = {}) {
  return h(
    "div",
    { class: "table" },
    h(
      "table",
      attrs,
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, ...head.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))),
    ),
  );
}

/** @param {string} text @param {string} kind */
export const pill = (text, kind) => h("span", { class: `pill ${kind}` }, text);
