import type { LedgerEvent } from "../events/envelope";
import { PROVIDER_FIELDS } from "../events/receipt";
import { ms, subjectsOf } from "../views/event";
import { type CrossBorder, crossBorder } from "./cross-border";
import { addYears, DEFAULT_REGULATIONS, type Regulations } from "./regulations";
import { type EventSource, inWindow, type Window } from "./source";

/**
 * A recipient-side record (APPI Art. 30): date, the provider, how the provider obtained
 * the data (取得の経緯), the people and items received, the purpose. The provider's name
 * and address are sealed on the event (`provider.name`, `provider.address`, subject = the
 * provider's id): open them with `openPersonalRecorded` (the read is recorded) —
 * `sealedProviderFields` says which the event carries.
 */
export interface ReceiptRecord {
  readonly eventId: string;
  readonly seq: number;
  readonly date: string;
  readonly receivedBy: string;
  readonly provider: { readonly kind: string; readonly id: string; readonly country?: string };
  readonly acquisition: string;
  readonly acquisitionDetail?: string;
  readonly subjects: readonly string[];
  readonly dataItems: readonly string[];
  readonly purpose: string;
  readonly recordCount?: number;
  readonly contractRef?: string;
  readonly sealedProviderFields: readonly string[];
  /** With `homeCountry`: received from abroad? */
  readonly crossBorder?: CrossBorder;
  /** Until when the record must be kept (3 years as a rule, as for provision records). */
  readonly retainUntil: string;
}

/** Every `data.received` in the window as a recipient-side record, oldest first. */
export async function receiptRecords(
  events: EventSource,
  options: { window?: Window; regulations?: Regulations; homeCountry?: string } = {},
): Promise<ReceiptRecord[]> {
  const regs = options.regulations ?? DEFAULT_REGULATIONS;
  const out: ReceiptRecord[] = [];
  for await (const e of events) {
    if (e.type !== "data.received") continue;
    const at = ms(e.occurredAt);
    if (!inWindow(at, options.window ?? {})) continue;
    const p = (e as LedgerEvent<"data.received">).payload;
    const providerId = p.provider.id as string;
    const sealed = new Set(
      (e.personal ?? []).filter((f) => f.subject === providerId).map((f) => f.field as string),
    );
    out.push({
      eventId: e.id,
      seq: e.seq,
      date: e.occurredAt,
      receivedBy: e.actor.id as string,
      provider: {
        kind: p.provider.kind,
        id: providerId,
        ...(p.provider.country !== undefined ? { country: p.provider.country } : {}),
      },
      acquisition: p.acquisition,
      ...(p.acquisitionDetail !== undefined ? { acquisitionDetail: p.acquisitionDetail } : {}),
      subjects: subjectsOf(e).filter((s) => s !== providerId),
      dataItems: p.fields,
      purpose: p.purpose,
      ...(p.recordCount !== undefined ? { recordCount: p.recordCount } : {}),
      ...(p.contractRef !== undefined ? { contractRef: p.contractRef } : {}),
      sealedProviderFields: PROVIDER_FIELDS.filter((f) => sealed.has(f)),
      ...(options.homeCountry !== undefined
        ? { crossBorder: crossBorder(options.homeCountry, p.provider.country) }
        : {}),
      retainUntil: new Date(addYears(at, regs.appi.provisionRecordRetentionYears)).toISOString(),
    });
  }
  return out;
}
