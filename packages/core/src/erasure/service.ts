import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { SubjectHead } from "../chain";
import type { Kek } from "../crypto/key-wrap";
import { decodeWith } from "../decode";
import { DaichoError, isDaichoError } from "../errors";
import type { Actor, LedgerEvent } from "../events/envelope";
import { CategoryName, Id, Label, Note, strictStruct, Timestamp } from "../events/index";
import { uuidv7 } from "../ids";
import type { KeyRing } from "../keys/ring";
import type { Ledger } from "../ledger";
import { subjectEventsVerified } from "../subject-events";
import {
  type CategoryErasureContext,
  type CategoryErasureOutcome,
  executeCategoryErasure,
  type OutcomeWith,
} from "./category";
import type { CategoryErasureCertificate } from "./category-certificate";
import { type CertificateBody, type ErasureCertificate, signCertificate } from "./certificate";
import { addPeriod, ERASURE_DEADLINES, type ErasureRegime } from "./deadlines";
import { closeKeyWindow } from "./key-copies";
import {
  activeCategoryObligation,
  activeObligation,
  type RetentionObligation,
} from "./obligations";
import { type RetentionDue, retentionDue } from "./retention";
import type { Signer } from "./signer";
import { foldSubjectState, type SubjectErasureState } from "./subject-state";
import { type ErasureRequestStatus, ErasureView } from "./view";

export interface ErasureServiceOptions {
  /** A ledger opened with `keys`. */
  readonly ledger: Ledger;
  /** Signs erasure certificates (Ed25519, like checkpoints). */
  readonly signer: Signer;
  /** Who the erasure module records its own events as (a system or DPO actor). */
  readonly actor: t.OutputOf<typeof Actor>;
  readonly clock?: () => Date;
  /** Deadline regime for new requests (default `gdpr`: one month, GDPR Art. 12(3)). */
  readonly regime?: ErasureRegime;
  readonly obligations?: readonly RetentionObligation[];
  /**
   * The next KEK, from the host's KMS, for key stores that may keep copies of destroyed
   * keys (`KeyStore.residue` `"log"`: PostgreSQL's WAL, heap pages, archives). When given,
   * each erasure re-wraps every remaining data key under it right after destroying the
   * subject's keys (`KeyRing.rotateKek`, one atomic key-store step), so every copy left
   * behind is wrapped under a retired KEK; the certificate says so (`keyCopies:
   * "retired-kek"`, `kekId` naming it) and the host then destroys that KEK in its KMS and
   * hands the new one to every process. Called with the retired KEK's id; must return a
   * new KEK whose id is an Id (spec §2.3). Without it the certificate says `"current-kek"`.
   */
  readonly nextKek?: (retiredKekId: string) => Kek | Promise<Kek>;
}

/**
 * The personal field an erasure request's `statement` is sealed as, under the subject's
 * key (docs/spec.md §10.7): erasure shreds it with the rest of the subject's data.
 */
export const STATEMENT_FIELD = "erasure.statement";

/** What the requester wrote, in their own words: 1–4000 UTF-16 code units, always sealed. */
export const ErasureStatement = t.refinement(
  t.string,
  (s) => s.length > 0 && s.length <= 4000,
  "ErasureStatement (1 to 4000 UTF-16 code units)",
);

const RequestOptions = strictStruct(
  "ErasureRequestOptions",
  { requestedBy: Id, channel: Label },
  {
    reason: Note,
    statement: ErasureStatement,
    regime: t.keyof({ gdpr: null, ccpa: null }),
    dueBy: Timestamp,
    category: CategoryName,
  },
);

const CategoriesInput = t.array(
  strictStruct("CategoryInput", { name: CategoryName, fields: t.array(t.string) }),
);

/** How often `execute` re-reads and re-decides after events about the subject raced its fence. */
const MAX_DECISIONS = 20;

/** The outcome of `execute`: erased now, or erased before (idempotent). Refusals reject. */
export type ErasureOutcome = OutcomeWith<ErasureCertificate>;

