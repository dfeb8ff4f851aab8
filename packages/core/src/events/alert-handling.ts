import * as t from "io-ts";
import { Id, Note, strictStruct } from "./primitives";

/**
 * What people do with an alert (issue 14 item 10): acknowledge it ("I am on it") and
 * resolve it, each recorded as evidence that the anomalies monitoring found (SOC 2 CC7.2)
 * were followed up. Ids, a label and an optional Note only.
 */

/** Someone took charge of the alert `alertId`; repeats of it stay quiet until it is resolved. */
export const AlertAcknowledged = strictStruct(
  "AlertAcknowledged",
  { alertId: Id, acknowledgedBy: Id },
  { note: Note },
);

/** How an alert was closed. */
export const AlertResolution = t.keyof(
  {
    /** The cause was dealt with (access removed, device wiped, person spoken to). */
    remediated: null,
    /** Not a problem: the rule fired on legitimate work. */
    "false-positive": null,
    /** Known and accepted by someone entitled to accept the risk. */
    "accepted-risk": null,
    /** Another alert covers it. */
    duplicate: null,
  },
  "AlertResolution",
);
export type AlertResolution = t.TypeOf<typeof AlertResolution>;

/** The alert `alertId` is closed; the next occurrence raises a new alert at once. */
export const AlertResolved = strictStruct(
  "AlertResolved",
  { alertId: Id, resolvedBy: Id, resolution: AlertResolution },
  { note: Note },
);

/** The codecs above keyed by event type, spread into the catalogue. */
export const ALERT_HANDLING_PAYLOADS = {
  "alert.acknowledged": AlertAcknowledged,
  "alert.resolved": AlertResolved,
} as const;
