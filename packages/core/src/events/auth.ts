import * as t from "io-ts";
import { Id, Label, strictStruct } from "./primitives";

/**
 * Authentication events (issue 14 item 4): what the host's identity provider saw. The
 * envelope's `actor.context` carries the IP and device of the attempt. Assurance levels
 * follow NIST SP 800-63B: `aal1` one factor (a password), `aal2` two factors (MFA),
 * `aal3` a phishing-resistant hardware authenticator.
 */
export const AssuranceLevel = t.keyof({ aal1: null, aal2: null, aal3: null }, "AssuranceLevel");
export type AssuranceLevel = t.TypeOf<typeof AssuranceLevel>;

/** Rank of an assurance level: aal1 = 1 … aal3 = 3. */
export function assuranceRank(level: AssuranceLevel): number {
  return level === "aal3" ? 3 : level === "aal2" ? 2 : 1;
}

/** A login succeeded and opened `sessionId` at `assurance`. */
export const LoginSucceeded = strictStruct(
  "LoginSucceeded",
  { actorId: Id, sessionId: Id, assurance: AssuranceLevel },
  { method: Label },
);

/**
 * A login failed. `account` is the account id the attempt named — the host's own id, or a
 * pseudonym (`pseudonymId`) of what was typed: a typed e-mail address is personal data and
 * is refused as an Id.
 */
export const LoginFailed = strictStruct("LoginFailed", {
  account: Id,
  reason: t.keyof(
    { "bad-credentials": null, "unknown-account": null, locked: null, "mfa-failed": null },
    "LoginFailureReason",
  ),
});

/** A second factor passed for `sessionId`, raising the session to `assurance` (step-up). */
export const MfaPassed = strictStruct(
  "MfaPassed",
  { actorId: Id, sessionId: Id, assurance: AssuranceLevel },
  { method: Label },
);

/** The session ended; requests naming it are refused from then on. */
export const SessionEnded = strictStruct("SessionEnded", {
  actorId: Id,
  sessionId: Id,
  reason: t.keyof({ logout: null, timeout: null, revoked: null }, "SessionEndReason"),
});
