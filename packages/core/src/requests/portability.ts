import type * as t from "io-ts";
import type { Actor, LedgerEvent } from "../events/envelope";
import type { Ledger } from "../ledger";
import { subjectAccess } from "../subject-access/access";
import type { PersonalDataEntry } from "../subject-access/report";

/** Format identifier of the JSON portability export. */
export const PORTABILITY_FORMAT = "daicho/portability/v1" as const;

export type PortabilityFormat = "json" | "csv";

export interface PortabilityExport {
  readonly format: PortabilityFormat;
  readonly contentType: string;
  /** The file handed to the person: UTF-8 text. */
  readonly body: string;
  /** The `data.exported` event that records the export (evidence for the request). */
  readonly event: LedgerEvent<"data.exported">;
}

const CSV_COLUMNS = ["field", "value", "status", "recorded_at", "event_id", "event_type"] as const;

/**
 * A cell as RFC 4180 text: quoted when it holds a comma, quote or line break, quotes
 * doubled. A value a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
 * tab or carriage return) is prefixed with `'` (OWASP CSV injection), so opening the
 * export cannot execute what someone typed into the CRM.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function row(p: PersonalDataEntry): string[] {
  return [
    p.field,
    p.value ?? "",
    p.redacted === undefined ? "present" : `redacted:${p.redacted.reason}`,
    p.recordedAt,
    p.eventId,
    p.eventType,
  ];
}

/**
 * GDPR Art. 20 portability (and a machine-readable copy for Art. 15, CCPA know, APPI Art.
 * 33 in electronic form): the personal values the ledger holds about `subject`, decrypted
 * from its hash-verified events (`subjectAccess`), as JSON (`daicho/portability/v1`) or
 * CSV (one row per value, RFC 4180, formula-safe). Erased values appear as redacted rows,
 * never as values. The export is recorded as `data.exported` to the `data-subject` by
 * `actor`, with the format, the field names and the number of values: that event is the
 * evidence `requests.complete` takes. Rejects as `subjectAccess` does.
 */
export async function portabilityExport(
  ledger: Ledger,
  subject: string,
  format: PortabilityFormat,
  options: { readonly actor: t.OutputOf<typeof Actor>; readonly clock?: () => Date },
): Promise<PortabilityExport> {
  const report = await subjectAccess(
    ledger,
    subject,
    options.clock ? { clock: options.clock } : {},
  );
  const values = report.personalData;
  const body =
    format === "json"
      ? `${JSON.stringify(
          {
            format: PORTABILITY_FORMAT,
            ledgerId: report.ledgerId,
            subject: report.subject,
            generatedAt: report.generatedAt,
            lastEvent: report.lastEvent,
            values: values.map((p) => ({
              field: p.field,
              value: p.value,
              ...(p.redacted === undefined ? {} : { redacted: p.redacted }),
              recordedAt: p.recordedAt,
              eventId: p.eventId,
              eventType: p.eventType,
            })),
            consents: report.consents.current,
          },
          null,
          2,
        )}\n`
      : `${[CSV_COLUMNS.join(","), ...values.map((p) => row(p).map(csvCell).join(","))].join("\r\n")}\r\n`;
  const fields = [...new Set(values.map((p) => p.field))].slice(0, 256);
  const event = (await ledger.append({
    type: "data.exported",
    actor: options.actor,
    subjects: [subject],
    ...(options.clock ? { occurredAt: options.clock().toISOString() } : {}),
    payload: {
      format,
      destination: { kind: "data-subject", id: subject },
      recordCount: values.length,
      fields,
      purpose: "portability",
    },
  })) as LedgerEvent<"data.exported">;
  return {
    format,
    contentType: format === "json" ? "application/json; charset=utf-8" : "text/csv; charset=utf-8",
    body,
    event,
  };
}
