/**
 * The console page: loads the user and the data from the console API (relative URLs, so
 * it works under any mount path), renders with `views.js`, and re-renders from the data
 * it holds when the language changes — switching language never re-reads a subject (a
 * re-read would be recorded as another access).
 */
import { fill, h } from "./dom.js";
import { i18n } from "./i18n.js";
import {
  renderAlerts,
  renderExports,
  renderQueue,
  renderSearch,
  renderStatus,
  renderSubject,
} from "./views.js";
import { renderIncident, renderIncidents, renderRecipients, renderRequests } from "./work.js";

const API = new URL("api/", document.baseURI);
const state = {
  me: undefined,
  ledger: undefined,
  status: undefined,
  search: undefined,
  subject: undefined,
  queue: undefined,
  alerts: undefined,
  alertsOpenOnly: true,
  incidents: undefined,
  incident: undefined,
};

class ApiError extends Error {}

async function call(path, init = {}) {
  const url = new URL(path, API);
  if (state.ledger) url.searchParams.set("ledger", state.ledger);
  const res = await fetch(url, {
    ...init,
    headers: {
      "x-daicho-console": "1",
      ...(init.body ? { "content-type": "application/json" } : {}),
      ...(init.headers ?? {}),
    },
    credentials: "same-origin",
  });
  if (!res.ok) {
    let reason = `HTTP ${res.status}`;
    try {
      const body = await res.json();
      reason = `${body.error?.code ?? res.status}: ${body.error?.reason ?? ""}`;
    } catch {}
    throw new ApiError(reason);
  }
  return res;
}
const get = async (path) => (await call(path)).json();
const post = async (path, body) =>
  (await call(path, { method: "POST", body: JSON.stringify(body) })).json();
const can = (action) => state.me?.actions.includes(action) === true;

function say(text) {
  fill("errors");
  fill("messages", text);
}
function fail(e) {
  fill("messages");
  fill("errors", i18n.t("error", { reason: e instanceof Error ? e.message : String(e) }));
}
const guard =
  (fn) =>
  (...args) =>
    fn(...args).catch(fail);

/** Apply the language to the static parts of the page, then re-render every part from state. */
function renderAll() {
  document.documentElement.lang = i18n.lang;
  document.title = i18n.t("title");
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = i18n.t(el.dataset.t);
  const sw = document.getElementById("lang-switch");
  sw.textContent = i18n.t("switchTo");
  sw.lang = i18n.lang === "ja" ? "en" : "ja";
  for (const el of document.querySelectorAll("[data-needs]")) el.hidden = !can(el.dataset.needs);
  fill("who", i18n.t("signedIn", { actor: state.me.actor, roles: state.me.roles.join(", ") }));
  const purpose = document.getElementById("search-purpose");
  const chosen = purpose.value;
  fill(
    "search-purpose",
    ...state.me.purposes.map((p) => h("option", { value: p, selected: p === chosen }, p)),
  );
  if (state.status) renderStatus(state.status);
  if (can("verify.full") && !document.getElementById("full-verify"))
    document
      .getElementById("overview")
      .append(
        h(
          "p",
          {},
          h("button", { type: "button", id: "full-verify", onclick: guard(fullVerify) }, ""),
        ),
      );
  const fv = document.getElementById("full-verify");
  if (fv) fv.textContent = i18n.t("fullVerify");
  renderSearch(state.search, guard(openSubject));
  renderSubject(state.subject, can, { place: guard(placeHold), release: guard(releaseHold) });
  if (state.queue)
    renderQueue(state.queue, can, { execute: guard(execute), refuse: guard(refuse) });
  if (state.queue)
    renderRequests(
      state.queue.items.filter((q) => q.kind === "request"),
      can,
      { request: guard(requestAction), answer: guard(answer), recipients: guard(recipients) },
    );
  if (state.incidents) renderIncidents(state.incidents, guard(openIncident));
  renderIncident(state.incident, can, { step: guard(incidentStep), report: guard(report) });
  if (state.alerts)
    renderAlerts({ ...state.alerts, openOnly: state.alertsOpenOnly }, can, {
      acknowledge: guard(acknowledge),
      resolve: guard(resolve),
      openOnly: guard(alertsOpenOnly),
    });
  if (can("export.records") || can("export.bundle")) renderExports(can, guard(download));
}

async function loadOverview() {
  const [status, queue, alerts, incidents] = await Promise.all([
    get("status"),
    get("queue"),
    can("alerts.read") ? get(state.alertsOpenOnly ? "alerts?open=1" : "alerts") : undefined,
    can("incidents.read") ? get("incidents") : undefined,
  ]);
  Object.assign(state, { status, queue, alerts, incidents });
  if (state.incident)
    state.incident = await get(
      `incidents/${encodeURIComponent(state.incident.incident.incidentId)}`,
    );
}

async function search(q) {
  state.search = await get(`subjects?q=${encodeURIComponent(q)}`);
  state.subject = undefined;
  renderAll();
}

async function openSubject(subject) {
  const purpose = document.getElementById("search-purpose").value;
  state.subject = await get(
    `subjects/${encodeURIComponent(subject)}?purpose=${encodeURIComponent(purpose)}`,
  );
  renderAll();
  document.getElementById("subject-h")?.focus();
}

