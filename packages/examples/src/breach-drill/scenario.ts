/**
 * Breach drill: a sales rep's phone is stolen. The CRM flags the phone's session (every
 * later attempt from it is refused and recorded), then asks the ledger what that device
 * disclosed: which people, which fields, how sensitive, and by when the regulators and
 * the people must be told (GDPR Art. 33: 72 hours; APPI Art. 26: 3–5 days, then 30/60).
 */
import { type ImpactReport, impact, impactMarkdown } from "@daicho/core/breach";
import { AccessPolicy } from "@daicho/core/policy";
import { ContactBook } from "../crm-service/contacts";
import { crmPolicy, crmStaff } from "../crm-service/policy";
import { openExampleLedger } from "../shared/ledger";
import { cards } from "../shared/people";

export const PHONE = { device: "phone-tanaka-07", session: "sess-m42", ip: "203.0.113.77" };
const LAPTOP = { device: "laptop-114", session: "sess-7c1", ip: "192.0.2.14" };
/** When the rep called the help desk: the controller is "aware" from here (Art. 33(1)). */
export const AWARE_AT = "2026-11-25T08:10:00+09:00";

export interface DrillResult {
  readonly report: ImpactReport;
  readonly markdown: string;
  /** Contacts the phone actually read or exported (the ground truth the report must match). */
  readonly touchedByPhone: string[];
  readonly afterFlag: { allowed: boolean; reasons: readonly string[] };
  readonly verified: boolean;
}

/** Record a day of work on laptop and phone, flag the phone, and assess the impact. */
export async function runDrill(dir: string): Promise<DrillResult> {
  let now = Date.parse("2026-11-24T08:00:00+09:00");
  const iso = () => new Date(now).toISOString();
  const crm = await openExampleLedger(dir);
  const { ledger, projector } = crm;
  const access = new AccessPolicy(projector.views, crmPolicy, () => now);
  const contacts = new ContactBook(ledger);
  const flagged = new Set<string>();
  try {
    await ledger.appendBatch(crmStaff(iso()));
    for (const { id, ...card } of cards(30)) {
      await contacts.create({ id: "sales-tanaka" }, id, card, { occurredAt: iso() });
    }
    // Notes on contact-0004 are confidential: only the manager may read them.
    await ledger.append({
      type: "classification.changed",
      actor: { id: "manager-suzuki" },
      subjects: ["contact-0004"],
      occurredAt: iso(),
      payload: { resource: { type: "contact", id: "contact-0004" }, level: "confidential" },
    });

    /** The CRM's read path: a flagged device is refused before policy, and the refusal recorded. */
    const read = async (device: typeof PHONE, id: string, fields: string[]) => {
      now += 7 * 60 * 1000;
      const request = {
        actor: "sales-tanaka",
        action: "read" as const,
        resource: { type: "contact", id },
        fields,
        purpose: "sales-follow-up",
        context: device,
      };
      if (flagged.has(device.device)) {
        await ledger.append({
          type: "data.accessed",
          actor: { id: "sales-tanaka", context: device },
          subjects: [id],
          occurredAt: iso(),
          payload: {
            resource: request.resource,
            fields,
            purpose: "sales-follow-up",
            outcome: "denied",
            reason: "device-flagged",
            action: "read",
          },
        });
        return { allowed: false, reasons: ["device-flagged"] };
      }
      return (await access.decideAndRecord(ledger, request)).decision;
    };

    // Monday: the rep works on the laptop in the office and on the phone on the road.
    for (const id of ["contact-0001", "contact-0002", "contact-0003"])
      await read(LAPTOP, id, ["name", "company", "email"]);
    const phoneReads = ["contact-0004", "contact-0005", "contact-0006", "contact-0007"];
    for (const id of phoneReads) await read(PHONE, id, ["name", "company", "phone", "notes"]);
    now += 60 * 60 * 1000;
    const exported = ["contact-0010", "contact-0011", "contact-0012"];
    await ledger.append({
      type: "data.exported",
      actor: { id: "sales-tanaka", context: PHONE },
      subjects: exported,
      occurredAt: iso(),
      payload: {
        format: "vcard",
        destination: { kind: "device", id: PHONE.device },
        recordCount: exported.length,
        fields: ["name", "company", "phone"],
        purpose: "sales-follow-up",
      },
    });

    // Tuesday 08:10: the phone is reported stolen. Flag the session, record why.
    now = Date.parse(AWARE_AT);
    flagged.add(PHONE.device);
    await ledger.append({
      type: "alert.raised",
      actor: { id: "helpdesk-mori" },
      occurredAt: iso(),
      payload: {
        alertId: "alert-stolen-phone-tanaka-07",
        rule: "device-reported-stolen",
        severity: "critical",
        actorId: "sales-tanaka",
        ip: PHONE.ip,
        detail: `Device ${PHONE.device} reported stolen; session ${PHONE.session} revoked`,
      },
    });
    const afterFlag = await read(PHONE, "contact-0008", ["name", "phone"]); // the thief tries

    const report = await impact(
      ledger.read(),
      projector.views,
      { device: PHONE.device, from: "2026-11-24T00:00:00+09:00", to: new Date(now + 1) },
      {
        awareAt: AWARE_AT,
        improperPurpose: true, // a stolen device is unauthorised access (APPI Rules Art. 7(iii))
        keysLeaked: false, // the data keys live in the key store, never on devices
      },
    );
    return {
      report,
      markdown: impactMarkdown(report),
      touchedByPhone: [...phoneReads, ...exported],
      afterFlag,
      verified: (await ledger.verify()).ok,
    };
  } finally {
    await crm.close();
  }
}
