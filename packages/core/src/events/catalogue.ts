import * as t from "io-ts";
import { ALERT_HANDLING_PAYLOADS } from "./alert-handling";
import { AssuranceLevel, LoginFailed, LoginSucceeded, MfaPassed, SessionEnded } from "./auth";
import { CATEGORY_PAYLOADS, CategoryName } from "./categories";
import { CONTRACT_PAYLOADS } from "./contract";
import { Country } from "./country";
import { Destination, DestinationKind } from "./destination";
import {
  DeviceLost,
  DeviceOwnership,
  DeviceRegistered,
  DeviceRetired,
  DeviceWiped,
} from "./device";
import { GOVERNANCE_PAYLOADS } from "./governance";
import {
  IncidentClosed,
  IncidentContained,
  IncidentDescribed,
  IncidentDetected,
  IncidentRegulatorNotified,
  IncidentScoped,
  IncidentSubjectsNotified,
} from "./incidents";
import { INSTRUCTION_PAYLOADS } from "./instruction";
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
import { RECEIPT_PAYLOADS } from "./receipt";
import {
  RecipientNotified,
  RequestCompleted,
  RequestExtended,
  RequestIdentityVerified,
  RequestReceived,
  RequestRefused,
} from "./requests";

/**
 * The event catalogue: one io-ts codec per event type's payload. The TypeScript types
 * are derived from these codecs and never written twice. Payloads hold identifiers,
 * field *names*, labels and counts — never personal values; those travel only in the
 * envelope's sealed `personal` section (docs/spec.md §2.5).
 *
 * Adding a type, or an optional member to a type, never changes the hash of an event
 * already recorded: absent members are omitted from the canonical bytes.
 */

const Fields = boundedList(FieldName, 256, "FieldNames");
const Purposes = boundedList(Label, 64, "Purposes");

export const ResourceRef = strictStruct("ResourceRef", { type: Label, id: Id });
export type ResourceRef = t.TypeOf<typeof ResourceRef>;

export const Outcome = t.keyof({ allowed: null, denied: null }, "Outcome");

export const ClassificationLevel = t.keyof(
  { public: null, internal: null, confidential: null, "strictly-confidential": null },
  "ClassificationLevel",
);
export type ClassificationLevel = t.TypeOf<typeof ClassificationLevel>;

/** Lawful bases: GDPR Art. 6(1)(a)–(f), plus APPI opt-out provision (Art. 27(2)). */
export const LawfulBasis = t.keyof(
  {
    consent: null,
    contract: null,
    "legal-obligation": null,
    "vital-interests": null,
    "public-task": null,
    "legitimate-interests": null,
    "appi-opt-out": null,
  },
  "LawfulBasis",
);
export type LawfulBasis = t.TypeOf<typeof LawfulBasis>;

export const ConsentEvidence = strictStruct(
  "ConsentEvidence",
  { channel: Label, wordingVersion: Label, capturedBy: Id },
  { reference: Id },
);

export const Action = t.keyof(
  { read: null, create: null, update: null, delete: null, export: null, share: null },
  "Action",
);
export type Action = t.TypeOf<typeof Action>;

export const DataAccessed = strictStruct(
  "DataAccessed",
  { resource: ResourceRef, fields: Fields, purpose: Label, outcome: Outcome },
  {
    reason: Label,
    reasons: boundedList(Label, 32),
    maskedFields: Fields,
    decisionId: Id,
    // Added with views/policy (issue 5): what was attempted, and to whom for `share`.
    action: Action,
    recipient: Id,
    // Issue 14: the grants that allowed it, so an access review sees which grants are used.
    grantIds: boundedList(Id, 64),
    // Added with preventive controls (issue 14): records asked for, and where they went.
    recordCount: Nat,
    destination: Destination,
  },
);

export const DataExported = strictStruct(
  "DataExported",
  {
    format: Label,
    destination: strictStruct("ExportDestination", { kind: Label, id: Id }),
    recordCount: Nat,
    fields: Fields,
    purpose: Label,
  },
  {
    resourceType: Label,
    query: Note,
    // Added with the PDF reports (issue 15 item 5): the SHA-256 of a file the library
    // rendered, and the id of what was exported (an incident id: typed, not in the Note,
    // whose screen can take a UUID's digit groups for a phone number).
    contentHash: Hash256,
    resourceId: Id,
  },
);

