/**
 * Render functions: data in, DOM out, every string through `i18n`. They keep no state;
 * `app.js` calls them again with the same data when the language changes.
 */
import { fill, h, pill, table } from "./dom.js";
import { i18n } from "./i18n.js";
import { alertHandling } from "./work.js";

const t = (k, v) => i18n.t(k, v);
const when = (iso) => h("time", { datetime: iso }, i18n.date(iso));
const short = (hash) => h("code", { title: hash }, `${String(hash).slice(0, 12)}…`);

export function renderStatus(st) {
  const v = st.verify;
  fill(
    "verify-card",
    h("h3", {}, t("integrity")),
    v.ok
      ? h("p", { id: "verify-status", class: "big ok" }, t("verified"))
      : h("p", { id: "verify-status", class: "big bad" }, t("broken", { seq: v.failure.seq })),
    h(
      "p",
      {},
      v.ok
        ? t("verifiedDetail", {
            count: i18n.num(v.count),
            head: v.head ? v.head.seq : "-",
            ms: st.verifyMs,
          })
        : `${v.failure.kind}: ${v.failure.reason}`,
    ),
  );
  const cp = st.checkpoint;
  const sig = cp?.signature;
  fill(
    "checkpoint-card",
    h("h3", {}, t("checkpoint")),
    cp === null
      ? h("p", { class: "big" }, t("noCheckpoint"))
      : h(
          "p",
          {
            id: "checkpoint-status",
            class: `big ${sig === "valid" ? "ok" : sig === "invalid" ? "bad" : ""}`,
          },
          t("checkpointEvents", { size: i18n.num(cp.size) }),
        ),
    cp &&
      h(
        "p",
        {},
        sig === "valid"
          ? t("signatureValid", { by: cp.signedBy.join(", ") })
          : sig === "invalid"
            ? t("signatureInvalid")
            : t("signatureUnchecked"),
        h("br"),
        t("signedAt", { at: i18n.date(cp.createdAt) }),
        cp.root && " · ",
        cp.root && short(cp.root),
      ),
  );
  const c = st.counts;
  fill(
    "counts-card",
    h("h3", {}, t("counts")),
    h(
      "p",
      {},
      t("countsDetail", {
        accesses: i18n.num(c.accesses),
        exports: i18n.num(c.exports),
        alerts: i18n.num(c.alerts),
        erased: i18n.num(c.erasureCompleted),
      }),
    ),
  );
}

export function renderSearch(result, onOpen) {
  if (result === undefined) return fill("search-results");
  if (result.subjects.length === 0)
    return fill("search-results", h("p", { id: "search-none" }, t("noMatch")));
  fill(
    "search-results",
    h(
      "ul",
      { class: "plain" },
      ...result.subjects.map((s) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "primary",
              "data-open": s.subject,
              onclick: () => onOpen(s.subject),
            },
            t("open", { subject: s.subject }),
          ),
        ),
      ),
    ),
  );
}

