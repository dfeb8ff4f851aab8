/**
 * The DPO's work lists: requests of every right, incidents, and the handling of alerts.
 * Data in, DOM out, every string through `i18n`; the handlers (`app.js`) call the API.
 * Each action form sends the item's `version` (its event count), so an action decided on
 * a page someone else's action made stale is refused by the server (STALE_VIEW).
 */
import { fill, h, pill, table } from "./dom.js";
import { i18n } from "./i18n.js";

const t = (k, v) => i18n.t(k, v);
const when = (iso) => h("time", { datetime: iso }, i18n.date(iso));
const ID_METHODS = [
  "account-login",
  "id-document",
  "knowledge-check",
  "email-confirmation",
  "in-person",
];
const CHANNELS = ["email", "post", "api", "portal"];
const RESOLUTIONS = ["remediated", "false-positive", "accepted-risk", "duplicate"];

/** A deadline as a pill: overdue, at risk, or days left. */
export function deadlinePill(d) {
  const days = Math.round(Math.abs(d.msLeft) / 86_400_000);
  if (d.sent) return pill(t("sent"), "ok");
  if (d.overdue) return pill(t("daysOverdue", { n: days }), "bad");
  if (d.atRisk) return pill(t("atRisk", { n: days }), "warn");
  return pill(t("daysLeft", { n: days }), "ok");
}

/** A labelled form control; `kind` is `input`, `select` (options), or `textarea`. */
function field(id, label, kind, attrs = {}, options = []) {
  const control =
    kind === "select"
      ? h("select", { id, ...attrs }, ...options.map((o) => h("option", { value: o }, o)))
      : h(kind, { id, ...attrs });
  return [h("label", { for: id }, label), control];
}

/** A form in a `<details>` that calls `onSubmit(FormData)`. */
function actionForm(key, title, controls, submit, onSubmit) {
  const form = h(
    "form",
    { class: "stack", "data-form": key },
    ...controls.flat(),
    h("button", { type: "submit" }, submit),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    onSubmit(new FormData(form));
  });
  return h("details", { "data-action": key }, h("summary", {}, title), form);
}

/** The end of `date` (YYYY-MM-DD) in `timeZone`, as an ISO instant. */
export function endOfDayIn(date, timeZone) {
  const [y, m, d] = date.split("-").map(Number);
  const guess = Date.UTC(y, m - 1, d, 23, 59, 59);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(new Date(guess))
      .map((p) => [p.type, p.value]),
  );
  const shown = Date.UTC(
    +parts.year,
    +parts.month - 1,
    +parts.day,
    +parts.hour,
    +parts.minute,
    +parts.second,
  );
  return new Date(guess - (shown - guess)).toISOString();
}

function requestActions(q, can, on) {
  const id = (s) => `${s}-${q.id}`;
  const out = [];
  const has = (a, rule) => q.actions.includes(a) && can(rule);
  if (has("verify", "request.verify-identity"))
    out.push(
      actionForm(
        id("verify"),
        t("verifyIdentity"),
        [field(id("verify-m"), t("idMethod"), "select", { name: "method" }, ID_METHODS)],
        t("verifyIdentity"),
        (d) => on.request(q, "verify", { method: String(d.get("method")) }),
      ),
    );
  if (has("answer", "request.answer"))
    out.push(
      h(
        "p",
        { class: "row" },
        ...["json", "csv"].map((format) =>
          h(
            "button",
            {
              type: "button",
              "data-answer": `${q.id}:${format}`,
              onclick: () => on.answer(q, format),
            },
            t(format === "json" ? "answerJson" : "answerCsv"),
          ),
        ),
      ),
    );
  if (has("complete", "request.complete"))
    out.push(
      actionForm(
        id("complete"),
        t("complete"),
        [field(id("complete-e"), t("evidence"), "input", { name: "evidence", required: true })],
        t("complete"),
        (d) =>
          on.request(q, "complete", {
            evidence: String(d.get("evidence"))
              .split(/[\s,]+/)
              .filter(Boolean),
          }),
      ),
    );
  if (has("extend", "request.extend"))
    out.push(
      actionForm(
        id("extend"),
        t("extend"),
        [
          field(id("extend-d"), t("newDueDate"), "input", {
            name: "date",
            type: "date",
            required: true,
          }),
          field(id("extend-r"), t("extendReason"), "input", {
            name: "reason",
            required: true,
            maxlength: "500",
          }),
        ],
        t("extend"),
        (d) =>
          on.request(q, "extend", {
            dueBy: endOfDayIn(String(d.get("date")), i18n.timeZone),
            reason: String(d.get("reason")),
          }),
      ),
    );
  if (has("refuse", "request.refuse"))
    out.push(
      actionForm(
        id("refuse"),
        t("refuse"),
        [
          field(id("refuse-g"), t("refuseGround"), "select", { name: "ground" }, q.grounds),
          field(id("refuse-r"), t("refuseReason"), "input", {
            name: "reason",
            required: true,
            maxlength: "500",
          }),
        ],
        t("refuse"),
        (d) =>
          on.request(q, "refuse", {
            ground: String(d.get("ground")),
            reason: String(d.get("reason")),
          }),
      ),
    );
  if (q.actions.includes("notify") && can("request.recipients"))
    out.push(
      h(
        "button",
        { type: "button", "data-recipients": q.id, onclick: () => on.recipients(q) },
        t("showRecipients"),
      ),
    );
  return out.length === 0 ? "" : h("div", { class: "stack" }, ...out);
}

