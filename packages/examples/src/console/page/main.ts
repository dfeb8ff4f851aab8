/// <reference lib="dom" />
/**
 * The compliance console page: fetches the console API and renders it. Bundled into one
 * script by esbuild when the console server starts.
 */
import { barChart, fill, h } from "./dom";

const get = async <T>(path: string): Promise<T> => {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
};

const when = (iso: string) =>
  new Date(iso).toLocaleString("en-GB", {
    timeZone: "Asia/Tokyo",
    dateStyle: "medium",
    timeStyle: "short",
  });
const short = (hash: string) => `${hash.slice(0, 12)}…`;
const pill = (text: string, kind: string) => h("span", { class: `pill ${kind}` }, text);

interface Status {
  ledgerId: string;
  now: string;
  verify:
    | { ok: true; count: number; headSeq: number | null; headHash: string | null }
    | { ok: false; failure: { seq: number; kind: string; reason: string } };
  checkpoint: null | {
    size: number;
    createdAt: string;
    signatureValid: boolean;
    signedBy: string[];
    root: string | null;
    stored: number;
  };
}

async function status(): Promise<void> {
  const st = await get<Status>("/api/status");
  fill("ledger-id", st.ledgerId);
  fill("as-of", `as of ${when(st.now)} (Tokyo)`);
  const v = st.verify;
  fill(
    "verify-card",
    h("h2", {}, "Ledger integrity"),
    v.ok
      ? h("p", { id: "verify-status", class: "big ok" }, "✓ Verified")
      : h("p", { id: "verify-status", class: "big bad" }, `✗ Broken at #${v.failure.seq}`),
    v.ok
      ? h(
          "p",
          {},
          `${v.count.toLocaleString("en")} events, hash chain recomputed; head #${v.headSeq} `,
          h("code", {}, short(v.headHash ?? "")),
        )
      : h("p", {}, `${v.failure.kind}: ${v.failure.reason}`),
  );
  const cp = st.checkpoint;
  fill(
    "checkpoint-card",
    h("h2", {}, "Latest checkpoint"),
    cp === null
      ? h("p", { class: "big" }, "none yet")
      : h(
          "p",
          { id: "checkpoint-status", class: `big ${cp.signatureValid ? "ok" : "bad"}` },
          `${cp.size.toLocaleString("en")} events`,
        ),
    cp &&
      h(
        "p",
        {},
        cp.signatureValid ? `signature valid (${cp.signedBy.join(", ")})` : "signature INVALID",
        h("br"),
        `signed ${when(cp.createdAt)}; ${cp.stored} checkpoints kept; root `,
        h("code", {}, short(cp.root ?? "")),
        v.ok ? ` · ${v.count - cp.size} events since` : "",
      ),
  );
}

interface OpenRequest {
  requestId: string;
  subject: string;
  channel: string;
  requestedAt: string;
  dueBy: string;
  status: string;
  overdue: boolean;
  msLeft: number;
  refusals: { ground: string; reason: string }[];
}

async function erasure(): Promise<void> {
  const { open, completed } = await get<{ open: OpenRequest[]; completed: number }>("/api/erasure");
  const overdue = open.filter((r) => r.overdue).length;
  fill(
    "erasure-card",
    h("h2", {}, "Erasure requests"),
    h("p", { class: `big ${overdue ? "bad" : ""}` }, `${open.length} open`),
    h("p", {}, `${overdue} overdue · ${completed} completed`),
  );
  fill(
    "erasure-table",
    ...open.map((r) => {
      const days = Math.round(r.msLeft / 86_400_000);
      return h(
        "tr",
        {},
        h("td", {}, h("code", {}, r.subject)),
        h("td", {}, when(r.requestedAt), h("br"), h("small", {}, r.channel)),
        h("td", {}, when(r.dueBy)),
        h(
          "td",
          {},
          r.overdue
            ? pill(`${-days} days overdue`, "bad")
            : pill(`${days} days left`, days <= 10 ? "warn" : "ok"),
        ),
        h(
          "td",
          {},
          r.status === "refused"
            ? pill(`refused: ${r.refusals.at(-1)?.ground ?? ""}`, "warn")
            : r.status,
        ),
      );
    }),
  );
}

interface AlertRow {
  seq: number;
  at: string;
  rule: string;
  severity: string;
  actorId: string;
  count?: number;
  threshold?: number;
  destination?: { kind: string; id: string };
  detail?: string;
}

async function alerts(): Promise<void> {
  const { alerts } = await get<{ alerts: AlertRow[] }>("/api/alerts");
  const critical = alerts.filter((a) => a.severity === "critical").length;
  fill(
    "alerts-card",
    h("h2", {}, "Alerts"),
    h("p", { class: `big ${critical ? "bad" : ""}` }, `${alerts.length} raised`),
    h("p", {}, `${critical} critical`),
  );
  fill(
    "alerts-list",
    ...alerts.map((a) =>
      h(
        "li",
        {},
        pill(a.severity, a.severity === "critical" ? "bad" : "warn"),
        " ",
        h("strong", {}, a.rule),
        ` · ${a.actorId}`,
        a.count !== undefined ? ` · ${a.count} (limit ${a.threshold})` : "",
        a.destination ? ` · to ${a.destination.kind}:${a.destination.id}` : "",
        h("br"),
        h("small", {}, when(a.at)),
      ),
    ),
  );
}