export const Relationship = t.keyof(
  { entrusted: null, "third-party": null, "joint-use": null, "business-succession": null },
  "Relationship",
);

export const DataShared = strictStruct(
  "DataShared",
  {
    recipient: strictStruct(
      "Recipient",
      { kind: t.keyof({ organisation: null, person: null }), id: Id },
      // Issue 14 item 9: where the recipient is (transfers abroad: APPI Art. 28, GDPR Ch. V).
      { country: Country },
    ),
    relationship: Relationship,
    legalBasis: LawfulBasis,
    fields: Fields,
    purpose: Label,
  },
  { contractRef: Id, recordCount: Nat },
);

export const RecordChanged = strictStruct("RecordChanged", {
  resource: ResourceRef,
  fields: Fields,
});
export const RecordDeleted = strictStruct(
  "RecordDeleted",
  { resource: ResourceRef },
  { fields: Fields },
);

export const ConsentGranted = strictStruct(
  "ConsentGranted",
  { purpose: Label, lawfulBasis: LawfulBasis, evidence: ConsentEvidence },
  { expiresAt: Timestamp },
);
export const ConsentWithdrawn = strictStruct("ConsentWithdrawn", {
  purpose: Label,
  evidence: ConsentEvidence,
});
export const ConsentExpired = strictStruct("ConsentExpired", { purpose: Label });

export const DisclosureScope = strictStruct(
  "DisclosureScope",
  {},
  { actors: boundedList(Id, 256), teams: boundedList(Id, 64), until: Timestamp },
);

export const ClassificationChanged = strictStruct(
  "ClassificationChanged",
  { resource: ResourceRef, level: ClassificationLevel },
  { field: FieldName, scope: DisclosureScope, reason: Note },
);

export const Grantee = t.union([
  strictStruct("ActorGrantee", { actor: Id }),
  strictStruct("RoleGrantee", { role: Id }),
]);

export const PermissionScope = strictStruct(
  "PermissionScope",
  { resourceType: Label },
  { resourceIds: boundedList(Id, 1024), subjects: boundedList(Id, 1024), owner: Id },
);

export const PermissionGranted = strictStruct(
  "PermissionGranted",
  {
    grantId: Id,
    grantee: Grantee,
    scope: PermissionScope,
    actions: boundedList(Action, 6),
    purposes: Purposes,
    grantedBy: Id,
  },
  {
    fields: Fields,
    expiresAt: Timestamp,
    clearance: ClassificationLevel,
    // Issue 14: a grant to an outside organisation's staff, tied to its 委託契約.
    contractId: Id,
  },
);
export const PermissionRevoked = strictStruct(
  "PermissionRevoked",
  { grantId: Id, revokedBy: Id },
  { reason: Note },
);

export const ActorOnboarded = strictStruct(
  "ActorOnboarded",
  { actorId: Id },
  {
    roles: boundedList(Id, 64),
    teams: boundedList(Id, 64),
    organisation: Id,
    clearance: ClassificationLevel,
    // Issue 14 item 9: the country the actor works from.
    country: Country,
  },
);
export const ActorOffboarded = strictStruct("ActorOffboarded", { actorId: Id }, { reason: Note });

export const ProvenanceSource = t.keyof(
  { "web-form": null, "import-file": null, "card-scan": null, integration: null, manual: null },
  "ProvenanceSource",
);
export const ProvenanceRecorded = strictStruct(
  "ProvenanceRecorded",
  { source: ProvenanceSource, fields: Fields },
  { reference: Id, obtainedFrom: Id, collectedAt: Timestamp },
);

/** ISO 8601 duration limited to calendar units: `P5Y`, `P18M`, `P30D`. */
export const RetentionPeriod = t.refinement(
  t.string,
  (s) => /^P(?!$)(\d+Y)?(\d+M)?(\d+D)?$/.test(s),
  "RetentionPeriod",
);
export const RetentionPolicySet = strictStruct(
  "RetentionPolicySet",
  {
    policyId: Id,
    appliesTo: t.union([
      strictStruct("PurposeTarget", { purpose: Label }),
      strictStruct("CategoryTarget", { category: Label }),
    ]),
    period: RetentionPeriod,
    trigger: t.keyof({ "last-contact": null, "record-created": null, "consent-withdrawn": null }),
  },
  { action: t.keyof({ erase: null, review: null }), basis: Note },
);

