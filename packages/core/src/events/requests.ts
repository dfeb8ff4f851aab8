import * as t from "io-ts";
import { CategoryName } from "./categories";
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
 * Data-subject requests other than erasure's own lifecycle (docs/requests.md): one
 * request model for every right. Payloads hold ids, labels, field names and Notes — the
 * requester's own words travel only sealed (`request.statement`, spec §10.7).
 */

/** A right, named by its regime (GDPR Arts. 15–18, 20, 21; CCPA/CPRA; APPI Arts. 33–35). */
export const RequestRight = t.keyof(
  {
    "gdpr.access": null, // Art. 15
    "gdpr.rectification": null, // Art. 16
    "gdpr.erasure": null, // Art. 17
    "gdpr.restriction": null, // Art. 18
    "gdpr.portability": null, // Art. 20
    "gdpr.objection": null, // Art. 21
    "ccpa.know": null, // Civ. Code §1798.100, .110
    "ccpa.delete": null, // §1798.105
    "ccpa.correct": null, // §1798.106
    "ccpa.opt-out": null, // §1798.120 (sale or sharing)
    "appi.disclosure": null, // APPI Art. 33(1) 開示
    "appi.correction": null, // Art. 34 訂正等
    "appi.cessation": null, // Art. 35 利用停止等
    "appi.provision-records": null, // Art. 33(5) 第三者提供記録の開示
  },
  "RequestRight",
);
export type RequestRight = t.TypeOf<typeof RequestRight>;

/** Why a request was refused; docs/requests.md lists the clause behind each ground. */
export const RequestRefusalGround = t.keyof(
  {
    "identity-not-verified": null,
    "manifestly-unfounded": null,
    excessive: null,
    "legal-obligation": null,
    "legal-claims": null,
    "freedom-of-expression": null,
    "public-health": null,
    archiving: null,
    "compelling-legitimate-grounds": null,
    "rights-of-others": null,
    "ccpa-exemption": null,
    "appi-harm-to-person": null,
    "appi-business-interference": null,
    "appi-other-law": null,
    "no-data": null,
  },
  "RequestRefusalGround",
);
export type RequestRefusalGround = t.TypeOf<typeof RequestRefusalGround>;

/** A request received: its right, who asked through which channel, and its deadline. */
export const RequestReceived = strictStruct(
  "RequestReceived",
  { requestId: Id, right: RequestRight, requestedBy: Id, channel: Label, dueBy: Timestamp },
  {
    confirmBy: Timestamp,
    categories: boundedList(FieldName, 256, "Categories"),
    reason: Note,
    // An erasure of one declared erasure category only (docs/spec.md §10.11).
    erasureCategory: CategoryName,
  },
);

/** The requester's identity was verified (GDPR Art. 12(6); 11 CCR §7060; APPI Art. 37(2)). */
export const RequestIdentityVerified = strictStruct("RequestIdentityVerified", {
  requestId: Id,
  method: Label,
  verifiedBy: Id,
});

/** The deadline was extended, with the reason the person is told (GDPR Art. 12(3)). */
export const RequestExtended = strictStruct("RequestExtended", {
  requestId: Id,
  dueBy: Timestamp,
  reason: Note,
});

/** The request was refused on a legal ground, with the reason given (GDPR Art. 12(4); APPI Art. 36). */
export const RequestRefused = strictStruct("RequestRefused", {
  requestId: Id,
  ground: RequestRefusalGround,
  reason: Note,
});

/** An event that answers a request: named by sequence number, id and hash. */
export const EvidenceRef = strictStruct("EvidenceRef", { seq: Nat, id: Id, hash: Hash256 });

/** The request was answered; `evidence` names the events that carried the answer out. */
export const RequestCompleted = strictStruct("RequestCompleted", {
  requestId: Id,
  outcome: Label,
  evidence: boundedList(EvidenceRef, 256, "Evidence"),
});

/**
 * GDPR Art. 19: a recipient of the data was told of a rectification, erasure or
 * restriction (`requestId` names the request, `recipient` the `data.shared` /
 * `data.exported` destination id).
 */
export const RecipientNotified = strictStruct(
  "RecipientNotified",
  { requestId: Id, recipient: Id, channel: Label },
  { reference: Id },
);
