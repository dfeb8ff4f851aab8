import { AssuranceLevel } from "../events/auth";
import type { PayloadOf, VolumeMetric, VolumeWindow } from "../events/catalogue";
import { Destination } from "../events/destination";
import type { LedgerEvent } from "../events/envelope";
import type { EventInput } from "../events/input";
import { FieldName, Id, Label } from "../events/primitives";
import { uuidv7 } from "../ids";
import type { Ledger } from "../ledger";
import type { Views } from "../views/view-set";
import type { CompiledPolicy } from "./config";
import { appliesTo } from "./controls";
import { type Decision, type DecisionRequest, decide } from "./decide";
import type { DenyReason } from "./reasons";
import { allowedInWindows, countedMetric, volumeProblem } from "./volume-check";

/** A decision together with the `data.accessed` event that records it. */
export interface RecordedDecision {
  readonly decision: Decision & { readonly decisionId: string };
  readonly event: LedgerEvent<"data.accessed">;
}

const PLACEHOLDER = "invalid";
const IP = /^[0-9A-Fa-f:.]{2,45}$/;
const ACTIONS = new Set(["read", "create", "update", "delete", "export", "share"]);

/**
 * Decide a request and append a `data.accessed` event recording the attempt, allowed or
 * denied (PCI DSS 10.2.1/10.2.2: invalid access attempts are logged too), with the
 * reasons, the masked fields and a decision id. The decision is taken before the append
 * and returned whatever the outcome; the promise rejects only when the ledger cannot
 * write. Values that cannot be written (a malformed id in a `request-invalid` call) are
 * replaced by the placeholder `invalid`, never echoed.
 *
 * Volume limits hold under concurrency (docs/views-and-decisions.md §13.3): an allowed
 * decision a volume limit applies to is a reservation. Once it is appended, the decisions
 * the ledger holds between the views' position and the reservation (by this process or
 * another) are counted too; if together they take the actor over a limit, the
 * reservation loses: a denial with the same decision id is appended and returned, and the
 * host must not serve the data. The ledger's sequence order decides which of two racing
 * requests wins, so every process agrees; a lost race still counts against the quota.
 */
export async function decideAndRecord(
  ledger: Ledger,
  views: Views,
  policy: CompiledPolicy,
  request: DecisionRequest,
  options: { readonly now?: () => number; readonly decisionId?: string } = {},
): Promise<RecordedDecision> {
  const decision = decide(views, policy, request, options.now);
  const reservation = decision.allowed ? volumeReservation(views, request, decision.at) : undefined;
  const decisionId = options.decisionId ?? uuidv7();
  const input = accessEvent(request, decision, decisionId, options.now ?? Date.now);
  const event = (await ledger.append(input)) as LedgerEvent<"data.accessed">;
  if (reservation !== undefined) {
    const lost = await reservationLost(ledger, request, decision.at, reservation, event.seq);
    if (lost !== undefined) {
      const refused: Decision = { ...decision, ...DENIED, reasons: [lost], grants: [] };
      const denial = accessEvent(request, refused, decisionId, options.now ?? Date.now);
      const recorded = (await ledger.append(denial)) as LedgerEvent<"data.accessed">;
      return { decision: { ...refused, decisionId }, event: recorded };
    }
  }
  return { decision: { ...decision, decisionId }, event };
}

const DENIED = {
  allowed: false,
  outcome: "denied",
  obligations: { maskFields: [], recordProvision: false },
} as const;

/** What an allowed decision counted on: the limits in force, and the views' counts and position. */
interface Reservation {
  readonly limits: PayloadOf<"volume.limits-set">["limits"];
  readonly teams: readonly string[];
  readonly metric: VolumeMetric;
  readonly used: Readonly<Record<VolumeWindow, number>>;
  /** Every event up to this seq was folded into the views the decision read. */
  readonly since: number;
}

function volumeReservation(
  views: Views,
  request: DecisionRequest,
  at: number,
): Reservation | undefined {
  const limits = views.volume.limits.at(at);
  const metric = countedMetric(request.action);
  if (limits === undefined || metric === undefined) return undefined;
  const used = {
    hour: views.volume.usedAt(request.actor, metric, "hour", at),
    day: views.volume.usedAt(request.actor, metric, "day", at),
  };
  const teams = views.actors.entryAt(request.actor, at)?.teams ?? [];
  return { limits: limits.limits, teams, metric, used, since: views.at.seq };
}