export const LegalHoldPlaced = strictStruct(
  "LegalHoldPlaced",
  { holdId: Id, reason: Note },
  { until: Timestamp },
);
export const LegalHoldReleased = strictStruct(
  "LegalHoldReleased",
  { holdId: Id },
  { reason: Note },
);

export const ErasureRequested = strictStruct(
  "ErasureRequested",
  { requestId: Id, requestedBy: Id, channel: Label, dueBy: Timestamp },
  // `category`: erase only that declared category (docs/spec.md §10.11), not the subject.
  { reason: Note, category: CategoryName },
);
/**
 * Whether copies of the destroyed keys can still unwrap (docs/spec.md §10.8): `none` — the
 * key store keeps none; `retired-kek` — copies may remain, wrapped only under the KEK
 * `kekId` that a rotation after the destruction retired; `current-kek` — copies may
 * remain under the KEK `kekId` still in use.
 */
export const KeyCopies = t.keyof(
  { none: null, "retired-kek": null, "current-kek": null },
  "KeyCopies",
);
export type KeyCopies = t.TypeOf<typeof KeyCopies>;
export const ErasureCompleted = strictStruct(
  "ErasureCompleted",
  { requestId: Id, keyIds: boundedList(Id, 1024), eventsAffected: Nat },
  { keyCopies: KeyCopies, kekId: Id },
);

/** `erasure.category-completed`: a (subject, category) key is destroyed (docs/spec.md §10.11). */
export const ErasureCategoryCompleted = strictStruct(
  "ErasureCategoryCompleted",
  {
    requestId: Id,
    category: CategoryName,
    keyIds: boundedList(Id, 1024),
    // The subject's own keys (not the category's), which this erasure left alive.
    subjectKeyIds: boundedList(Id, 1024),
    eventsAffected: Nat,
  },
  { keyCopies: KeyCopies, kekId: Id },
);

/**
 * The erasure fence (issue 4, docs/erasure.md): recorded before a subject's keys are
 * destroyed; from then on every key load refuses the subjects named in the envelope,
 * even from a key store restored from backup.
 */
export const ErasureFenced = strictStruct("ErasureFenced", {
  requestId: Id,
  keyIds: boundedList(Id, 1024),
});

/** Why an erasure request was refused: a legal hold, or a GDPR Art. 17(3) exemption. */
export const ErasureRefusalGround = t.keyof(
  {
    "legal-hold": null,
    "legal-obligation": null, // Art. 17(3)(b)
    "legal-claims": null, // Art. 17(3)(e)
    "freedom-of-expression": null, // Art. 17(3)(a)
    "public-health": null, // Art. 17(3)(c)
    archiving: null, // Art. 17(3)(d)
  },
  "ErasureRefusalGround",
);
/** GDPR Art. 17(3): a refused erasure states the exemption that applies, and is itself recorded. */
export const ErasureRefused = strictStruct(
  "ErasureRefused",
  { requestId: Id, ground: ErasureRefusalGround, reason: Note },
  { holdId: Id, obligationId: Id, until: Timestamp },
);

/** GDPR Art. 18(1)(a)–(d): why processing of a subject's data is restricted. */
export const RestrictionGround = t.keyof(
  {
    "accuracy-contested": null,
    "unlawful-processing": null,
    "legal-claims": null,
    "objection-pending": null,
  },
  "RestrictionGround",
);
/** GDPR Art. 18: the subjects named in the envelope are locked for every purpose but storage. */
export const ProcessingRestricted = strictStruct(
  "ProcessingRestricted",
  { restrictionId: Id, ground: RestrictionGround },
  { requestedBy: Id, reason: Note },
);
/** GDPR Art. 18(3): the restriction named by `restrictionId` ends. */
export const ProcessingRestrictionLifted = strictStruct(
  "ProcessingRestrictionLifted",
  { restrictionId: Id },
  { reason: Note },
);