/** The requests of every right: a table with the deadline marks and each item's actions. */
export function renderRequests(items, can, on) {
  if (items.length === 0) return fill("requests-list", h("p", {}, t("queueEmpty")));
  fill(
    "requests-list",
    table(
      t("requests"),
      [
        t("right"),
        t("subject"),
        t("received"),
        t("dueBy"),
        t("deadline"),
        t("status"),
        t("actions"),
      ],
      items.map((q) => [
        h("span", {}, h("strong", {}, q.right), h("br"), h("small", {}, q.clause)),
        h("code", { class: "id" }, q.subject),
        when(q.receivedAt),
        when(q.dueBy),
        q.status === "open" ? deadlinePill(q) : "",
        h(
          "span",
          {},
          q.status,
          q.identity && h("br"),
          q.identity && h("small", {}, t("identityVerified", { method: q.identity.method })),
        ),
        requestActions(q, can, on),
      ]),
      { id: "requests-table" },
    ),
  );
}

/** The Art. 19 recipients of one completed request, each with a form to record its notice. */
export function renderRecipients(q, data, can, on) {
  const target = document.querySelector(`[data-recipients="${CSS.escape(q.id)}"]`)?.parentElement;
  if (!target) return;
  const rows = data.recipients.map((r) => [
    h("code", {}, r.recipient),
    r.notifiedAt ? t("notified", { at: i18n.date(r.notifiedAt) }) : t("notYetNotified"),
    !r.notifiedAt && can("request.notify")
      ? actionForm(
          `notify-${q.id}-${r.recipient}`,
          t("notify"),
          [
            field(
              `notify-${q.id}-${r.recipient}-c`,
              t("noticeChannel"),
              "select",
              { name: "channel" },
              CHANNELS,
            ),
          ],
          t("notify"),
          (d) =>
            on.request(q, "notify", { recipient: r.recipient, channel: String(d.get("channel")) }),
        )
      : "",
  ]);
  target.querySelector(".recipients")?.remove();
  target.append(
    h(
      "div",
      { class: "recipients" },
      table(t("recipients"), [t("destination"), t("status"), t("actions")], rows),
    ),
  );
}

const DEADLINE_LABEL = {
  gdprAuthority: "dlGdprAuthority",
  appiPreliminary: "dlAppiPreliminary",
  appiFinal: "dlAppiFinal",
};

/** The incident queue. */
export function renderIncidents(data, onOpen) {
  if (data.incidents.length === 0) return fill("incidents-list", h("p", {}, t("incidentsEmpty")));
  fill(
    "incidents-list",
    table(
      t("incidents"),
      [t("category"), t("regime"), t("awareAt"), t("nextDue"), t("status"), t("actions")],
      data.incidents.map((i) => {
        const next = i.deadlines.find((d) => !d.sent);
        return [
          i.category,
          i.regimes.join(", "),
          when(i.awareAt),
          next ? h("span", {}, when(next.dueBy), " ", deadlinePill(next)) : "",
          i.status,
          h(
            "button",
            { type: "button", "data-incident": i.incidentId, onclick: () => onOpen(i.incidentId) },
            t("openIncident", { id: i.incidentId.slice(0, 12) }),
          ),
        ];
      }),
      { id: "incidents-table" },
    ),
  );
}

