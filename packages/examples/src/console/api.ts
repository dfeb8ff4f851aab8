/**
 * The console's JSON API. Every answer is computed from the library's public API: the
 * ledger (`verify`, `read`), the Merkle tree's stored checkpoints (checked against the
 * log's verifier key), the views (consent, records, actors) and the erasure service.
 * Nothing here reads the database directly, and nothing returns a personal value: the
 * console shows identifiers, field names, labels and times only.
 */
import { isDaichoError, type Ledger, type LedgerEvent } from "@daicho/core";
import {
  parseVerifierKeyOrThrow,
  toBase64,
  type VerifiedCheckpoint,
  verifyCheckpointOrThrow,
} from "@daicho/core/checkpoint";
import type { ErasureService } from "@daicho/core/erasure";
import type { LedgerTree } from "@daicho/core/merkle";
import type { Views } from "@daicho/core/views";
import { Hono } from "hono";
import { isEvent } from "../shared/events";

export interface ConsoleSources {
  readonly ledger: Ledger;
  readonly views: Views;
  readonly tree: LedgerTree;
  readonly erasure: ErasureService;
  /** The log's verifier key, as auditors hold it. */
  readonly verifierKey: string;
  readonly clock?: () => Date;
}

/** Activity the timeline and the chart show: who touched personal data, and how. */
export const ACTIVITY = new Set([
  "data.accessed",
  "data.exported",
  "data.shared",
  "record.created",
  "record.updated",
  "record.deleted",
]);
const JST = 9 * 60 * 60 * 1000;
/** The calendar day (Tokyo) of an instant: the team works in Japan. */
const dayOf = (iso: string) => new Date(Date.parse(iso) + JST).toISOString().slice(0, 10);

/** One timeline row: identifiers and labels only. */
export interface TimelineRow {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly type: string;
  readonly action?: string;
  readonly outcome?: string;
  readonly reasons?: readonly string[];
  readonly subjects: readonly string[];
  readonly fields: readonly string[];
  readonly purpose?: string;
  readonly device?: string;
  readonly destination?: string;
}

