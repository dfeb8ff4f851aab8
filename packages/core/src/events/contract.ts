import * as t from "io-ts";
import { boundedList, Id, Label, Note, strictStruct, Timestamp } from "./primitives";

/**
 * Outsourcing contracts (委託契約, APPI Art. 25): the entrusting company records each
 * contract with an outside organisation as an object of its own, so grants to that
 * organisation's staff can be tied to it and lapse with it (docs/views-and-decisions.md
 * §3.6). Payloads hold ids, labels and times only; the organisation is named by id.
 */

/**
 * What the contractor may work on. `purposes` is required: a contract entrusts data for
 * stated purposes, and one covering none would cover nothing.
 * `clients` are record owners (the actor whose `record.created` introduced a record, e.g.
 * `client-acme`), `subjects` data subject ids, `resourceTypes` resource types; each one
 * given narrows the scope, each one left out does not widen it beyond the grants.
 */
export const ContractScope = strictStruct(
  "ContractScope",
  {
    // At least one: a contract entrusting data for no purpose would cover nothing lawful.
    purposes: t.refinement(boundedList(Label, 64), (xs) => xs.length > 0, "Purposes (1–64)"),
  },
  {
    clients: boundedList(Id, 256, "Clients"),
    subjects: boundedList(Id, 1024, "Subjects"),
    resourceTypes: boundedList(Label, 64, "ResourceTypes"),
  },
);

/**
 * A contract concluded (or renewed, or amended: a later `contract.concluded` with the same
 * `contractId` replaces the earlier version from its `occurredAt`). `endsAt` is required:
 * an outsourcing contract without an end would never lapse on its own.
 */
export const ContractConcluded = strictStruct(
  "ContractConcluded",
  {
    contractId: Id,
    organisation: Id,
    scope: ContractScope,
    startsAt: Timestamp,
    endsAt: Timestamp,
    concludedBy: Id,
  },
  { reference: Id },
);

/** A contract terminated early: from `occurredAt` every grant tied to it lapses at once. */
export const ContractTerminated = strictStruct(
  "ContractTerminated",
  { contractId: Id, terminatedBy: Id },
  { reason: Note },
);

/** The codecs above keyed by event type, spread into the catalogue. */
export const CONTRACT_PAYLOADS = {
  "contract.concluded": ContractConcluded,
  "contract.terminated": ContractTerminated,
} as const;
export type ContractConcluded = t.TypeOf<typeof ContractConcluded>;
