/**
 * Evidence exports. Each is derived from verified bytes only — the audit bundle by
 * `exportBundle`, which verifies it as an auditor would before handing it out; the
 * checkpoint after its signature verifies under the log's key; the Art. 30 records and
 * APPI provision records from `readVerified` (every event hash-checked and linked) — and
 * each download is recorded as a `data.exported` event naming the user, before the bytes
 * are returned. An export reads the ledger once; pages never do.
 */
import { DaichoError } from "@daicho/core";
import { exportBundle } from "@daicho/core/bundle";
import { verifyCheckpoint } from "@daicho/core/checkpoint";
import { provisionRecords, recordsOfProcessing } from "@daicho/core/reports";
import * as E from "fp-ts/lib/Either.js";
import type { LedgerContext } from "./context";
import { toCsv } from "./csv";
import type { ConsoleActor } from "./options";
import { recordExport } from "./record";
import { readVerified } from "./watch";

/** A file to download: its name, type and bytes. */
export interface Download {
  readonly name: string;
  readonly type: string;
  /** Text, or bytes (a PDF report). */
  readonly body: string | Uint8Array;
}

/** Most events one bundle download may hold (ask for several ranges beyond that). */
export const MAX_CONSOLE_BUNDLE = 100_000;

const seqParam = (name: string, value: string | null): number | undefined => {
  if (value === null || value === "") return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw new DaichoError("DECODE_ERROR", `\`${name}\` must be a sequence number`, { path: name });
  return Number(value);
};

/** The latest checkpoint, verified under the log's key, as a signed-note text file. */
export async function checkpointExport(ctx: LedgerContext, actor: ConsoleActor): Promise<Download> {
  const key = ctx.verifier();
  const latest = await ctx.tree?.store.latestCheckpoint();
  if (latest === undefined || latest === null)
    throw new DaichoError("NOT_FOUND", "no checkpoint has been signed yet", { path: "checkpoint" });
  const verified = verifyCheckpoint(latest.note, { keys: [key], origin: ctx.ledger.ledgerId });
  if (E.isLeft(verified)) throw verified.left;
  await recordExport(ctx.ledger, actor, {
    format: "c2sp-checkpoint",
    recordCount: 1,
    purpose: "audit-evidence",
  });
  return {
    name: `checkpoint-${latest.size}.txt`,
    type: "text/plain; charset=utf-8",
    body: latest.note,
  };
}

/** An audit bundle of events [from, to) (default: the newest 1000 the latest checkpoint covers). */
export async function bundleExport(
  ctx: LedgerContext,
  actor: ConsoleActor,
  query: URLSearchParams,
): Promise<Download> {
  const key = ctx.verifier();
  const latest = await ctx.tree?.store.latestCheckpoint();
  if (latest === undefined || latest === null)
    throw new DaichoError(
      "NOT_FOUND",
      "no checkpoint has been signed yet: a bundle proves against one",
      {
        path: "checkpoint",
      },
    );
  const to = seqParam("to", query.get("to")) ?? latest.size;
  const from = seqParam("from", query.get("from")) ?? Math.max(0, to - 1000);
  if (from >= to || to - from > MAX_CONSOLE_BUNDLE)
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `ask for 1 to ${MAX_CONSOLE_BUNDLE} events: from < to, to at most the checkpoint's size (${latest.size})`,
      { path: "from" },
    );
  const bundle = await exportBundle(ctx.tree as NonNullable<typeof ctx.tree>, ctx.ledger.ledgerId, {
    from,
    to,
    policy: { keys: [key], origin: ctx.ledger.ledgerId },
  });
  await recordExport(ctx.ledger, actor, {
    format: "daicho-bundle",
    recordCount: to - from,
    purpose: "audit-evidence",
    query: `events ${from} to ${to - 1}`,
  });
  return {
    name: `bundle-${from}-${to}.json`,
    type: "application/json",
    body: JSON.stringify(bundle),
  };
}

type Format = "json" | "csv";
const formatOf = (query: URLSearchParams): Format => {
  const f = query.get("format") ?? "json";
  if (f !== "json" && f !== "csv")
    throw new DaichoError("DECODE_ERROR", "`format` is `json` or `csv`", { path: "format" });
  return f;
};

/** GDPR Art. 30(1) records of processing, derived from the verified events. */
export async function processingExport(
  ctx: LedgerContext,
  actor: ConsoleActor,
  query: URLSearchParams,
): Promise<Download> {
  const format = formatOf(query);
  const records = await recordsOfProcessing(readVerified(ctx.ledger.store, ctx.ledger.genesis));
  await recordExport(ctx.ledger, actor, {
    format,
    recordCount: records.length,
    purpose: "art30-records",
  });
  if (format === "json")
    return {
      name: "records-of-processing.json",
      type: "application/json",
      body: JSON.stringify({ records }),
    };
  const join = (xs: readonly string[]) => xs.join("; ");
  return {
    name: "records-of-processing.csv",
    type: "text/csv; charset=utf-8",
    body: toCsv(
      [
        "purpose",
        "lawful bases",
        "data categories",
        "subject categories",
        "recipients",
        "retention",
        "accesses",
        "exports",
        "first seen",
        "last seen",
      ],
      records.map((r) => [
        r.purpose,
        join(Object.entries(r.lawfulBases).map(([b, n]) => `${b} (${n})`)),
        join(r.dataCategories),
        join(r.subjectCategories),
        join(r.recipients.map((x) => `${x.kind}:${x.id} (${x.relationship})`)),
        join(r.retention.map((x) => `${x.policyId}: ${x.period} from ${x.trigger}`)),
        r.accesses,
        r.exports,
        r.firstSeen,
        r.lastSeen,
      ]),
    ),
  };
}

/** APPI third-party provision and entrustment records (Art. 29, 25), from the verified events. */
export async function provisionExport(
  ctx: LedgerContext,
  actor: ConsoleActor,
  query: URLSearchParams,
): Promise<Download> {
  const format = formatOf(query);
  const report = await provisionRecords(readVerified(ctx.ledger.store, ctx.ledger.genesis));
  const count = report.thirdParty.length + report.entrusted.length + report.otherExempt.length;
  await recordExport(ctx.ledger, actor, {
    format,
    recordCount: count,
    purpose: "appi-provision-records",
  });
  if (format === "json")
    return {
      name: "provision-records.json",
      type: "application/json",
      body: JSON.stringify(report),
    };
  const rows = [
    ...report.thirdParty.map((r) => [
      "third-party",
      r.date,
      r.providedBy,
      `${r.recipient.kind}:${r.recipient.id}`,
      r.relationship,
      r.subjects.length,
      r.dataItems.join("; "),
      r.purpose,
      r.basis,
      r.contractRef,
      r.retainUntil,
    ]),
    ...[
      ...report.entrusted.map((r) => ["entrusted", r] as const),
      ...report.otherExempt.map((r) => ["exempt", r] as const),
    ].map(([kind, r]) => [
      kind,
      r.date,
      r.providedBy,
      r.contractor,
      "",
      r.subjects.length,
      r.dataItems.join("; "),
      r.purpose,
      "",
      r.contractRef,
      "",
    ]),
  ];
  return {
    name: "provision-records.csv",
    type: "text/csv; charset=utf-8",
    body: toCsv(
      [
        "kind",
        "date",
        "provided by",
        "recipient",
        "relationship",
        "subjects",
        "data items",
        "purpose",
        "basis",
        "contract",
        "retain until",
      ],
      rows,
    ),
  };
}