/** The limit the reservation at `seq` breaks once the decisions sequenced before it count. */
async function reservationLost(
  ledger: Ledger,
  request: DecisionRequest,
  at: number,
  r: Reservation,
  seq: number,
): Promise<DenyReason | undefined> {
  if (seq === r.since + 1) return undefined; // nothing was appended in between
  const between: LedgerEvent[] = [];
  for await (const e of ledger.read({ from: r.since + 1, to: seq })) between.push(e);
  const extra = allowedInWindows(between, request.actor, r.metric, at);
  const used = (w: VolumeWindow) => r.used[w] + extra[w];
  return volumeProblem(r.limits, request, r.teams, used, appliesTo);
}

/** The `data.accessed` input for a decision; exported for hosts that batch their writes. */
export function accessEvent(
  request: DecisionRequest,
  decision: Decision,
  decisionId: string,
  now: () => number = Date.now,
): EventInput<"data.accessed"> {
  const r = (request ?? {}) as Partial<DecisionRequest>;
  const ctx = typeof r.context === "object" && r.context !== null ? r.context : {};
  const context: Record<string, string> = {};
  if (typeof ctx.ip === "string" && IP.test(ctx.ip)) context.ip = ctx.ip;
  if (typeof ctx.device === "string" && Id.is(ctx.device)) context.device = ctx.device;
  if (typeof ctx.session === "string" && Id.is(ctx.session)) context.session = ctx.session;
  if (typeof ctx.channel === "string" && Label.is(ctx.channel)) context.channel = ctx.channel;
  if (typeof ctx.assurance === "string" && AssuranceLevel.is(ctx.assurance))
    context.assurance = ctx.assurance;
  const fields = Array.isArray(r.fields)
    ? [...new Set(r.fields.filter((f) => FieldName.is(f)))]
    : [];
  const at = Number.isFinite(decision.at) ? decision.at : now();
  const payload: Record<string, unknown> = {
    resource: {
      type:
        typeof r.resource?.type === "string" && Label.is(r.resource.type)
          ? r.resource.type
          : PLACEHOLDER,
      id: typeof r.resource?.id === "string" && Id.is(r.resource.id) ? r.resource.id : PLACEHOLDER,
    },
    fields,
    purpose: typeof r.purpose === "string" && Label.is(r.purpose) ? r.purpose : PLACEHOLDER,
    outcome: decision.outcome,
    reason: decision.reasons[0] ?? "denied",
    reasons: [...decision.reasons],
    decisionId,
  };
  const masked = decision.obligations.maskFields.filter((f) => FieldName.is(f));
  if (masked.length > 0) payload.maskedFields = masked;
  if (typeof r.action === "string" && ACTIONS.has(r.action)) payload.action = r.action;
  if (typeof r.recipient === "string" && Id.is(r.recipient)) payload.recipient = r.recipient;
  if (decision.grants.length > 0) payload.grantIds = [...new Set(decision.grants)].slice(0, 64);
  if (Number.isSafeInteger(r.recordCount) && (r.recordCount as number) >= 1)
    payload.recordCount = r.recordCount;
  if (Destination.is(r.destination))
    payload.destination = { kind: r.destination.kind, id: r.destination.id };
  const subjects = decision.subjects.filter((s) => Id.is(s));
  return {
    type: "data.accessed",
    actor: {
      id: typeof r.actor === "string" && Id.is(r.actor) ? r.actor : PLACEHOLDER,
      ...(Object.keys(context).length > 0 ? { context } : {}),
    },
    ...(subjects.length > 0 ? { subjects } : {}),
    occurredAt: new Date(at).toISOString(),
    payload,
  } as EventInput<"data.accessed">;
}

/**
 * Views and a compiled policy bundled with a clock: the object a CRM keeps and calls on
 * every read. `decide` is synchronous; `decideAndRecord` also writes the attempt.
 */
export class AccessPolicy {
  constructor(
    readonly views: Views,
    readonly policy: CompiledPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** See {@link decide}. */
  decide(request: DecisionRequest): Decision {
    return decide(this.views, this.policy, request, this.now);
  }

  /** See {@link decideAndRecord}. */
  decideAndRecord(ledger: Ledger, request: DecisionRequest): Promise<RecordedDecision> {
    return decideAndRecord(ledger, this.views, this.policy, request, { now: this.now });
  }
}