/** One incident: its deadlines, notifications, steps the DPO may record and its reports. */
export function renderIncident(detail, can, on) {
  if (!detail) return fill("incident-detail");
  const i = detail.incident;
  const act = can("incident.act") && i.status !== "closed";
  const step = (key, title, controls, body) =>
    actionForm(`incident-${key}`, title, controls, title, (d) => on.step(i, key, body(d)));
  fill(
    "incident-detail",
    h("h3", { id: "incident-h", tabindex: "-1" }, `${i.category} · ${i.incidentId}`),
    h("p", {}, i.summary),
    table(
      t("incidentDeadlines"),
      [t("deadline"), t("dueBy"), t("status")],
      i.deadlines.map((d) => [
        t(DEADLINE_LABEL[d.key]),
        when(d.latestBy ?? d.dueBy),
        deadlinePill(d),
      ]),
      { id: "incident-deadlines" },
    ),
    table(
      t("notifications"),
      [t("when"), t("destination"), t("stage")],
      i.notifications.map((n) => [when(n.at), n.to, n.stage ?? String(n.count ?? "")]),
      { id: "incident-notifications" },
    ),
    act &&
      h(
        "div",
        { class: "stack" },
        step(
          "contain",
          t("contain"),
          [field("inc-measures", t("measures"), "input", { name: "measures", required: true })],
          (d) => ({
            measures: String(d.get("measures")),
          }),
        ),
        step(
          "notify-regulator",
          t("notifyRegulator"),
          [
            field("inc-to", t("authority"), "select", { name: "to" }, [
              ...(i.regimes.includes("appi") ? ["ppc"] : []),
              ...(i.regimes.includes("gdpr") ? ["gdpr-authority"] : []),
            ]),
            field("inc-stage", t("stage"), "select", { name: "stage" }, [
              "preliminary",
              "final",
              "initial",
              "supplementary",
            ]),
            field("inc-late", t("lateReason"), "input", { name: "lateReason" }),
          ],
          (d) => ({
            to: String(d.get("to")),
            stage: String(d.get("stage")),
            ...(d.get("lateReason") ? { lateReason: String(d.get("lateReason")) } : {}),
          }),
        ),
        step(
          "notify-subjects",
          t("notifySubjects"),
          [
            field("inc-count", t("count"), "input", {
              name: "count",
              type: "number",
              min: "0",
              required: true,
            }),
            field("inc-channel", t("noticeChannel"), "select", { name: "channel" }, CHANNELS),
          ],
          (d) => ({ count: Number(d.get("count")), channel: String(d.get("channel")) }),
        ),
        step(
          "close",
          t("closeIncident"),
          [field("inc-final", t("finalReport"), "input", { name: "finalReport", required: true })],
          (d) => ({
            finalReport: String(d.get("finalReport")),
          }),
        ),
      ),
    can("incident.report") &&
      h(
        "div",
        {},
        h("h4", {}, t("reports")),
        h(
          "ul",
          { class: "plain" },
          ...detail.reports.flatMap((r) =>
            ["md", "html", "pdf"].map((format) =>
              h(
                "li",
                {},
                h(
                  "button",
                  {
                    type: "button",
                    id: `report-${r}-${format}`,
                    onclick: () => on.report(i, r, format),
                  },
                  `${t(r === "gdpr" ? "rGdpr" : r === "ppc-final" ? "rPpcFinal" : "rPpcPreliminary")} · ${format === "md" ? "Markdown" : format === "pdf" ? "PDF" : "HTML"}`,
                ),
              ),
            ),
          ),
        ),
      ),
  );
}

/** Acknowledge / resolve controls and the handling state of one alert. */
export function alertHandling(a, can, on) {
  const state = [
    a.acknowledged && pill(t("acknowledgedBy", { by: a.acknowledged.by }), "muted"),
    a.resolved &&
      pill(t("resolvedBy", { by: a.resolved.by, resolution: a.resolved.resolution }), "ok"),
  ];
  const controls = [];
  if (!a.acknowledged && !a.resolved && can("alert.acknowledge"))
    controls.push(
      actionForm(
        `ack-${a.alertId}`,
        t("acknowledge"),
        [field(`ack-${a.alertId}-n`, t("note"), "input", { name: "note", maxlength: "500" })],
        t("acknowledge"),
        (d) => on.acknowledge(a, d.get("note") ? { note: String(d.get("note")) } : {}),
      ),
    );
  if (!a.resolved && can("alert.resolve"))
    controls.push(
      actionForm(
        `resolve-${a.alertId}`,
        t("resolve"),
        [
          field(
            `resolve-${a.alertId}-r`,
            t("resolution"),
            "select",
            { name: "resolution" },
            RESOLUTIONS,
          ),
          field(`resolve-${a.alertId}-n`, t("note"), "input", { name: "note", maxlength: "500" }),
        ],
        t("resolve"),
        (d) =>
          on.resolve(a, {
            resolution: String(d.get("resolution")),
            ...(d.get("note") ? { note: String(d.get("note")) } : {}),
          }),
      ),
    );
  return h("div", { class: "stack" }, ...state.filter(Boolean), ...controls);
}
