/**
 * What the console writes about its own use: every read of a subject (an access event
 * with the actor and the purpose they named), every refused attempt, every evidence
 * export. All through `ledger.append`, so the catalogue's codecs check each event.
 */
import type { Ledger, LedgerEvent } from "@daicho/core";
import type { ConsoleActor } from "./options";

/** Record that `actor` opened `subject` for `purpose`, showing the personal fields `fields`. */
export function recordSubjectRead(
  ledger: Ledger,
  actor: ConsoleActor,
  subject: string,
  purpose: string,
  fields: readonly string[],
): Promise<LedgerEvent> {
  return ledger.append({
    type: "data.accessed",
    actor,
    subjects: [subject],
    payload: {
      resource: { type: "data-subject", id: subject },
      fields: [...fields],
      purpose,
      outcome: "allowed",
      action: "read",
    },
  });
}

/**
 * PCI DSS 10.2.1: a refused console action is an event too. The subject is named only when
 * the ledger already knows it: an id typed into a URL is the caller's text and must not be
 * written into the log (it could be a name or a phone number).
 */
export async function recordDenial(
  ledger: Ledger,
  actor: { id: string; role?: string },
  action: string,
  subject: string | undefined,
): Promise<void> {
  const known = subject !== undefined && (await ledger.store.subjectHeads([subject])).has(subject);
  await ledger.append({
    type: "data.accessed",
    actor,
    ...(known ? { subjects: [subject as string] } : {}),
    payload: {
      resource: { type: "console", id: known ? (subject as string) : "console" },
      fields: [],
      purpose: "compliance-console",
      outcome: "denied",
      reason: "not-authorised",
      reasons: [action],
      action: action.startsWith("export.")
        ? "export"
        : action.endsWith(".read")
          ? "read"
          : "update",
    },
  });
}

/** Record an evidence export (bundle, checkpoint, records) downloaded by `actor`. */
export function recordExport(
  ledger: Ledger,
  actor: ConsoleActor,
  what: {
    format: string;
    recordCount: number;
    purpose: string;
    query?: string;
    /** What was exported (a Label, default `evidence`), e.g. `incident:<incidentId>`. */
    resourceType?: string;
    /** Hex SHA-256 of the downloaded file, when its bytes are evidence (a regulator report). */
    contentHash?: string;
  },
): Promise<LedgerEvent> {
  return ledger.append({
    type: "data.exported",
    actor,
    payload: {
      format: what.format,
      destination: { kind: "download", id: actor.id },
      recordCount: what.recordCount,
      fields: [],
      purpose: what.purpose,
      resourceType: what.resourceType ?? "evidence",
      ...(what.query === undefined ? {} : { query: what.query }),
      ...(what.contentHash === undefined ? {} : { contentHash: what.contentHash }),
    },
  });
}