export const AlertSeverity = t.keyof(
  { info: null, warning: null, critical: null },
  "AlertSeverity",
);
/**
 * A monitoring rule fired (SOC 2 CC7.2). `actorId` is the staff member or system the
 * alert concerns; `triggeredBy` lists the ids of the events that tripped the rule.
 */
export const AlertRaised = strictStruct(
  "AlertRaised",
  { alertId: Id, rule: Label, severity: AlertSeverity, actorId: Id },
  {
    count: Nat,
    threshold: Nat,
    windowMs: Nat,
    triggeredBy: boundedList(Id, 1024),
    ip: t.refinement(t.string, (s) => /^[0-9A-Fa-f:.]{2,45}$/.test(s), "IpAddress"),
    destination: strictStruct("AlertDestination", { kind: Label, id: Id }),
    detail: Note,
    // Issue 14 item 10: a repeat of an alert still open after its cooldown, and how many
    // occurrences were kept quiet since (docs/views-and-decisions.md §7).
    repeatOf: Id,
    suppressed: Nat,
  },
);

/*
 * Preventive controls (issue 14 items 1–4): each policy is an event, so every control
 * change is in the ledger, and `decide()` reads the policy in force at the decision's
 * instant from the views. Each `*.policy-set` replaces the previous one of its kind whole;
 * before the first, the dimension is not checked (existing behaviour).
 */
const Actions = boundedList(Action, 6, "Actions");
const Ids = boundedList(Id, 1024);
const TeamIds = boundedList(Id, 64);

/**
 * Device policy: with one in force every request must name a registered device in service
 * issued to the actor; each rule adds conditions for items at `atLeast` or above (and, if
 * given, only for `actions`): the device's ownership must be listed, and with
 * `managedOnly` it must be managed.
 */
export const DevicePolicySet = strictStruct("DevicePolicySet", {
  rules: boundedList(
    strictStruct(
      "DeviceRule",
      { atLeast: ClassificationLevel, ownership: boundedList(DeviceOwnership, 2) },
      { managedOnly: t.boolean, actions: Actions },
    ),
    64,
  ),
});

/**
 * Destination allow-list: with one in force every `export` and `share` must name a
 * destination, and some rule must allow it — its kind listed, the item at `upTo` or below,
 * its id listed (when `ids` is given), the actor listed or in a listed team (when
 * `actors` or `teams` is given).
 */
export const DestinationPolicySet = strictStruct("DestinationPolicySet", {
  rules: boundedList(
    strictStruct(
      "DestinationRule",
      { kinds: boundedList(DestinationKind, 7), upTo: ClassificationLevel },
      { ids: Ids, actors: Ids, teams: TeamIds },
    ),
    256,
  ),
});

export const VolumeMetric = t.keyof(
  { "records-read": null, "records-exported": null },
  "VolumeMetric",
);
export type VolumeMetric = t.TypeOf<typeof VolumeMetric>;
export const VolumeWindow = t.keyof({ hour: null, day: null }, "VolumeWindow");
export type VolumeWindow = t.TypeOf<typeof VolumeWindow>;
const Percent = t.refinement(Nat, (n) => n >= 1 && n <= 99, "Percent");
const PositiveCount = t.refinement(Nat, (n) => n >= 1, "PositiveCount");

/**
 * Volume limits: each limit caps, per actor, the records read or exported in any rolling
 * hour or day; it applies to every actor, or only to `actors` and members of `teams`.
 * The monitor warns when an actor reaches `warnAtPercent` (default 80) of a limit.
 */
export const VolumeLimitsSet = strictStruct(
  "VolumeLimitsSet",
  {
    limits: boundedList(
      strictStruct(
        "VolumeLimit",
        { metric: VolumeMetric, window: VolumeWindow, max: PositiveCount },
        { actors: Ids, teams: TeamIds },
      ),
      256,
    ),
  },
  { warnAtPercent: Percent },
);

/**
 * Authentication policy (step-up): each rule requires assurance `minimum` for items at
 * `atLeast` or above (any item when absent) and for `actions` (any when absent). With
 * `sessions: "recorded"` (the default) the assurance is the recorded session's
 * (`auth.login-succeeded`, `auth.mfa-passed`), and a request naming no recorded session
 * is refused; with `"claimed"` the request context's `assurance` is taken as given.
 */
