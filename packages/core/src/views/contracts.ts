import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import { orThrow } from "../plain";
import { decodeSection, endFromJson, endToJson, OpenEnd, StringList } from "./codec";
import { ms, payloadOf, type ViewEvent } from "./event";
import { firstNotBefore } from "./permissions";

/**
 * Where a contract stands at an instant: `unknown` (no version concluded by then),
 * `not-started` (before `startsAt`), `in-force`, `ended` (at or after `endsAt`) or
 * `terminated` (a `contract.terminated` at or before the instant, not older than the
 * version in force).
 */
export type ContractState = "unknown" | "not-started" | "in-force" | "ended" | "terminated";

/** One version of a contract, as concluded (or renewed) at `at`. */
export interface ContractVersion {
  readonly contractId: string;
  readonly seq: number;
  /** When this version was concluded (the event's occurredAt, epoch ms). */
  readonly at: number;
  readonly organisation: string;
  readonly purposes: ReadonlySet<string>;
  readonly clients?: ReadonlySet<string>;
  readonly subjects?: ReadonlySet<string>;
  readonly resourceTypes?: ReadonlySet<string>;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly concludedBy: string;
  /** The earliest termination not older than `at` (Infinity if none). */
  terminatedAt: number;
}

/** A contract's state at an instant, with the version that state is about (if any). */
export interface ContractStatus {
  readonly state: ContractState;
  readonly version?: ContractVersion;
}

const UNKNOWN: ContractStatus = Object.freeze({ state: "unknown" });

const VersionJson = t.intersection([
  t.type({
    contractId: t.string,
    seq: t.number,
    at: t.number,
    organisation: t.string,
    purposes: StringList,
    startsAt: t.number,
    endsAt: t.number,
    concludedBy: t.string,
    terminatedAt: OpenEnd,
  }),
  t.partial({ clients: StringList, subjects: StringList, resourceTypes: StringList }),
]);
const ContractsSnapshot = t.type({
  versions: t.array(VersionJson),
  terminations: t.array(t.tuple([t.string, t.array(t.number)])),
});
export type ContractsSnapshot = t.TypeOf<typeof ContractsSnapshot>;

/**
 * The contracts view (委託契約): every version of every outsourcing contract and its
 * terminations. Like grants, the result depends on the set of events only: a termination
 * is remembered, so a version backdated before it and recorded after it is still
 * terminated; a version concluded after a termination is a renewal and is in force.
 */