/** The API routes, under /api. */
export function consoleApi(src: ConsoleSources): Hono {
  const now = () => (src.clock ?? (() => new Date()))();
  const api = new Hono();

  api.get("/api/status", async (c) => {
    const report = await src.ledger.verify();
    const latest = await src.tree.store.latestCheckpoint();
    let checkpoint = null;
    if (latest !== undefined) {
      let verified: VerifiedCheckpoint | undefined;
      try {
        const key = parseVerifierKeyOrThrow(src.verifierKey.trim());
        verified = verifyCheckpointOrThrow(latest.note, {
          keys: [key],
          origin: src.ledger.ledgerId,
        });
      } catch (e) {
        if (!isDaichoError(e)) throw e; // a bad key or signature is shown, anything else is a bug
      }
      checkpoint = {
        size: latest.size,
        createdAt: latest.createdAt,
        signatureValid: verified !== undefined,
        signedBy: verified?.verifiedBy ?? [],
        root: verified === undefined ? null : toBase64(verified.checkpoint.root),
        stored: (await src.tree.store.listCheckpoints()).length,
      };
    }
    return c.json({ ledgerId: src.ledger.ledgerId, verify: report, checkpoint, now: now() });
  });

  api.get("/api/filters", async (c) => {
    const actors = new Set<string>();
    const types = new Set<string>();
    for await (const e of src.ledger.read()) {
      if (!ACTIVITY.has(e.type)) continue;
      actors.add(e.actor.id);
      types.add(e.type);
    }
    return c.json({ actors: [...actors].sort(), types: [...types].sort() });
  });

  api.get("/api/timeline", async (c) => {
    const { actor, type, from, to } = c.req.query();
    const limit = Math.min(Number(c.req.query("limit") ?? 200) || 200, 1000);
    const rows: TimelineRow[] = [];
    for await (const e of src.ledger.read()) {
      if (!ACTIVITY.has(e.type)) continue;
      if (actor && e.actor.id !== actor) continue;
      if (type && e.type !== type) continue;
      const day = dayOf(e.occurredAt);
      if ((from && day < from) || (to && day > to)) continue;
      rows.push(row(e));
    }
    rows.sort((a, b) => b.at.localeCompare(a.at) || b.seq - a.seq);
    return c.json({ total: rows.length, rows: rows.slice(0, limit) });
  });

  api.get("/api/series", async (c) => {
    const days = new Map<string, { reads: number; denied: number; exports: number }>();
    for await (const e of src.ledger.read()) {
      const exported = isEvent(e, "data.exported");
      if (!exported && !isEvent(e, "data.accessed")) continue;
      const day = dayOf(e.occurredAt);
      const d = days.get(day) ?? { reads: 0, denied: 0, exports: 0 };
      if (exported) d.exports++;
      else if ((e as LedgerEvent<"data.accessed">).payload.outcome === "denied") d.denied++;
      else d.reads++;
      days.set(day, d);
    }
    // Every calendar day from the first to the last, quiet days (weekends) included.
    const sorted = [...days.keys()].sort();
    const series = [];
    for (
      let t = Date.parse(sorted[0] ?? "");
      t <= Date.parse(sorted.at(-1) ?? "");
      t += 86_400_000
    ) {
      const day = new Date(t).toISOString().slice(0, 10);
      series.push({ day, ...(days.get(day) ?? { reads: 0, denied: 0, exports: 0 }) });
    }
    return c.json({ series });
  });

  api.get("/api/consent", async (c) => {
    const at = now().getTime();
    const subjects: string[] = [];
    for await (const e of src.ledger.read()) {
      if (isEvent(e, "record.created") && e.payload.resource.type === "contact")
        subjects.push(e.payload.resource.id);
    }
    const rows = subjects.map((subject) => {
      const purposes = Object.fromEntries(
        [...src.views.consent.purposesAt(subject, at)].map(([purpose, a]) => [
          purpose,
          {
            status: a.status,
            since: a.entry ? new Date(a.entry.at).toISOString() : null,
            channel: a.entry?.evidence?.channel,
          },
        ]),
      );
      return { subject, erased: src.views.records.isErasedAt(subject, at), purposes };
    });
    return c.json({ subjects: rows });
  });

  api.get("/api/erasure", async (c) => {
    const open = await src.erasure.openRequests(now());
    let completed = 0;
    for await (const e of src.ledger.read()) if (e.type === "erasure.completed") completed++;
    return c.json({ open, completed });
  });

  api.get("/api/alerts", async (c) => {
    const alerts = [];
    for await (const e of src.ledger.read()) {
      if (e.type !== "alert.raised") continue;
      alerts.push({ seq: e.seq, at: e.occurredAt, ...e.payload });
    }
    return c.json({ alerts: alerts.reverse() });
  });

  return api;
}

function row(e: LedgerEvent): TimelineRow {
  const p = e.payload as {
    action?: string;
    outcome?: string;
    reasons?: string[];
    fields?: string[];
    purpose?: string;
    destination?: { kind: string; id: string };
    recipient?: { kind: string; id: string } | string;
  };
  const dest = p.destination ?? (typeof p.recipient === "object" ? p.recipient : undefined);
  return {
    seq: e.seq,
    at: e.occurredAt,
    actor: e.actor.id,
    type: e.type,
    ...(p.action ? { action: p.action } : {}),
    ...(p.outcome ? { outcome: p.outcome } : {}),
    ...(p.reasons ? { reasons: p.reasons } : {}),
    subjects: (e.subjects ?? []).map((s) => s.id),
    fields: p.fields ?? [],
    ...(p.purpose ? { purpose: p.purpose } : {}),
    ...(e.actor.context?.device ? { device: e.actor.context.device } : {}),
    ...(dest ? { destination: `${dest.kind}:${dest.id}` } : {}),
  };
}
