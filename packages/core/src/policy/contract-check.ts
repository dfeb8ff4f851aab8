import type { ActorEntry } from "../views/actors";
import type { GrantRecord } from "../views/permissions";
import type { Views } from "../views/view-set";
import type { DecisionRequest } from "./decide";
import type { DenyReason } from "./reasons";

/** Why a grant tied to a contract (委託契約) cannot be used at an instant. */
export type ContractReason = Extract<
  DenyReason,
  | "contract-unknown"
  | "contract-not-started"
  | "contract-ended"
  | "contract-terminated"
  | "contract-out-of-scope"
>;

/**
 * Check the contract a grant is tied to, for one request at `at`: the contract must have
 * been concluded by then (`contract-unknown`), have started and not ended, not be
 * terminated, and cover the request (`contract-out-of-scope`): the actor belongs to the
 * contract's organisation at `at`, the purpose is one of its purposes, the resource type
 * (if it lists types), the record's owner (if it lists clients), and every subject (if
 * it lists subjects; none named is then out of scope). A grant without a contract passes.
 * Pure and non-throwing; reads only the views.
 */
export function contractProblem(
  views: Views,
  grant: GrantRecord,
  actor: ActorEntry,
  request: DecisionRequest,
  owner: string | undefined,
  subjects: readonly string[],
  at: number,
): ContractReason | undefined {
  if (grant.contractId === undefined) return undefined;
  const { state, version } = views.contracts.statusAt(grant.contractId, at);
  if (version === undefined) return "contract-unknown";
  if (state === "terminated") return "contract-terminated";
  if (state === "not-started") return "contract-not-started";
  if (state === "ended") return "contract-ended";
  if (actor.organisation !== version.organisation) return "contract-out-of-scope";
  if (!version.purposes.has(request.purpose)) return "contract-out-of-scope";
  if (version.resourceTypes !== undefined && !version.resourceTypes.has(request.resource.type))
    return "contract-out-of-scope";
  if (version.clients !== undefined && (owner === undefined || !version.clients.has(owner)))
    return "contract-out-of-scope";
  if (version.subjects !== undefined) {
    if (subjects.length === 0) return "contract-out-of-scope";
    for (const s of subjects) if (!version.subjects.has(s)) return "contract-out-of-scope";
  }
  return undefined;
}

/** Order of precedence when several grants fail on their contracts: the most final first. */
const PRECEDENCE: readonly ContractReason[] = [
  "contract-terminated",
  "contract-ended",
  "contract-not-started",
  "contract-out-of-scope",
  "contract-unknown",
];

/** The more telling of two contract reasons (terminated > ended > not started > scope > unknown). */
export function strongerContractReason(
  a: ContractReason | undefined,
  b: ContractReason,
): ContractReason {
  if (a === undefined) return b;
  return PRECEDENCE.indexOf(a) <= PRECEDENCE.indexOf(b) ? a : b;
}