/** An open (or refused, still unanswered) request, with how its deadline stands. */
export type OpenRequest = ErasureRequestStatus & {
  readonly overdue: boolean;
  readonly msLeft: number;
};

/** Create the erasure API over a ledger opened with `keys`. */
export function erasureService(options: ErasureServiceOptions): ErasureService {
  return new ErasureService(options);
}

/**
 * Erasure as an API (GDPR Art. 17, APPI Art. 35): requests with their legal deadline,
 * execution that honours legal holds and retention obligations and records refusals,
 * crypto-shredding behind a fence recorded in the ledger, signed certificates, status
 * queries and opt-in scheduled retention. All evidence is ledger events.
 */
export class ErasureService {
  private readonly ledger: Ledger;
  private readonly keys: KeyRing;
  private readonly view: ErasureView = new ErasureView();
  private readonly clock: () => Date;
  private readonly locks: Map<string, Promise<unknown>> = new Map();

  constructor(
    private readonly options: ErasureServiceOptions,
    /** Internal: the view and locks of the service `as` derived this one from. */
    shared?: { readonly view: ErasureView; readonly locks: Map<string, Promise<unknown>> },
  ) {
    if (shared !== undefined) {
      this.view = shared.view;
      this.locks = shared.locks;
    }
    if (options.ledger.keys === undefined) {
      throw new DaichoError("KEY_UNAVAILABLE", "erasure needs a ledger opened with `keys`", {
        path: "ledger",
      });
    }
    this.ledger = options.ledger;
    this.keys = options.ledger.keys;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * The same service recording its events as `actor` (a console user, say): it shares this
   * service's folded view — so it does not read the ledger from the start again — and its
   * per-subject locks, so executions about one subject stay serialised whoever runs them.
   */
  as(actor: t.OutputOf<typeof Actor>): ErasureService {
    return new ErasureService({ ...this.options, actor }, { view: this.view, locks: this.locks });
  }

  /**
   * Record an erasure request with its deadline (`dueBy`, one month under GDPR Art. 12(3)
   * unless another regime or date is given). `reason` is the host's own non-personal Note
   * (clear text, kept after erasure); `statement` is what the requester wrote, sealed as
   * the personal field `erasure.statement` under the subject's key, so erasure shreds it
   * and `openPersonal` shows it until then. Rejects with `NOT_FOUND` for a subject the
   * ledger has never seen, `ALREADY_ERASED` for an erased one, `DECODE_ERROR` for bad
   * options (a `reason` that looks like contact data among them).
   *
   * With `category`, the request is to erase only that category of the subject's data
   * (docs/spec.md §10.11): it must be a category the ledger declares now
   * (`INVALID_ARGUMENT` otherwise, nothing recorded), and one not already erased for the
   * subject (`ALREADY_ERASED`).
   */
  async request(
    subject: string,
    opts: t.OutputOf<typeof RequestOptions>,
  ): Promise<ErasureRequestStatus> {
    const id = decodeWith(Id, subject, "subject");
    if (E.isLeft(id)) throw id.left;
    const o = decodeWith(RequestOptions, opts, "options");
    if (E.isLeft(o)) throw o.left;
    const heads = await this.ledger.store.subjectHeads([subject]);
    if (!heads.has(subject))
      throw new DaichoError("NOT_FOUND", "the ledger holds nothing about this subject", {
        path: "subject",
      });
    if (await this.keys.isErased(subject)) {
      throw new DaichoError("ALREADY_ERASED", "the subject is already erased", {
        path: "subject",
        details: { subject },
      });
    }
    const category = o.right.category;
    if (category !== undefined) await this.assertCategoryErasable(subject, category);
    const now = this.clock();
    const regime = ERASURE_DEADLINES[o.right.regime ?? this.options.regime ?? "gdpr"];
    const dueBy = o.right.dueBy ?? (addPeriod(now, regime.period) as Date).toISOString();
    const requestId = `er-${uuidv7(now.getTime())}`;
    await this.ledger.append({
      type: "erasure.requested",
      actor: this.options.actor,
      subjects: [subject],
      occurredAt: now.toISOString(),
      payload: {
        requestId,
        requestedBy: o.right.requestedBy,
        channel: o.right.channel,
        dueBy,
        ...(o.right.reason ? { reason: o.right.reason } : {}),
        ...(category === undefined ? {} : { category }),
      },
      ...(o.right.statement === undefined
        ? {}
        : { personal: [{ subject, field: STATEMENT_FIELD, value: o.right.statement }] }),
    });
    await this.view.catchUpRequests(this.ledger.store);
    return this.view.requests.get(requestId) as ErasureRequestStatus;
  }

  /**
   * Execute a request: refuse (and record the refusal) while a legal hold or retention
   * obligation applies — rejecting with `LEGAL_HOLD` or `ERASURE_EXEMPT` naming the
   * reason — else record the fence, destroy the subject's keys, record completion with
   * evidence and return a signed certificate. A second call, or a call for a subject
   * erased under another request, resolves with `already-erased` and the certificate.
   *
   * The decision and the fence are atomic with respect to holds: the fence is appended
   * only if no event about the subject was recorded since the decision read it, in any
   * process (`expectSubjectHeads`); otherwise the subject is read again and the decision
   * re-made, so a hold that precedes the fence in the log always stops the erasure.
   */
  async execute(requestId: string): Promise<ErasureOutcome | CategoryErasureOutcome> {
    await this.view.catchUpRequests(this.ledger.store);
    const request = this.view.requests.get(requestId);
    if (request === undefined)
      throw new DaichoError("NOT_FOUND", "no such erasure request", { path: "requestId" });
    const { category } = request;
    if (category !== undefined)
      return this.serialised(request.subject, () =>
        executeCategoryErasure(this.categoryContext(), { ...request, category }),
      );
    return this.serialised(request.subject, () => this.executeLocked(request));
  }

  /**
   * Declare the ledger's erasure categories (docs/spec.md §10.11) by recording
   * `personal.categories-set`: from then on, a value of a field in a category is sealed
   * under a key of its own per (subject, category), so that the category can be erased
   * alone. Values sealed before stay under the key they name. Rejects with `DECODE_ERROR`
   * (nothing recorded) for a bad name, a field in two categories, or repeated names.
   */
  async declareCategories(
    categories: readonly { readonly name: string; readonly fields: readonly string[] }[],
  ): Promise<LedgerEvent> {
    const input = decodeWith(CategoriesInput, categories, "categories");
    if (E.isLeft(input)) throw input.left;
    return this.ledger.append({
      type: "personal.categories-set",
      actor: this.options.actor,
      payload: { categories: input.right },
    } as never);
  }

  /** One request's status, or `NOT_FOUND`. */
  async status(requestId: string): Promise<ErasureRequestStatus> {
    await this.view.catchUpRequests(this.ledger.store);
    const r = this.view.requests.get(requestId);
    if (r === undefined)
      throw new DaichoError("NOT_FOUND", "no such erasure request", { path: "requestId" });
    return r;
  }

  /**
   * The erasure requests about `subject` (any status), in the order they were filed, folded
   * from hash-verified events: what a caller retrying an interrupted erasure looks at before
   * it files another request.
   */
  async requestsAbout(subject: string): Promise<ErasureRequestStatus[]> {
    const id = decodeWith(Id, subject, "subject");
    if (E.isLeft(id)) throw id.left;
    await this.view.catchUpRequests(this.ledger.store);
    return [...this.view.requests.values()].filter((r) => r.subject === subject);
  }

  /** Requests not yet completed (open or refused), earliest deadline first, with overdue flags. */
  async openRequests(now: Date = this.clock()): Promise<OpenRequest[]> {
    await this.view.catchUpRequests(this.ledger.store);
    return [...this.view.requests.values()]
      .filter((r) => r.status !== "completed")
      .map((r) => ({
        ...r,
        msLeft: Date.parse(r.dueBy) - now.getTime(),
        overdue: Date.parse(r.dueBy) < now.getTime(),
      }))
      .sort((a, b) => a.msLeft - b.msLeft);
  }

  /** The signed certificate of a completed request (re-signed; Ed25519 is deterministic). */
  async certificate(requestId: string): Promise<ErasureCertificate | CategoryErasureCertificate> {
    const r = await this.status(requestId);
    if (r.status !== "completed")
      throw new DaichoError("NOT_FOUND", "request is not completed", { path: "requestId" });
    if (r.category !== undefined) {
      const done = await executeCategoryErasure(this.categoryContext(), {
        ...r,
        category: r.category,
      });
      return done.certificate;
    }
    const state = await this.subjectState(r.subject);
    return this.certify(r, state);
  }

  /** Place a legal hold on subjects (records `legal-hold.placed`); erasure is refused until released. */
  async placeHold(
    subjects: readonly string[],
    hold: { holdId: string; reason: string; until?: string },
  ): Promise<LedgerEvent> {
    return this.ledger.append({
      type: "legal-hold.placed",
      actor: this.options.actor,
      subjects,
      payload: hold,
    });
  }

  /** Release a legal hold (records `legal-hold.released`). */
  async releaseHold(
    subjects: readonly string[],
    holdId: string,
    reason?: string,
  ): Promise<LedgerEvent> {
    return this.ledger.append({
      type: "legal-hold.released",
      actor: this.options.actor,
      subjects,
      payload: reason === undefined ? { holdId } : { holdId, reason },
    });
  }

  /** Subjects due for erasure or review under the recorded retention policies (GDPR Art. 5(1)(e)). */
  async retentionDue(now: Date = this.clock()): Promise<RetentionDue[]> {
    await this.view.catchUp(this.ledger);
    return retentionDue(this.view.policies.values(), this.view.subjects, now);
  }

  /**
   * Scheduled retention, opt-in: for each subject due under an `erase` policy, record a
   * request whose reason names the policy (reusing an open one), then execute it. Held
   * subjects are refused and the refusal recorded; the run goes on with the others.
   */
  async runRetention(
    now: Date = this.clock(),
  ): Promise<{ erased: string[]; refused: string[]; failed: string[] }> {
    const result = { erased: [] as string[], refused: [] as string[], failed: [] as string[] };
    for (const due of await this.retentionDue(now)) {
      if (due.action !== "erase") continue;
      try {
        const open = [...this.view.requests.values()].find(
          (r) => r.subject === due.subject && r.status !== "completed",
        );
        const request =
          open ??
          (await this.request(due.subject, {
            requestedBy: `retention:${due.policyId}`.slice(0, 128),
            channel: "retention-schedule",
            reason: due.reason,
          }));
        await this.execute(request.requestId);
        result.erased.push(due.subject);
      } catch (e) {
        if (isDaichoError(e, "LEGAL_HOLD") || isDaichoError(e, "ERASURE_EXEMPT"))
          result.refused.push(due.subject);
        else result.failed.push(due.subject);
      }
    }
    return result;
  }

  /** Run `runRetention` every `intervalMs`; returns a function that stops the schedule. */
  scheduleRetention(
    intervalMs: number,
    onRun?: (r: Awaited<ReturnType<ErasureService["runRetention"]>>) => void,
  ): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.runRetention()
        .then((r) => onRun?.(r))
        .catch(() => undefined)
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }

