/**
 * Machine-readable reasons a decision gives. A denial lists every check that failed (so
 * a host can explain it in one go); an allowed decision carries `allowed`. The codes are
 * also written into the `data.accessed` event's `reasons`, so the log explains itself.
 */
export const DENY_REASONS = [
  "request-invalid",
  "action-unknown",
  "purpose-unknown",
  "actor-unknown",
  "actor-offboarded",
  "ip-not-allowed",
  "outside-working-hours",
  "resource-unknown",
  "resource-deleted",
  "no-grant",
  "grant-revoked",
  "grant-expired",
  "grant-offboarded",
  "above-clearance",
  "disclosure-scope",
  "recipient-out-of-scope",
  "field-not-permitted",
  "no-fields-permitted",
  "subject-erased",
  "processing-restricted",
  "consent-missing",
  "consent-withdrawn",
  "consent-expired",
  // Issue 14 item 5: the contract (委託契約) a grant is tied to.
  "contract-unknown",
  "contract-not-started",
  "contract-ended",
  "contract-terminated",
  "contract-out-of-scope",
  // Issue 14 item 6: four-eyes approval.
  "grant-pending-approval",
  // Issue 14 item 7: a disclosure scope widened without the customer's instruction.
  "scope-not-instructed",
  // Preventive controls (issue 14 items 1–4), checked last, in this order.
  "device-missing",
  "device-unknown",
  "device-lost",
  "device-wiped",
  "device-retired",
  "device-not-owned",
  "device-not-allowed",
  "destination-missing",
  "destination-not-allowed",
  "read-volume-exceeded",
  "export-volume-exceeded",
  "session-unknown",
  "session-ended",
  "mfa-required",
] as const;

export type DenyReason = (typeof DENY_REASONS)[number];
export type Reason = DenyReason | "allowed";
