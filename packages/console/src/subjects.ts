/**
 * Subject search and drill-down. Search is by subject id (a pseudonym id is a subject id)
 * and exact: typed text is never matched against personal values, and never written to
 * the log. The drill-down is `subjectAccess` — hash-verified events read through the
 * subject index, so a tampered index fails closed (STORE_CORRUPT) — cut to what the
 * user's roles may see, and recorded as a `data.accessed` event naming the actor and the
 * purpose they chose, before anything is returned.
 */
import { decodeWith, Id } from "@daicho/core";
import { type SubjectAccessReport, subjectAccess } from "@daicho/core/subject-access";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { LedgerContext } from "./context";
import type { ConsoleActor } from "./options";
import { recordSubjectRead } from "./record";
import { mayDo } from "./roles";

/** `{ subjects: [{ subject, lastSeq }] }`: one entry when the ledger knows the id, else none. */
export async function searchSubjects(ctx: LedgerContext, query: string | null) {
  const id = decodeWith(Id, (query ?? "").trim(), "q");
  if (E.isLeft(id)) throw id.left;
  const heads = await ctx.ledger.store.subjectHeads([id.right]);
  const head = heads.get(id.right);
  return { subjects: head === undefined ? [] : [{ subject: id.right, lastSeq: head.seq }] };
}

/** The purpose query parameter, from the host's closed list. */
export function purposeCodec(purposes: readonly string[]) {
  return t.keyof(
    Object.fromEntries(purposes.map((p) => [p, null])) as Record<string, null>,
    "Purpose",
  );
}

/** What a drill-down returns; members the user's roles may not see are absent. */
export interface SubjectView {
  readonly subject: string;
  readonly erased: boolean;
  readonly lastEvent: SubjectAccessReport["lastEvent"];
  /** Every event about the subject; `actor` (who did it) only for roles that see activity. */
  readonly timeline: readonly { seq: number; type: string; occurredAt: string; actor?: string }[];
  readonly consents: SubjectAccessReport["consents"];
  readonly grants: readonly { seq: number; type: string; occurredAt: string; payload: unknown }[];
  readonly provenance: SubjectAccessReport["sources"];
  readonly erasureRequests: SubjectAccessReport["erasureRequests"];
  readonly legalHolds: SubjectAccessReport["legalHolds"];
  /** Who read, exported or received the data (auditor, dpo). */
  readonly accessReport?: Pick<SubjectAccessReport, "accesses" | "exports" | "disclosures">;
  /** Personal values, opened (dpo only). */
  readonly personalData?: SubjectAccessReport["personalData"];
  /** The access event this view was recorded as. */
  readonly recordedAs: { readonly seq: number; readonly id: string };
}

/** Open `subject` for `actor` with `roles`, recording the read first. */
export async function viewSubject(
  ctx: LedgerContext,
  actor: ConsoleActor,
  roles: readonly string[],
  subject: string,
  purpose: string,
  clock: () => Date,
): Promise<SubjectView> {
  const id = decodeWith(Id, subject, "subject");
  if (E.isLeft(id)) throw id.left;
  const report = await subjectAccess(ctx.ledger, id.right, { clock });
  const personal = mayDo(roles, "subject.view-personal");
  const activity = mayDo(roles, "subject.view-activity");
  const fields = personal ? [...new Set(report.personalData.map((p) => p.field))] : [];
  const recorded = await recordSubjectRead(ctx.ledger, actor, id.right, purpose, fields);
  return {
    subject: id.right,
    erased: report.erased,
    lastEvent: report.lastEvent,
    timeline: report.events.map((e) => ({
      seq: e.seq,
      type: e.type,
      occurredAt: e.occurredAt,
      ...(activity ? { actor: e.actor } : {}),
    })),
    consents: report.consents,
    grants: report.events
      .filter((e) => e.type.startsWith("permission."))
      .map((e) => ({ seq: e.seq, type: e.type, occurredAt: e.occurredAt, payload: e.payload })),
    provenance: report.sources,
    erasureRequests: report.erasureRequests,
    legalHolds: report.legalHolds,
    ...(activity
      ? {
          accessReport: {
            accesses: report.accesses,
            exports: report.exports,
            disclosures: report.disclosures,
          },
        }
      : {}),
    ...(personal ? { personalData: report.personalData } : {}),
    recordedAs: { seq: recorded.seq, id: recorded.id },
  };
}
