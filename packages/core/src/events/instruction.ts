import { boundedList, FieldName, Id, Label, strictStruct, Timestamp } from "./primitives";

/**
 * マル秘 instructions (issue 14 item 7): the customer's own instruction about a
 * confidential item — who may know it, and until when — recorded as evidence, with the
 * customer as the envelope's subject. A disclosure scope (`classification.changed` with
 * `scope`) that widens the scope before it takes effect only if such an instruction,
 * recorded at or before the change, covers the new scope (docs/views-and-decisions.md
 * §3.8). Staff ids, labels and times only: the customer's words, if kept, go into a sealed
 * personal field.
 */
export const ConfidentialityInstructed = strictStruct(
  "ConfidentialityInstructed",
  {
    instructionId: Id,
    resource: strictStruct("InstructedResource", { type: Label, id: Id }),
    /** Who the customer allows to know (staff actor ids and team ids). */
    mayKnow: strictStruct(
      "MayKnow",
      {},
      { actors: boundedList(Id, 256), teams: boundedList(Id, 64) },
    ),
    /** How the instruction was received and by whom (a call, a visit, a letter). */
    channel: Label,
    capturedBy: Id,
  },
  {
    /** The field the instruction is about; absent = the record as a whole. */
    field: FieldName,
    /** Until when the customer wants the item kept to these people; absent = indefinitely. */
    until: Timestamp,
    /** A document id (a signed form, a call recording) held elsewhere. */
    reference: Id,
  },
);

/** The codec above keyed by event type, spread into the catalogue. */
export const INSTRUCTION_PAYLOADS = {
  "confidentiality.instructed": ConfidentialityInstructed,
} as const;