export const AuthPolicySet = strictStruct(
  "AuthPolicySet",
  {
    rules: boundedList(
      strictStruct(
        "AuthRule",
        { minimum: AssuranceLevel },
        { atLeast: ClassificationLevel, actions: Actions },
      ),
      64,
    ),
  },
  { sessions: t.keyof({ recorded: null, claimed: null }, "SessionSource") },
);

/**
 * Every event type and its payload codec. The key is the `type` written in the envelope.
 * Later modules (alerts, restrictions, erasure refusals) add their types here.
 */
export const EVENT_PAYLOADS = {
  "data.accessed": DataAccessed,
  "data.exported": DataExported,
  "data.shared": DataShared,
  "record.created": RecordChanged,
  "record.updated": RecordChanged,
  "record.deleted": RecordDeleted,
  "consent.granted": ConsentGranted,
  "consent.withdrawn": ConsentWithdrawn,
  "consent.expired": ConsentExpired,
  "classification.changed": ClassificationChanged,
  "permission.granted": PermissionGranted,
  "permission.revoked": PermissionRevoked,
  "actor.onboarded": ActorOnboarded,
  "actor.offboarded": ActorOffboarded,
  "provenance.recorded": ProvenanceRecorded,
  "retention.policy-set": RetentionPolicySet,
  "legal-hold.placed": LegalHoldPlaced,
  "legal-hold.released": LegalHoldReleased,
  "erasure.requested": ErasureRequested,
  "erasure.completed": ErasureCompleted,
  "erasure.fenced": ErasureFenced,
  "erasure.refused": ErasureRefused,
  "processing.restricted": ProcessingRestricted,
  "processing.restriction-lifted": ProcessingRestrictionLifted,
  "alert.raised": AlertRaised,
  ...CONTRACT_PAYLOADS,
  ...ALERT_HANDLING_PAYLOADS,
  ...GOVERNANCE_PAYLOADS,
  ...INSTRUCTION_PAYLOADS,
  ...RECEIPT_PAYLOADS,
  // Erasure by category (issue 15 item 3; events/categories.ts).
  ...CATEGORY_PAYLOADS,
  "erasure.category-completed": ErasureCategoryCompleted,
  // Data-subject requests and incidents (issue 15; events/requests.ts, events/incidents.ts).
  "request.received": RequestReceived,
  "request.identity-verified": RequestIdentityVerified,
  "request.extended": RequestExtended,
  "request.refused": RequestRefused,
  "request.completed": RequestCompleted,
  "request.recipient-notified": RecipientNotified,
  "incident.detected": IncidentDetected,
  "incident.scoped": IncidentScoped,
  "incident.described": IncidentDescribed,
  "incident.contained": IncidentContained,
  "incident.regulator-notified": IncidentRegulatorNotified,
  "incident.subjects-notified": IncidentSubjectsNotified,
  "incident.closed": IncidentClosed,
  "device.registered": DeviceRegistered,
  "device.lost": DeviceLost,
  "device.wiped": DeviceWiped,
  "device.retired": DeviceRetired,
  "device.policy-set": DevicePolicySet,
  "destination.policy-set": DestinationPolicySet,
  "volume.limits-set": VolumeLimitsSet,
  "auth.login-succeeded": LoginSucceeded,
  "auth.login-failed": LoginFailed,
  "auth.mfa-passed": MfaPassed,
  "auth.session-ended": SessionEnded,
  "auth.policy-set": AuthPolicySet,
} as const;

export type EventType = keyof typeof EVENT_PAYLOADS;
/** A payload as recorded (decoded, branded). */
export type PayloadOf<T extends EventType> = t.TypeOf<(typeof EVENT_PAYLOADS)[T]>;
/** A payload as a caller writes it (plain strings; checked when decoded). */
export type PayloadInput<T extends EventType> = t.OutputOf<(typeof EVENT_PAYLOADS)[T]>;

/** Schema version of each type's payload; bumped when a payload changes incompatibly. */
export const SCHEMA_VERSIONS: Readonly<Record<EventType, number>> = Object.fromEntries(
  Object.keys(EVENT_PAYLOADS).map((k) => [k, 1]),
) as Record<EventType, number>;

export function isEventType(s: string): s is EventType {
  return Object.hasOwn(EVENT_PAYLOADS, s);
}