/** The drill-down; `can(action)` says which forms to show. */
export function renderSubject(view, can, handlers) {
  if (view === undefined) return fill("subject-detail");
  const none = h("p", {}, t("none"));
  const status = (s) =>
    pill(
      s,
      s === "granted" || s === "open"
        ? "ok"
        : s === "withdrawn" || s === "refused"
          ? "bad"
          : "muted",
    );
  fill(
    "subject-detail",
    h(
      "h3",
      { id: "subject-h", tabindex: "-1" },
      `${t("subject")}: `,
      h("code", {}, view.subject),
      " ",
      view.erased ? pill(t("erased"), "muted") : pill(t("active"), "ok"),
    ),
    h("p", { class: "hint", id: "recorded-as" }, t("recorded", { seq: view.recordedAs.seq })),
    h("h3", {}, t("consent")),
    view.consents.current.length === 0
      ? none.cloneNode(true)
      : table(
          t("consent"),
          [t("purpose"), t("status"), t("since"), t("channel")],
          view.consents.current.map((c) => [
            c.purpose,
            status(c.status),
            when(c.at),
            c.evidence?.channel ?? "",
          ]),
          { id: "consent-table" },
        ),
    h("h3", {}, t("erasureRequests")),
    view.erasureRequests.length === 0
      ? none.cloneNode(true)
      : table(
          t("erasureRequests"),
          ["id", t("received"), t("dueBy"), t("status")],
          view.erasureRequests.map((r) => [
            h("code", { class: "id" }, r.requestId),
            when(r.requestedAt),
            when(r.dueBy),
            status(r.status),
          ]),
        ),
    h("h3", {}, t("holds")),
    view.legalHolds.length === 0
      ? none.cloneNode(true)
      : h(
          "ul",
          { class: "plain", id: "holds-list" },
          ...view.legalHolds.map((x) =>
            h(
              "li",
              { "data-hold": x.holdId },
              h("code", {}, x.holdId),
              ` · ${x.reason} · `,
              when(x.placedAt),
              " ",
              can("hold.release") &&
                h(
                  "button",
                  { type: "button", onclick: () => handlers.release(view.subject, x.holdId) },
                  t("release", { id: x.holdId }),
                ),
            ),
          ),
        ),
    can("hold.place") && holdForm(view.subject, handlers.place),
    h("h3", {}, t("provenance")),
    view.provenance.length === 0
      ? none.cloneNode(true)
      : table(
          t("provenance"),
          [t("when"), t("source"), t("fields")],
          view.provenance.map((s) => [
            when(s.at),
            String(s.detail?.source ?? s.type),
            (s.fields ?? []).join(", "),
          ]),
        ),
    h("h3", {}, t("grants")),
    view.grants.length === 0
      ? none.cloneNode(true)
      : table(
          t("grants"),
          [t("when"), t("event")],
          view.grants.map((g) => [when(g.occurredAt), g.type]),
        ),
    view.accessReport && h("h3", {}, t("accessReport")),
    view.accessReport &&
      table(
        t("accessReport"),
        [t("when"), t("actor"), t("event"), t("purpose"), t("fields")],
        [
          ...view.accessReport.accesses,
          ...view.accessReport.exports,
          ...view.accessReport.disclosures,
        ]
          .sort((a, b) => b.at.localeCompare(a.at))
          .slice(0, 200)
          .map((a) => [when(a.at), a.actor, a.type, a.purpose ?? "", (a.fields ?? []).join(", ")]),
        { id: "access-report" },
      ),
    view.personalData && h("h3", {}, t("personalData")),
    view.personalData &&
      table(
        t("personalData"),
        [t("field"), t("value"), t("when")],
        view.personalData.map((p) => [
          p.field,
          p.value ?? t("redacted", { reason: p.redacted?.reason ?? "" }),
          when(p.recordedAt),
        ]),
        { id: "personal-data" },
      ),
    h("h3", {}, t("timeline")),
    table(
      t("timeline"),
      view.timeline[0]?.actor === undefined
        ? ["#", t("when"), t("event")]
        : ["#", t("when"), t("event"), t("actor")],
      view.timeline
        .slice(-300)
        .reverse()
        .map((e) => [e.seq, when(e.occurredAt), e.type, e.actor]),
      { id: "subject-timeline" },
    ),
  );
}

function holdForm(subject, onPlace) {
  const form = h(
    "form",
    { id: "hold-form" },
    h(
      "fieldset",
      {},
      h("legend", {}, t("placeHold")),
      h(
        "div",
        { class: "row" },
        h("label", { for: "hold-id" }, t("holdId")),
        h("input", { id: "hold-id", name: "holdId", required: true, autocomplete: "off" }),
        h("label", { for: "hold-reason" }, t("holdReason")),
        h("input", { id: "hold-reason", name: "reason", required: true, maxlength: "500" }),
        h("button", { type: "submit" }, t("placeHold")),
      ),
    ),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    onPlace(subject, String(data.get("holdId")), String(data.get("reason")));
  });
  return form;
}

const GROUNDS = [
  "legal-hold",
  "legal-obligation",
  "legal-claims",
  "freedom-of-expression",
  "public-health",
  "archiving",
];

export function renderQueue(all, can, handlers) {
  // Erasure-service requests here; requests of every right have their own list (work.js).
  const queue = { items: all.items.filter((q) => q.kind === "erasure") };
  if (queue.items.length === 0) return fill("queue-list", h("p", {}, t("queueEmpty")));
  const deadline = (q) => {
    const days = Math.round(Math.abs(q.msLeft) / 86_400_000);
    return q.overdue
      ? pill(t("daysOverdue", { n: days }), "bad")
      : pill(t("daysLeft", { n: days }), days <= 10 ? "warn" : "ok");
  };
  const actions = (q) => {
    const out = [];
    if (q.actions.includes("execute") && can("erasure.execute"))
      out.push(
        h(
          "button",
          {
            type: "button",
            class: "danger",
            "data-execute": q.id,
            onclick: () => handlers.execute(q),
          },
          t("execute"),
        ),
      );
    if (q.actions.includes("refuse") && can("erasure.refuse")) {
      const id = `refuse-${q.id}`;
      const form = h(
        "form",
        { class: "row", "data-refuse": q.id },
        h("label", { for: `${id}-g` }, t("refuseGround")),
        h(
          "select",
          { id: `${id}-g`, name: "ground" },
          ...GROUNDS.map((g) => h("option", { value: g }, g)),
        ),
        h("label", { for: `${id}-r` }, t("refuseReason")),
        h("input", { id: `${id}-r`, name: "reason", required: true, maxlength: "500" }),
        h("button", { type: "submit" }, t("refuse")),
      );
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const d = new FormData(form);
        handlers.refuse(q, String(d.get("ground")), String(d.get("reason")));
      });
      out.push(h("details", {}, h("summary", {}, t("refuse")), form));
    }
    return out.length === 0 ? "" : h("div", {}, ...out);
  };
  fill(
    "queue-list",
    table(
      t("queue"),
      [
        t("kind"),
        t("subject"),
        t("received"),
        t("dueBy"),
        t("deadline"),
        t("status"),
        t("actions"),
      ],
      queue.items.map((q) => [
        q.kind,
        h("code", { class: "id" }, q.subject ?? ""),
        when(q.receivedAt),
        when(q.dueBy),
        deadline(q),
        q.history.length ? `${q.status}: ${q.history.at(-1).ground ?? ""}` : q.status,
        actions(q),
      ]),
      { id: "queue-table" },
    ),
  );
}

