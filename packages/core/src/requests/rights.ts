import type { EventType } from "../events/catalogue";
import type { RequestRefusalGround, RequestRight } from "../events/requests";

/** The regime a right belongs to. */
export type Regime = "gdpr" | "ccpa" | "appi";

/** `gdpr.access` → `gdpr`. */
export function regimeOf(right: RequestRight): Regime {
  return right.slice(0, right.indexOf(".")) as Regime;
}

/** What a right asks for, which decides the evidence that answers it. */
export type RightKind = "access" | "rectification" | "erasure" | "restriction";

/** Each right, its kind and the clause behind it (COMPLIANCE.md, "The other rights"). */
export const RIGHTS: Readonly<
  Record<RequestRight, { readonly kind: RightKind; readonly clause: string }>
> = {
  "gdpr.access": { kind: "access", clause: "GDPR Art. 15" },
  "gdpr.rectification": { kind: "rectification", clause: "GDPR Art. 16" },
  "gdpr.erasure": { kind: "erasure", clause: "GDPR Art. 17" },
  "gdpr.restriction": { kind: "restriction", clause: "GDPR Art. 18" },
  "gdpr.portability": { kind: "access", clause: "GDPR Art. 20" },
  "gdpr.objection": { kind: "restriction", clause: "GDPR Art. 21" },
  "ccpa.know": { kind: "access", clause: "Cal. Civ. Code §§1798.100, 1798.110" },
  "ccpa.delete": { kind: "erasure", clause: "Cal. Civ. Code §1798.105" },
  "ccpa.correct": { kind: "rectification", clause: "Cal. Civ. Code §1798.106" },
  "ccpa.opt-out": { kind: "restriction", clause: "Cal. Civ. Code §1798.120" },
  "appi.disclosure": { kind: "access", clause: "APPI Art. 33(1) (開示)" },
  "appi.correction": { kind: "rectification", clause: "APPI Art. 34 (訂正等)" },
  "appi.cessation": { kind: "restriction", clause: "APPI Art. 35 (利用停止等)" },
  "appi.provision-records": { kind: "access", clause: "APPI Art. 33(5) (第三者提供記録の開示)" },
};

/**
 * The event types that can carry out each kind of right, so a completion names evidence
 * that actually answers it: an export to the person for access, a record update for
 * rectification, an erasure (whole-subject or by category) for erasure, a restriction or
 * a consent withdrawal for restriction, objection and opt-out. APPI's 利用停止等 may be
 * carried out by erasure too (Art. 35: 利用停止又は消去).
 */
export const EVIDENCE_TYPES: Readonly<Record<RightKind, readonly EventType[]>> = {
  access: ["data.exported"],
  rectification: ["record.updated", "record.deleted"],
  erasure: ["erasure.completed", "erasure.category-completed"],
  restriction: [
    "processing.restricted",
    "consent.withdrawn",
    "erasure.completed",
    "erasure.category-completed",
  ],
};

/**
 * Rights whose completion needs a verified identity first: all but the CCPA opt-out, which
 * a business must not make depend on a verifiable request (11 CCR §7026(d)). A disclosure
 * or erasure for the wrong person is the harm verification exists to prevent.
 */
export function needsIdentity(right: RequestRight): boolean {
  return right !== "ccpa.opt-out";
}

const ANY: readonly Regime[] = ["gdpr", "ccpa", "appi"];

/**
 * Each refusal ground, its clause, and the rights it may refuse. A ground outside its
 * rights is refused with `INVALID_ARGUMENT`: an Art. 17(3) exemption does not refuse an
 * access request, and APPI's Art. 33(2) grounds do not refuse a GDPR request.
 */
export const REFUSAL_GROUNDS: Readonly<
  Record<
    RequestRefusalGround,
    {
      readonly clause: string;
      readonly regimes: readonly Regime[];
      readonly kinds?: readonly RightKind[];
      readonly rights?: readonly RequestRight[];
    }
  >
> = {
  "identity-not-verified": {
    clause: "GDPR Art. 12(6); 11 CCR §7060; APPI Art. 37(2)",
    regimes: ANY,
  },
  "manifestly-unfounded": { clause: "GDPR Art. 12(5)(b)", regimes: ["gdpr"] },
  excessive: { clause: "GDPR Art. 12(5)(b)", regimes: ["gdpr"] },
  "legal-obligation": { clause: "GDPR Art. 17(3)(b)", regimes: ["gdpr"], kinds: ["erasure"] },
  "legal-claims": { clause: "GDPR Art. 17(3)(e)", regimes: ["gdpr"], kinds: ["erasure"] },
  "freedom-of-expression": {
    clause: "GDPR Art. 17(3)(a)",
    regimes: ["gdpr"],
    kinds: ["erasure"],
  },
  "public-health": { clause: "GDPR Art. 17(3)(c)", regimes: ["gdpr"], kinds: ["erasure"] },
  archiving: { clause: "GDPR Art. 17(3)(d)", regimes: ["gdpr"], kinds: ["erasure"] },
  "compelling-legitimate-grounds": {
    clause: "GDPR Art. 21(1)",
    regimes: ["gdpr"],
    rights: ["gdpr.objection"],
  },
  "rights-of-others": {
    clause: "GDPR Arts. 15(4), 20(4)",
    regimes: ["gdpr"],
    rights: ["gdpr.access", "gdpr.portability"],
  },
  "ccpa-exemption": { clause: "Cal. Civ. Code §§1798.105(d), 1798.145", regimes: ["ccpa"] },
  "appi-harm-to-person": { clause: "APPI Art. 33(2)(i)", regimes: ["appi"], kinds: ["access"] },
  "appi-business-interference": {
    clause: "APPI Art. 33(2)(ii)",
    regimes: ["appi"],
    kinds: ["access"],
  },
  "appi-other-law": { clause: "APPI Art. 33(2)(iii)", regimes: ["appi"], kinds: ["access"] },
  "no-data": { clause: "APPI Art. 33(3); GDPR Art. 12(4)", regimes: ANY },
};

/** True when `ground` may refuse a request for `right` (see {@link REFUSAL_GROUNDS}). */
export function groundFits(ground: RequestRefusalGround, right: RequestRight): boolean {
  const g = REFUSAL_GROUNDS[ground];
  if (!g.regimes.includes(regimeOf(right))) return false;
  if (g.kinds !== undefined && !g.kinds.includes(RIGHTS[right].kind)) return false;
  return g.rights === undefined || g.rights.includes(right);
}
