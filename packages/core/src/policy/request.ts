import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { decodeWith } from "../decode";
import type { DaichoError } from "../errors";
import { AssuranceLevel } from "../events/auth";
import { Action, ResourceRef } from "../events/catalogue";
import { Destination } from "../events/destination";
import { boundedList, FieldName, Id, Label, strictStruct, Timestamp } from "../events/primitives";
import type { DecisionRequest } from "./decide";

const IpAddress = t.refinement(t.string, (s) => /^[0-9A-Fa-f:.]{2,45}$/.test(s), "IpAddress");
const RecordCount = t.refinement(
  t.number,
  (n) => Number.isSafeInteger(n) && n >= 1,
  "RecordCount (a whole number ≥ 1)",
);

/**
 * The request context as it arrives from outside (an HTTP header, a message): an unknown
 * device id shape, assurance level or destination kind is refused here rather than left
 * for `decide()` to deny.
 */
export const DecisionContextCodec = strictStruct(
  "DecisionContext",
  {},
  {
    ip: IpAddress,
    device: Id,
    session: Id,
    channel: Label,
    assurance: AssuranceLevel,
    at: t.union([Timestamp, t.number]),
  },
);

/** A {@link DecisionRequest} decoded from untrusted input: closed lists, known members only. */
export const DecisionRequestCodec = strictStruct(
  "DecisionRequest",
  { actor: Id, action: Action, resource: ResourceRef, purpose: Label },
  {
    fields: boundedList(FieldName, 256, "FieldNames"),
    subjects: boundedList(Id, 4096, "Subjects"),
    recipient: Id,
    context: DecisionContextCodec,
    destination: Destination,
    recordCount: RecordCount,
  },
);

/**
 * Decode a decision request at the boundary. Fails with `DECODE_ERROR` naming the path of
 * the first bad member — an unknown destination kind (`$request.destination.kind`), an
 * unknown assurance level, a record count that is not a whole number ≥ 1, an unknown
 * member — and never echoes the value. Changes nothing.
 */
export function decodeDecisionRequest(input: unknown): E.Either<DaichoError, DecisionRequest> {
  return decodeWith(DecisionRequestCodec, input, "$request") as E.Either<
    DaichoError,
    DecisionRequest
  >;
}

/** Like {@link decodeDecisionRequest} but throws the `DaichoError`. */
export function decodeDecisionRequestOrThrow(input: unknown): DecisionRequest {
  const r = decodeDecisionRequest(input);
  if (E.isLeft(r)) throw r.left;
  return r.right;
}