export class ContractsView {
  private readonly byId = new Map<string, ContractVersion[]>();
  private readonly byOrganisation = new Map<string, Set<string>>();
  private readonly terminations = new Map<string, number[]>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    if (event.type === "contract.concluded") {
      const p = payloadOf(event, "contract.concluded");
      const at = ms(event.occurredAt);
      const s = p.scope;
      this.index({
        contractId: p.contractId,
        seq: event.seq,
        at,
        organisation: p.organisation,
        purposes: new Set<string>(s.purposes),
        ...(s.clients ? { clients: new Set<string>(s.clients) } : {}),
        ...(s.subjects ? { subjects: new Set<string>(s.subjects) } : {}),
        ...(s.resourceTypes ? { resourceTypes: new Set<string>(s.resourceTypes) } : {}),
        startsAt: ms(p.startsAt),
        endsAt: ms(p.endsAt),
        concludedBy: p.concludedBy,
        terminatedAt: firstNotBefore(this.terminations.get(p.contractId), at),
      });
    } else if (event.type === "contract.terminated") {
      const p = payloadOf(event, "contract.terminated");
      const at = ms(event.occurredAt);
      const list = this.terminations.get(p.contractId);
      if (list === undefined) this.terminations.set(p.contractId, [at]);
      else list.push(at);
      for (const v of this.byId.get(p.contractId) ?? []) {
        if (v.at <= at && at < v.terminatedAt) v.terminatedAt = at;
      }
    }
  }

  private index(v: ContractVersion): void {
    let list = this.byId.get(v.contractId);
    if (list === undefined) {
      list = [];
      this.byId.set(v.contractId, list);
    }
    list.push(v);
    // Newest version last, by conclusion time then ledger order.
    list.sort((a, b) => a.at - b.at || a.seq - b.seq);
    let ids = this.byOrganisation.get(v.organisation);
    if (ids === undefined) {
      ids = new Set();
      this.byOrganisation.set(v.organisation, ids);
    }
    ids.add(v.contractId);
  }

  /** The version in force at `at`: the newest concluded at or before it. */
  versionAt(contractId: string, at: number): ContractVersion | undefined {
    const list = this.byId.get(contractId);
    if (list === undefined) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const v = list[i] as ContractVersion;
      if (v.at <= at) return v;
    }
    return undefined;
  }

  /** The contract's state at `at` (see {@link ContractState}). */
  statusAt(contractId: string, at: number): ContractStatus {
    const version = this.versionAt(contractId, at);
    if (version === undefined) return UNKNOWN;
    return { state: versionState(version, at), version };
  }

  /** Every version of `contractId`, oldest first. */
  versionsOf(contractId: string): readonly ContractVersion[] {
    return this.byId.get(contractId) ?? [];
  }

  /** Ids of the contracts ever concluded with `organisation`. */
  contractsOf(organisation: string): readonly string[] {
    return [...(this.byOrganisation.get(organisation) ?? [])];
  }

  /** Ids of every contract the view has seen. */
  contractIds(): IterableIterator<string> {
    return this.byId.keys();
  }

  get size(): number {
    return this.byId.size;
  }

  /** JSON-safe state; identifiers, labels and times only. */
  toSnapshot(): ContractsSnapshot {
    const versions: t.TypeOf<typeof VersionJson>[] = [];
    for (const list of this.byId.values()) {
      for (const v of list) {
        const json: t.TypeOf<typeof VersionJson> = {
          contractId: v.contractId,
          seq: v.seq,
          at: v.at,
          organisation: v.organisation,
          purposes: [...v.purposes],
          startsAt: v.startsAt,
          endsAt: v.endsAt,
          concludedBy: v.concludedBy,
          terminatedAt: endToJson(v.terminatedAt),
        };
        if (v.clients) json.clients = [...v.clients];
        if (v.subjects) json.subjects = [...v.subjects];
        if (v.resourceTypes) json.resourceTypes = [...v.resourceTypes];
        versions.push(json);
      }
    }
    return { versions, terminations: [...this.terminations] };
  }

  /** Plain form of {@link ContractsView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */

  static fromSnapshotOrThrow(data: unknown): ContractsView {
    return orThrow(ContractsView.fromSnapshot(data));
  }

  /**
   * Rebuild the view from {@link ContractsView.toSnapshot} output, decoding it first. A
   * snapshot written before contracts existed has no section: its ledger prefix cannot
   * hold a contract event, so it restores as an empty view.
   */
  static fromSnapshot(data: unknown): E.Either<DaichoError, ContractsView> {
    if (data === undefined) return E.right(new ContractsView());
    return pipe(
      decodeSection(ContractsSnapshot, data, "contracts"),
      E.map((snap) => {
        const view = new ContractsView();
        for (const [id, times] of snap.terminations) view.terminations.set(id, times);
        for (const j of snap.versions) {
          const { purposes, clients, subjects, resourceTypes, terminatedAt, ...rest } = j;
          view.index({
            ...rest,
            purposes: new Set(purposes),
            ...(clients ? { clients: new Set(clients) } : {}),
            ...(subjects ? { subjects: new Set(subjects) } : {}),
            ...(resourceTypes ? { resourceTypes: new Set(resourceTypes) } : {}),
            terminatedAt: endFromJson(terminatedAt),
          });
        }
        return view;
      }),
    );
  }
}

/** The state of one version at `at` (termination first: it is the strongest reason). */
export function versionState(v: ContractVersion, at: number): ContractState {
  if (v.terminatedAt <= at) return "terminated";
  if (at < v.startsAt) return "not-started";
  if (at >= v.endsAt) return "ended";
  return "in-force";
}