export function renderAlerts(data, can, on) {
  const toggle = h(
    "p",
    {},
    h("input", {
      type: "checkbox",
      id: "alerts-open-only",
      checked: data.openOnly === true,
      onchange: (e) => on.openOnly(e.target.checked),
    }),
    " ",
    h("label", { for: "alerts-open-only" }, t("openOnly")),
  );
  if (data.alerts.length === 0) return fill("alerts-list", toggle, h("p", {}, t("noAlerts")));
  fill(
    "alerts-list",
    toggle,
    h(
      "p",
      { class: "hint" },
      t("alertsShown", { shown: i18n.num(data.alerts.length), total: i18n.num(data.total) }),
    ),
    h(
      "ul",
      { class: "plain", id: "alerts-ul" },
      ...data.alerts.map((a) =>
        h(
          "li",
          { "data-rule": a.rule, "data-alert": a.alertId },
          h(
            "details",
            {},
            h(
              "summary",
              {},
              pill(a.severity, a.severity === "critical" ? "bad" : "warn"),
              " ",
              h("strong", {}, a.rule),
              ` · ${a.actorId} · `,
              when(a.at),
            ),
            h(
              "dl",
              {},
              h("dt", {}, t("rule")),
              h("dd", {}, a.rule),
              h("dt", {}, t("severity")),
              h("dd", {}, a.severity),
              h("dt", {}, t("actor")),
              h("dd", {}, a.actorId),
              a.count !== undefined && h("dt", {}, "#"),
              a.count !== undefined &&
                h("dd", {}, t("threshold", { count: a.count, threshold: a.threshold ?? "-" })),
              a.destination && h("dt", {}, t("destination")),
              a.destination && h("dd", {}, `${a.destination.kind}:${a.destination.id}`),
              a.detail && h("dt", {}, t("alertDetail")),
              a.detail && h("dd", {}, a.detail),
              h("dt", {}, t("triggeredBy")),
              h("dd", {}, h("code", {}, (a.triggeredBy ?? []).slice(0, 20).join(" ") || "-")),
            ),
            alertHandling(a, can, on),
          ),
        ),
      ),
    ),
  );
}

export function renderExports(can, onDownload) {
  const button = (id, label, path) =>
    h("button", { type: "button", id, onclick: () => onDownload(path()) }, label);
  const from = h("input", { id: "bundle-from", type: "number", min: "0", inputmode: "numeric" });
  const to = h("input", { id: "bundle-to", type: "number", min: "1", inputmode: "numeric" });
  fill(
    "exports-body",
    h("p", { class: "hint" }, t("exportsHint")),
    can("export.bundle") &&
      h(
        "fieldset",
        {},
        h("legend", {}, t("bundle")),
        h(
          "div",
          { class: "row" },
          h("label", { for: "bundle-from" }, t("bundleFrom")),
          from,
          h("label", { for: "bundle-to" }, t("bundleTo")),
          to,
          button("export-bundle", t("download"), () => {
            const q = new URLSearchParams();
            if (from.value) q.set("from", from.value);
            if (to.value) q.set("to", to.value);
            return `exports/bundle?${q}`;
          }),
        ),
      ),
    can("export.checkpoint") &&
      h(
        "fieldset",
        {},
        h("legend", {}, t("checkpointFile")),
        button("export-checkpoint", t("download"), () => "exports/checkpoint"),
      ),
    can("export.records") &&
      h(
        "fieldset",
        {},
        h("legend", {}, t("art30")),
        h(
          "div",
          { class: "row" },
          button("export-art30-json", "JSON", () => "exports/records-of-processing?format=json"),
          button("export-art30-csv", "CSV", () => "exports/records-of-processing?format=csv"),
        ),
      ),
    can("export.records") &&
      h(
        "fieldset",
        {},
        h("legend", {}, t("provision")),
        h(
          "div",
          { class: "row" },
          button("export-provision-json", "JSON", () => "exports/provision-records?format=json"),
          button("export-provision-csv", "CSV", () => "exports/provision-records?format=csv"),
        ),
      ),
  );
}
