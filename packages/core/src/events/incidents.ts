import * as t from "io-ts";
import {
  boundedList,
  FieldName,
  Hash256,
  Id,
  Label,
  Nat,
  Note,
  strictStruct,
  Timestamp,
} from "./primitives";

/**
 * Personal-data incidents (breaches) as event-sourced objects (docs/requests.md):
 * GDPR Arts. 33–34, APPI Art. 26 and Rules Arts. 7–8. Incident events name no data
 * subject; every free-text member is a Note (host-written, screened for contact data).
 */

export const IncidentRegime = t.keyof({ gdpr: null, appi: null }, "IncidentRegime");

/** The items of the PPC's report form (APPI Rules Art. 8(1)) that are free text. */
export const IncidentDetails = strictStruct(
  "IncidentDetails",
  {},
  {
    summary: Note, // 概要
    dataItems: Note, // 漏えい等が発生し、又は発生したおそれがある個人データの項目
    cause: Note, // 原因
    secondaryHarm: Note, // 二次被害又はそのおそれの有無及びその内容
    responseToPersons: Note, // 本人への対応の実施状況
    publication: Note, // 公表の実施状況
    prevention: Note, // 再発防止のための措置
    other: Note, // その他参考となる事項
    consequences: Note, // GDPR Art. 33(3)(c): likely consequences
    measures: Note, // GDPR Art. 33(3)(d): measures taken or proposed
  },
);

/** The controller became aware of an incident at `awareAt` (the clocks start here). */
export const IncidentDetected = strictStruct("IncidentDetected", {
  incidentId: Id,
  awareAt: Timestamp,
  category: Label,
  regimes: boundedList(IncidentRegime, 2, "IncidentRegimes"),
  improperPurpose: t.boolean,
  summary: Note,
});

/** The breach-impact report, frozen: its hash and its counts at the time it was taken. */
export const IncidentScoped = strictStruct("IncidentScoped", {
  incidentId: Id,
  reportHash: Hash256,
  atSeq: Nat,
  subjects: Nat,
  events: Nat,
  fields: boundedList(FieldName, 256, "Fields"),
  sealedFields: boundedList(FieldName, 256, "Fields"),
  keysLeft: t.boolean,
});

/** Free-text items of the reports, set or replaced item by item. */
export const IncidentDescribed = strictStruct("IncidentDescribed", {
  incidentId: Id,
  details: IncidentDetails,
});

export const IncidentContained = strictStruct("IncidentContained", {
  incidentId: Id,
  measures: Note,
});

/** A report to an authority: GDPR Art. 33 (in phases) or the PPC's 速報 / 確報. */
export const IncidentRegulatorNotified = strictStruct(
  "IncidentRegulatorNotified",
  {
    incidentId: Id,
    to: t.keyof({ "gdpr-authority": null, ppc: null }),
    stage: t.keyof({ initial: null, supplementary: null, preliminary: null, final: null }),
  },
  { reference: Id, lateReason: Note },
);

/** The people concerned were told (GDPR Art. 34; APPI Art. 26(2)). */
export const IncidentSubjectsNotified = strictStruct("IncidentSubjectsNotified", {
  incidentId: Id,
  count: Nat,
  channel: Label,
});

export const IncidentClosed = strictStruct("IncidentClosed", {
  incidentId: Id,
  finalReport: Note,
});