async function chart(): Promise<void> {
  const { series } = await get<{
    series: { day: string; reads: number; denied: number; exports: number }[];
  }>("/api/series");
  const days = series.map((d) => d.day);
  fill(
    "chart",
    barChart(
      days,
      [
        { label: "reads allowed", color: "#3b6fb6", values: series.map((d) => d.reads) },
        { label: "denied", color: "#e0803a", values: series.map((d) => d.denied) },
      ],
      "Accesses per day",
    ),
    barChart(
      days,
      [{ label: "exports", color: "#7d4cb0", values: series.map((d) => d.exports) }],
      "Exports per day",
      110,
    ),
  );
}

interface Row {
  seq: number;
  at: string;
  actor: string;
  type: string;
  action?: string;
  outcome?: string;
  reasons?: string[];
  subjects: string[];
  fields: string[];
  purpose?: string;
  device?: string;
  destination?: string;
}

async function filters(): Promise<void> {
  const { actors, types } = await get<{ actors: string[]; types: string[] }>("/api/filters");
  fill(
    "filter-actor",
    h("option", { value: "" }, "all actors"),
    ...actors.map((a) => h("option", { value: a }, a)),
  );
  fill(
    "filter-type",
    h("option", { value: "" }, "all types"),
    ...types.map((t) => h("option", { value: t }, t)),
  );
}

async function timeline(): Promise<void> {
  const value = (id: string) =>
    (document.getElementById(id) as HTMLInputElement | HTMLSelectElement).value;
  const q = new URLSearchParams();
  for (const [key, id] of [
    ["actor", "filter-actor"],
    ["type", "filter-type"],
    ["from", "filter-from"],
    ["to", "filter-to"],
  ] as const) {
    if (value(id)) q.set(key, value(id));
  }
  const { total, rows } = await get<{ total: number; rows: Row[] }>(`/api/timeline?${q}`);
  fill(
    "timeline-count",
    `${total.toLocaleString("en")} events${total > rows.length ? `, newest ${rows.length} shown` : ""}`,
  );
  fill(
    "timeline-rows",
    ...rows.map((r) =>
      h(
        "tr",
        {
          "data-actor": r.actor,
          "data-type": r.type,
          class: r.outcome === "denied" ? "denied" : undefined,
        },
        h("td", {}, when(r.at)),
        h("td", {}, r.actor),
        h("td", {}, r.type, r.action ? h("small", {}, ` ${r.action}`) : ""),
        h(
          "td",
          {},
          r.outcome
            ? pill(
                r.outcome === "denied" ? `denied: ${r.reasons?.[0] ?? ""}` : "allowed",
                r.outcome === "denied" ? "bad" : "ok",
              )
            : "",
        ),
        h(
          "td",
          {},
          r.subjects.length > 2
            ? `${r.subjects.slice(0, 2).join(", ")} +${r.subjects.length - 2}`
            : r.subjects.join(", "),
        ),
        h("td", {}, r.fields.join(", ")),
        h("td", {}, r.purpose ?? ""),
        h("td", {}, r.destination ?? r.device ?? ""),
      ),
    ),
  );
}

interface ConsentRow {
  subject: string;
  erased: boolean;
  purposes: Record<string, { status: string; since: string | null; channel?: string }>;
}

async function consent(): Promise<void> {
  const { subjects } = await get<{ subjects: ConsentRow[] }>("/api/consent");
  const counts: Record<string, number> = { granted: 0, withdrawn: 0, "never-asked": 0 };
  for (const s of subjects) {
    const status = s.purposes.newsletter?.status ?? "never-asked";
    counts[status] = (counts[status] ?? 0) + 1;
  }
  fill(
    "consent-summary",
    `newsletter: ${counts.granted} granted · ${counts.withdrawn} withdrawn · ${counts["never-asked"]} never asked · ${subjects.filter((s) => s.erased).length} erased`,
  );
  const kind = (status: string) =>
    status === "granted" ? "ok" : status === "withdrawn" || status === "expired" ? "bad" : "muted";
  fill(
    "consent-rows",
    ...subjects.map((s) => {
      const n = s.purposes.newsletter;
      return h(
        "tr",
        {},
        h("td", {}, h("code", {}, s.subject)),
        h(
          "td",
          {},
          s.erased
            ? pill("erased", "muted")
            : pill(n?.status ?? "never-asked", kind(n?.status ?? "never-asked")),
        ),
        h("td", {}, n?.since ? when(n.since) : ""),
        h("td", {}, n?.channel ?? ""),
      );
    }),
  );
}

async function start(): Promise<void> {
  document.getElementById("filters")?.addEventListener("submit", (e) => {
    e.preventDefault();
    void timeline();
  });
  document.getElementById("reset-filters")?.addEventListener("click", () => {
    (document.getElementById("filters") as HTMLFormElement).reset();
    void timeline();
  });
  await Promise.all([status(), erasure(), alerts(), chart(), filters().then(timeline), consent()]);
  document.body.dataset.ready = "true";
}

start().catch((e: unknown) => {
  fill("error", `Could not load the console: ${e instanceof Error ? e.message : String(e)}`);
});
