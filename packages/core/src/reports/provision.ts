import type { PayloadOf } from "../events/catalogue";
import type { ConsentView } from "../views/consent";
import { ms, subjectsOf } from "../views/event";
import { type CrossBorder, crossBorder } from "./cross-border";
import { addYears, DEFAULT_REGULATIONS, type Regulations } from "./regulations";
import { type EventSource, inWindow, type Window } from "./source";

/**
 * One third-party provision record (APPI Art. 29; Enforcement Rules Art. 20): date,
 * recipient, the subjects, the data items, and the consent or opt-out basis — with the
 * consent evidence the consent view held for each subject at that instant.
 */
export interface ProvisionRecord {
  readonly eventId: string;
  readonly seq: number;
  readonly date: string;
  readonly providedBy: string;
  readonly recipient: { readonly kind: string; readonly id: string };
  readonly relationship: string;
  readonly subjects: readonly string[];
  readonly dataItems: readonly string[];
  readonly purpose: string;
  readonly basis: string;
  readonly contractRef?: string;
  readonly recordCount?: number;
  /** Per subject: the consent entry in force at the date (event id and evidence), if any. */
  readonly consent: readonly {
    readonly subject: string;
    readonly status: string;
    readonly eventId?: string;
    readonly wordingVersion?: string;
    readonly channel?: string;
  }[];
  /** Until when the record must be kept (Rules Art. 21: 3 years as a rule). */
  readonly retainUntil: string;
  /** With `homeCountry`: a transfer abroad (APPI Art. 28, GDPR Chapter V)? */
  readonly crossBorder?: CrossBorder;
}

/**
 * Entrusted-processing record (委託, APPI Art. 25): what was handed to which contractor
 * under which contract, so the entrusting company can supervise it.
 */
export interface EntrustmentRecord {
  readonly eventId: string;
  readonly seq: number;
  readonly date: string;
  readonly providedBy: string;
  readonly contractor: string;
  readonly contractRef?: string;
  readonly subjects: readonly string[];
  readonly dataItems: readonly string[];
  readonly purpose: string;
  readonly recordCount?: number;
  /** With `homeCountry`: is the contractor abroad (the same clauses as for a provision)? */
  readonly crossBorder?: CrossBorder;
}

export interface ProvisionReport {
  readonly thirdParty: readonly ProvisionRecord[];
  readonly entrusted: readonly EntrustmentRecord[];
  /** Joint use and business succession are not third-party provision (APPI Art. 27(5)); listed for completeness. */
  readonly otherExempt: readonly EntrustmentRecord[];
}

/**
 * Derive provision and entrustment records from `data.shared` events in the window.
 * With a consent view, each third-party record carries the subjects' consent evidence as
 * it stood at the provision date (APPI Art. 33(5): a person may ask to see these).
 */
export async function provisionRecords(
  events: EventSource,
  options: {
    window?: Window;
    consent?: ConsentView;
    regulations?: Regulations;
    /** The host's ISO 3166-1 country: each record then says whether it crosses a border. */
    homeCountry?: string;
  } = {},
): Promise<ProvisionReport> {
  const regs = options.regulations ?? DEFAULT_REGULATIONS;
  const thirdParty: ProvisionRecord[] = [];
  const entrusted: EntrustmentRecord[] = [];
  const otherExempt: EntrustmentRecord[] = [];
  for await (const e of events) {
    if (e.type !== "data.shared") continue;
    const at = ms(e.occurredAt);
    if (!inWindow(at, options.window ?? {})) continue;
    const p = e.payload as PayloadOf<"data.shared">;
    const subjects = subjectsOf(e);
    const common = {
      eventId: e.id,
      seq: e.seq,
      date: e.occurredAt,
      providedBy: e.actor.id as string,
      subjects,
      dataItems: p.fields,
      purpose: p.purpose,
      ...(p.contractRef !== undefined ? { contractRef: p.contractRef } : {}),
      ...(p.recordCount !== undefined ? { recordCount: p.recordCount } : {}),
      ...(options.homeCountry !== undefined
        ? { crossBorder: crossBorder(options.homeCountry, p.recipient.country) }
        : {}),
    };
    if (p.relationship === "third-party") {
      thirdParty.push({
        ...common,
        recipient: { kind: p.recipient.kind, id: p.recipient.id },
        relationship: p.relationship,
        basis: p.legalBasis,
        consent: subjects.map((s) => {
          const answer = options.consent?.answerAt(s, p.purpose, at);
          if (answer?.entry === undefined)
            return { subject: s, status: answer?.status ?? "unknown" };
          return {
            subject: s,
            status: answer.status,
            eventId: answer.entry.eventId,
            ...(answer.entry.evidence
              ? {
                  wordingVersion: answer.entry.evidence.wordingVersion,
                  channel: answer.entry.evidence.channel,
                }
              : {}),
          };
        }),
        retainUntil: new Date(addYears(at, regs.appi.provisionRecordRetentionYears)).toISOString(),
      });
    } else {
      const record = { ...common, contractor: p.recipient.id as string };
      (p.relationship === "entrusted" ? entrusted : otherExempt).push(record);
    }
  }
  return { thirdParty, entrusted, otherExempt };
}