  /** Refuse a category request the ledger cannot honour: undeclared, or erased already. */
  private async assertCategoryErasable(subject: string, category: string): Promise<void> {
    if ((await this.keys.declaredCategory(category)) === undefined) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "the ledger declares no such erasure category: declare it first (declareCategories), or request erasure of the whole subject",
        { path: "options.category", details: { category } },
      );
    }
    if ((await this.subjectState(subject)).categoryFences.has(category)) {
      throw new DaichoError("ALREADY_ERASED", "this category of the subject is already erased", {
        path: "options.category",
        details: { subject, category },
      });
    }
  }

  /** What `executeCategoryErasure` needs from this service. */
  private categoryContext(): CategoryErasureContext {
    return {
      ledgerId: this.ledger.ledgerId,
      keys: this.keys,
      signer: this.options.signer,
      ...(this.options.nextKek ? { nextKek: this.options.nextKek } : {}),
      maxDecisions: MAX_DECISIONS,
      record: (type, subject, payload, heads) => this.record(type, subject, payload, heads),
      subjectState: (subject) => this.subjectState(subject),
      refuseIfExempt: (requestId, state, category) =>
        this.refuseIfExempt(requestId, state, category),
      requestOf: (requestId) => this.view.requests.get(requestId),
    };
  }

  private async executeLocked(request: ErasureRequestStatus): Promise<ErasureOutcome> {
    const { subject, requestId } = request;
    for (let attempt = 0; ; attempt++) {
      let state = await this.subjectState(subject);
      const done = state.completions.get(requestId);
      if (done !== undefined) {
        return {
          outcome: "already-erased",
          code: "ALREADY_ERASED",
          certificate: await this.certify(request, state),
        };
      }
      if (state.fence !== undefined && state.fence.requestId !== requestId) {
        // Erased (or being erased) under another request: finish that one, close this one.
        const owner = this.view.requests.get(state.fence.requestId) ?? request;
        if (!state.completions.has(owner.requestId)) await this.finish(owner.requestId, state);
        await this.record("erasure.completed", subject, {
          requestId,
          keyIds: [],
          eventsAffected: 0,
        });
        state = await this.subjectState(subject);
        return {
          outcome: "already-erased",
          code: "ALREADY_ERASED",
          certificate: await this.certify(owner, state),
        };
      }
      if (state.fence === undefined) {
        if (!(await this.fence(requestId, state, attempt))) continue; // decide again
        state = await this.subjectState(subject);
      }
      await this.finish(requestId, state);
      return {
        outcome: "erased",
        certificate: await this.certify(request, await this.subjectState(subject)),
      };
    }
  }

  /**
   * Decide on `state` (holds, obligations) and record the fence on condition that no event
   * about the subject was recorded since `state` was read (`expectSubjectHeads`): the
   * decision and the fence are atomic with respect to holds, in any process. Resolves false
   * when another event came first, so the caller reads the subject again and re-decides;
   * after `MAX_DECISIONS` such conflicts it rejects with `CONCURRENCY_CONFLICT`.
   */
  private async fence(
    requestId: string,
    state: SubjectErasureState,
    attempt: number,
  ): Promise<boolean> {
    await this.refuseIfExempt(requestId, state);
    const keyIds = [
      ...new Set([
        ...(await this.keys.keyIds(state.subject, state.byCategory.keys())),
        ...state.keyIdsSeen,
      ]),
    ].sort();
    try {
      await this.record(
        "erasure.fenced",
        state.subject,
        { requestId, keyIds },
        new Map([[state.subject, state.head]]),
      );
      return true;
    } catch (e) {
      if (isDaichoError(e, "CONCURRENCY_CONFLICT") && attempt < MAX_DECISIONS) return false;
      throw e;
    }
  }

  /**
   * Behind a recorded fence: destroy the keys, retire the KEK when the key store may keep
   * copies and the host gave `nextKek`, then record completion with evidence, including
   * whether copies of the destroyed keys could still unwrap (`keyCopies`).
   */
  private async finish(requestId: string, fenced: SubjectErasureState): Promise<void> {
    await this.keys.destroy(fenced.subject, fenced.byCategory.keys());
    await this.record("erasure.completed", fenced.subject, {
      requestId,
      keyIds: [...(fenced.fence?.keyIds ?? [])],
      eventsAffected: fenced.eventsWithPersonal,
      ...(await closeKeyWindow(this.keys, this.options.nextKek)),
    });
  }

  private async refuseIfExempt(
    requestId: string,
    state: SubjectErasureState,
    category?: string,
  ): Promise<void> {
    const hold = [...state.holds.values()][0];
    if (hold !== undefined) {
      const refusal = await this.record("erasure.refused", state.subject, {
        requestId,
        ground: "legal-hold",
        reason: hold.reason,
        holdId: hold.holdId,
        ...(hold.until ? { until: hold.until } : {}),
      });
      throw new DaichoError("LEGAL_HOLD", hold.reason, {
        details: { holdId: hold.holdId, refusalEventId: refusal.id, requestId },
      });
    }
    const obligations = this.options.obligations ?? [];
    const active =
      category === undefined
        ? activeObligation(obligations, state, this.clock())
        : activeCategoryObligation(obligations, state, category, this.clock());
    if (active !== undefined) {
      const { obligation: o, until } = active;
      const refusal = await this.record("erasure.refused", state.subject, {
        requestId,
        ground: o.ground,
        reason: o.basis.slice(0, 500),
        obligationId: o.id,
        until: until.toISOString(),
      });
      throw new DaichoError("ERASURE_EXEMPT", o.basis, {
        details: {
          obligationId: o.id,
          ground: o.ground,
          until: until.toISOString(),
          refusalEventId: refusal.id,
          requestId,
        },
      });
    }
  }

  private async record(
    type:
      | "erasure.fenced"
      | "erasure.completed"
      | "erasure.refused"
      | "erasure.category-fenced"
      | "erasure.category-completed",
    subject: string,
    payload: unknown,
    expectSubjectHeads?: ReadonlyMap<string, SubjectHead | null>,
  ): Promise<LedgerEvent> {
    const event = await this.ledger.append(
      { type, actor: this.options.actor, subjects: [subject], payload } as never,
      expectSubjectHeads === undefined ? undefined : { expectSubjectHeads },
    );
    await this.view.catchUpRequests(this.ledger.store);
    return event;
  }

  /** The subject's erasure state, folded from its hash-verified event bodies (never columns). */
  private async subjectState(subject: string): Promise<SubjectErasureState> {
    const events = await subjectEventsVerified(this.ledger.store, subject);
    return foldSubjectState(subject, events, this.clock());
  }

  private async certify(
    request: ErasureRequestStatus,
    state: SubjectErasureState,
  ): Promise<ErasureCertificate> {
    const completion = state.completions.get(request.requestId);
    const fence = state.fence?.event;
    if (completion === undefined || fence === undefined) {
      throw new DaichoError("NOT_FOUND", "request has no recorded completion", {
        path: "requestId",
      });
    }
    const body: CertificateBody = {
      v: 1,
      ledgerId: this.ledger.ledgerId,
      requestId: request.requestId,
      subject: state.subject,
      requestedAt: request.requestedAt,
      dueBy: request.dueBy,
      completedAt: completion.recordedAt,
      keyIds: [...completion.payload.keyIds],
      eventsAffected: completion.payload.eventsAffected,
      fence: { seq: fence.seq, id: fence.id, hash: fence.hash },
      completion: { seq: completion.seq, id: completion.id, hash: completion.hash },
      ...(completion.payload.keyCopies ? { keyCopies: completion.payload.keyCopies } : {}),
      ...(completion.payload.kekId ? { kekId: completion.payload.kekId } : {}),
    } as CertificateBody;
    return signCertificate(body, this.options.signer);
  }

  private serialised<A>(subject: string, f: () => Promise<A>): Promise<A> {
    const prev = this.locks.get(subject) ?? Promise.resolve();
    const next = prev.then(f, f);
    const tail = next.catch(() => undefined);
    this.locks.set(subject, tail);
    void tail.then(() => {
      if (this.locks.get(subject) === tail) this.locks.delete(subject);
    });
    return next;
  }
}