async function refresh() {
  await loadOverview();
  if (state.subject) {
    // Re-open only when the subject changed under an action of ours: that read is recorded too.
    const purpose = document.getElementById("search-purpose").value;
    state.subject = await get(
      `subjects/${encodeURIComponent(state.subject.subject)}?purpose=${encodeURIComponent(purpose)}`,
    );
  }
  renderAll();
}

async function execute(q) {
  if (!window.confirm(i18n.t("executeConfirm", { subject: q.subject }))) return;
  const r = await post(`queue/${q.kind}/${encodeURIComponent(q.id)}/execute`, {});
  await refresh();
  say(
    i18n.t("executed", { subject: q.subject, id: r.certificate?.certificate?.requestId ?? q.id }),
  );
}

async function refuse(q, ground, reason) {
  const r = await post(`queue/${q.kind}/${encodeURIComponent(q.id)}/refuse`, { ground, reason });
  await refresh();
  say(i18n.t("refused", { seq: r.refused.seq }));
}

async function placeHold(subject, holdId, reason) {
  const r = await post("holds", { subject, holdId, reason });
  await refresh();
  say(i18n.t("holdPlaced", { id: holdId, seq: r.placed.seq }));
}

async function releaseHold(subject, holdId) {
  const r = await post("holds/release", { subject, holdId });
  await refresh();
  say(i18n.t("holdReleased", { id: holdId, seq: r.released.seq }));
}

/** A request action with the version the page shows (a stale page is refused: STALE_VIEW). */
async function requestAction(q, action, body) {
  await post(`queue/request/${encodeURIComponent(q.id)}/${action}`, {
    ...body,
    version: q.version,
  });
  await refresh();
  say(i18n.t("actionDone", { what: `${q.right} · ${action}` }));
}

/** Answer an access or portability request with the export, and hand the file over. */
async function answer(q, format) {
  const r = await post(`queue/request/${encodeURIComponent(q.id)}/answer`, {
    format,
    version: q.version,
  });
  save(r.export.name, new Blob([r.export.body], { type: r.export.contentType }));
  await refresh();
  say(i18n.t("answered", { seq: r.export.recordedAs.seq }));
}

async function recipients(q) {
  const data = await get(`queue/request/${encodeURIComponent(q.id)}/recipients`);
  renderRecipients(q, data, can, { request: guard(requestAction) });
}

async function openIncident(id) {
  state.incident = await get(`incidents/${encodeURIComponent(id)}`);
  renderAll();
  document.getElementById("incident-h")?.focus();
}

async function incidentStep(i, action, body) {
  await post(`incidents/${encodeURIComponent(i.incidentId)}/${action}`, {
    ...body,
    version: i.version,
  });
  await refresh();
  say(i18n.t("actionDone", { what: `${i.category} · ${action}` }));
}

async function report(i, kind, format) {
  await download(
    `incidents/${encodeURIComponent(i.incidentId)}/report?report=${kind}&format=${format}`,
  );
}

async function acknowledge(a, body) {
  const r = await post(`alerts/${encodeURIComponent(a.alertId)}/acknowledge`, body);
  await refresh();
  say(i18n.t("alertAcked", { id: a.alertId, seq: r.acknowledged.seq }));
}

async function resolve(a, body) {
  const r = await post(`alerts/${encodeURIComponent(a.alertId)}/resolve`, body);
  await refresh();
  say(i18n.t("alertResolved", { id: a.alertId, seq: r.resolved.seq }));
}

async function alertsOpenOnly(on) {
  state.alertsOpenOnly = on;
  state.alerts = await get(on ? "alerts?open=1" : "alerts");
  renderAll();
}

async function fullVerify() {
  say(i18n.t("loading"));
  const r = await post("verify", {});
  if (r.ok) say(i18n.t("fullVerifyOk", { count: i18n.num(r.count) }));
  else fail(new Error(i18n.t("fullVerifyBad", { seq: r.failure.seq, kind: r.failure.kind })));
}

async function download(path) {
  const res = await call(path);
  const name =
    /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? "export";
  save(name, await res.blob());
  say(i18n.t("downloaded", { name }));
}

function save(name, blob) {
  const link = h("a", { href: URL.createObjectURL(blob), download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
}

async function start() {
  state.me = await get("me");
  i18n.init(state.me.locale, state.me.timeZone);
  if (state.me.ledgers.length > 1) {
    const pick = document.getElementById("ledger-pick");
    pick.hidden = false;
    fill("ledger-select", ...state.me.ledgers.map((l) => h("option", { value: l }, l)));
    document.getElementById("ledger-select").addEventListener(
      "change",
      guard(async (e) => {
        state.ledger = e.target.value;
        Object.assign(state, { search: undefined, subject: undefined });
        await refresh();
      }),
    );
  }
  document.getElementById("lang-switch").addEventListener("click", () => {
    i18n.toggle();
    renderAll();
  });
  document.getElementById("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    guard(search)(document.getElementById("search-q").value.trim());
  });
  await loadOverview();
  renderAll();
  document.body.dataset.ready = "true";
}

start().catch((e) => {
  fail(e);
  document.body.dataset.ready = "error";
});
