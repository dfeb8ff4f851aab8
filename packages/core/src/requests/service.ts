import * as t from "io-ts";
import type { SubjectHead } from "../chain";
import { decodeWithOrThrow as decode } from "../decode";
import type { CategoryErasureCertificate } from "../erasure/category-certificate";
import type { ErasureCertificate } from "../erasure/certificate";
import type { ErasureService } from "../erasure/service";
import { DaichoError, isDaichoError } from "../errors";
import { CategoryName } from "../events/categories";
import type { Actor, LedgerEvent } from "../events/envelope";
import type { EventInput } from "../events/input";
import {
  boundedList,
  FieldName,
  Id,
  Label,
  Note,
  strictStruct,
  Timestamp,
} from "../events/primitives";
import { RequestRefusalGround, RequestRight } from "../events/requests";
import { uuidv7 } from "../ids";
import type { Ledger } from "../ledger";
import { subjectEventsVerified } from "../subject-events";
import { type DeadlineRules, rulesFor, statutoryDates } from "./deadlines";
import { applyRequestEvent, type DataSubjectRequest } from "./model";
import { type PortabilityExport, type PortabilityFormat, portabilityExport } from "./portability";
import { type RecipientToNotify, recipientsToNotify } from "./recipients";
import { EVIDENCE_TYPES, groundFits, needsIdentity, type Regime, RIGHTS } from "./rights";
import { RequestsView } from "./view";

export interface RequestsServiceOptions {
  /** The ledger; needs `keys` only for requests that carry a sealed `statement`. */
  readonly ledger: Ledger;
  /** Who the service records its events as (the DPO, or a system actor). */
  readonly actor: t.OutputOf<typeof Actor>;
  /** Every deadline is computed from this clock (default: the system clock). */
  readonly clock?: () => Date;
  /** Per-regime overrides of {@link REQUEST_DEADLINES} (e.g. APPI's internal target). */
  readonly deadlines?: Partial<Record<Regime | "ccpa.opt-out", DeadlineRules>>;
}

/** The personal field a request's `statement` is sealed as, under the subject's key. */
export const REQUEST_STATEMENT_FIELD = "request.statement";

const Statement = t.refinement(
  t.string,
  (s) => s.length > 0 && s.length <= 4000,
  "RequestStatement (1 to 4000 UTF-16 code units)",
);

const ReceiveOptions = strictStruct(
  "ReceiveOptions",
  { right: RequestRight, requestedBy: Id, channel: Label },
  {
    reason: Note,
    statement: Statement,
    categories: boundedList(FieldName, 256, "Categories"),
    erasureCategory: CategoryName,
    receivedAt: Timestamp,
    dueBy: Timestamp,
  },
);
const VerifyOptions = strictStruct("VerifyIdentityOptions", { method: Label, verifiedBy: Id });
const ExtendOptions = strictStruct("ExtendOptions", { dueBy: Timestamp, reason: Note });
const RefuseOptions = strictStruct("RefuseOptions", { ground: RequestRefusalGround, reason: Note });
const CompleteOptions = strictStruct("CompleteOptions", {
  outcome: Label,
  evidence: boundedList(Id, 256, "EvidenceIds"),
});
const ListFilter = strictStruct(
  "RequestListFilter",
  {},
  {
    status: t.array(t.keyof({ open: null, refused: null, completed: null })),
    right: t.array(RequestRight),
    regime: t.array(t.keyof({ gdpr: null, ccpa: null, appi: null })),
    subject: Id,
  },
);

const NoticeOptions = strictStruct(
  "NoticeOptions",
  { recipient: Id, channel: Label },
  { reference: Id },
);

/** Art. 19 notices follow a completed rectification, erasure or restriction. */
function notifiable(r: DataSubjectRequest): void {
  if (r.status !== "completed" || RIGHTS[r.right].kind === "access")
    throw invalid(
      "recipients are notified after a completed rectification, erasure or restriction",
      "requestId",
    );
}

/**
 * An erasure request limited to a category is carried out by that category's erasure or
 * by the whole subject's (which erases more); one for the whole subject never by a
 * category's (which erases less, docs/spec.md §10.11).
 */
function assertErasureEvidence(r: DataSubjectRequest, e: LedgerEvent, path: string): void {
  if (e.type !== "erasure.category-completed") return;
  const category = (e as LedgerEvent<"erasure.category-completed">).payload.category;
  if (r.erasureCategory === undefined)
    throw invalid("a category erasure does not carry out an erasure of the whole subject", path, {
      category,
    });
  if (category !== r.erasureCategory)
    throw invalid("the evidence erased another category than the request names", path, {
      category,
      requested: r.erasureCategory,
    });
}

/**
 * Rights an erasure carries out: the erasure kind (GDPR Art. 17, CCPA delete) and those whose
 * evidence may be an erasure (restriction kind: APPI Art. 35 利用停止等, which includes 消去).
 */
function erasable(right: RequestRight): boolean {
  return EVIDENCE_TYPES[RIGHTS[right].kind].includes("erasure.completed");
}

/** A request with how its deadline stands at the time asked. */
export type RequestWithDeadline = DataSubjectRequest & {
  readonly overdue: boolean;
  readonly msLeft: number;
};

/** How often a transition re-reads and re-decides after another event about the subject raced it. */
const MAX_DECISIONS = 20;

/** Create the data-subject request API over a ledger. */
export function requestsService(options: RequestsServiceOptions): RequestsService {
  return new RequestsService(options);
}

function invalid(reason: string, path: string, details?: Record<string, unknown>): DaichoError {
  return new DaichoError("INVALID_ARGUMENT", reason, { path, ...(details ? { details } : {}) });
}

/**
 * Every data-subject right as one lifecycle (docs/requests.md): received (with its
 * statutory deadline), identity verified, extended with a reason, refused on a legal
 * ground, completed with evidence — each step a ledger event about the subject. Steps are
 * decided on the subject's hash-verified events and appended only if no event about the
 * subject was recorded since that read (`expectSubjectHeads`), in any process: two racing
 * steps never both close a request. Bad input rejects with a typed `DaichoError` and
 * records nothing.
 */
export class RequestsService {
  private readonly ledger: Ledger;
  private readonly clock: () => Date;

  constructor(
    private readonly options: RequestsServiceOptions,
    private readonly view: RequestsView = new RequestsView(),
  ) {
    this.ledger = options.ledger;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * The same service recording its events as `actor` (the user who acts), sharing this
   * one's folded view: the ledger is folded once for every user, not once per user.
   * Decisions still read the subject's hash-verified events, whoever acts.
   */
  as(actor: t.OutputOf<typeof Actor>): RequestsService {
    return new RequestsService({ ...this.options, actor }, this.view);
  }

  /**
   * Record `request.received` with the deadline of its regime (`dueBy`, and `confirmBy`
   * under CCPA), counted from `receivedAt` (default now; never in the future — a letter
   * opened late still runs from its receipt). A `dueBy` given may only be earlier than the
   * statutory one. `reason` is the host's Note; `statement`, the person's own words, is
   * sealed under the subject's key. Rejects `NOT_FOUND` for a subject the ledger has never
   * seen, `ALREADY_ERASED` for an erased one, `DECODE_ERROR` / `INVALID_ARGUMENT` for bad
   * options.
   */
  async receive(
    subject: string,
    opts: t.OutputOf<typeof ReceiveOptions>,
  ): Promise<DataSubjectRequest> {
    decode(Id, subject, "subject");
    const o = decode(ReceiveOptions, opts, "options");
    const now = this.clock();
    const receivedAt = o.receivedAt === undefined ? now : new Date(o.receivedAt);
    if (receivedAt.getTime() > now.getTime())
      throw invalid(
        "receivedAt is in the future: give the time the request arrived",
        "options.receivedAt",
      );
    const dates = statutoryDates(o.right, receivedAt, rulesFor(o.right, this.options.deadlines));
    if (o.dueBy !== undefined && Date.parse(o.dueBy) > dates.dueBy.getTime())
      throw invalid(
        `dueBy may only be earlier than the statutory deadline (${dates.dueBy.toISOString()}); extend the request instead`,
        "options.dueBy",
      );
    const heads = await this.ledger.store.subjectHeads([subject]);
    if (!heads.has(subject))
      throw new DaichoError("NOT_FOUND", "the ledger holds nothing about this subject", {
        path: "subject",
      });
    if (this.ledger.keys !== undefined && (await this.ledger.keys.isErased(subject)))
      throw new DaichoError("ALREADY_ERASED", "the subject is already erased", { path: "subject" });
    if (o.erasureCategory !== undefined)
      await this.assertErasureCategory(o.right, o.erasureCategory);
    if (o.statement !== undefined && this.ledger.keys === undefined)
      throw new DaichoError(
        "KEY_UNAVAILABLE",
        "a statement is sealed: open the ledger with `keys`",
        {
          path: "options.statement",
        },
      );
    const requestId = `dsr-${uuidv7(now.getTime())}`;
    const event = await this.ledger.append({
      type: "request.received",
      actor: this.options.actor,
      subjects: [subject],
      occurredAt: receivedAt.toISOString(),
      payload: {
        requestId,
        right: o.right,
        requestedBy: o.requestedBy,
        channel: o.channel,
        dueBy: o.dueBy ?? dates.dueBy.toISOString(),
        ...(dates.confirmBy ? { confirmBy: dates.confirmBy.toISOString() } : {}),
        ...(o.categories ? { categories: o.categories } : {}),
        ...(o.erasureCategory ? { erasureCategory: o.erasureCategory } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
      },
      ...(o.statement === undefined
        ? {}
        : { personal: [{ subject, field: REQUEST_STATEMENT_FIELD, value: o.statement }] }),
    });
    const map = new Map<string, DataSubjectRequest>();
    applyRequestEvent(map, event);
    return map.get(requestId) as DataSubjectRequest;
  }

  /** Record `request.identity-verified` (`method`: a Label such as `login`, `id-document`). */
  async verifyIdentity(
    requestId: string,
    opts: t.OutputOf<typeof VerifyOptions>,
  ): Promise<DataSubjectRequest> {
    const o = decode(VerifyOptions, opts, "options");
    return this.step(requestId, (r) => {
      if (r.identity !== undefined)
        throw invalid("the requester's identity is already verified", "requestId");
      return { type: "request.identity-verified", payload: { requestId, ...o } };
    });
  }

  /**
   * Record `request.extended`: a later `dueBy`, within the regime's cap (GDPR three months
   * from receipt in all, CCPA 90 days once, APPI the configured cap), and only while the
   * first deadline runs (the person must be told within it: GDPR Art. 12(3), Civ. Code
   * §1798.130(a)(2)). `reason` is what the person is told, a Note. Rejects
   * `INVALID_ARGUMENT` otherwise, `REQUEST_CLOSED` for a refused or completed request.
   */
  async extend(
    requestId: string,
    opts: t.OutputOf<typeof ExtendOptions>,
  ): Promise<DataSubjectRequest> {
    const o = decode(ExtendOptions, opts, "options");
    return this.step(requestId, (r) => {
      const rules = rulesFor(r.right, this.options.deadlines);
      const { maxDueBy } = statutoryDates(r.right, new Date(r.receivedAt), rules);
      const now = this.clock().getTime();
      if (r.extensions.length >= rules.maxExtensions)
        throw invalid(
          `${rules.clause} allows ${rules.maxExtensions} extension(s) of this request`,
          "requestId",
        );
      if (now > Date.parse(r.originalDueBy))
        throw invalid(
          "the first deadline has passed: an extension must be notified within it",
          "requestId",
          { originalDueBy: r.originalDueBy },
        );
      const due = Date.parse(o.dueBy);
      if (due <= Date.parse(r.dueBy))
        throw invalid("an extension moves the deadline later", "options.dueBy", { dueBy: r.dueBy });
      if (due > maxDueBy.getTime())
        throw invalid(
          `${rules.clause} allows extending to ${maxDueBy.toISOString()} at most`,
          "options.dueBy",
        );
      return { type: "request.extended", payload: { requestId, ...o } };
    });
  }

  /**
   * Record `request.refused` on a legal ground that fits the right (`REFUSAL_GROUNDS`):
   * `INVALID_ARGUMENT` for one that does not (an Art. 17(3) exemption on an access
   * request), `REQUEST_CLOSED` for a closed request. `reason` is the Note the person is
   * given (GDPR Art. 12(4); APPI Art. 36).
   */
  async refuse(
    requestId: string,
    opts: t.OutputOf<typeof RefuseOptions>,
  ): Promise<DataSubjectRequest> {
    const o = decode(RefuseOptions, opts, "options");
    return this.step(requestId, (r) => {
      if (!groundFits(o.ground, r.right))
        throw invalid(
          `the ground ${o.ground} does not apply to ${RIGHTS[r.right].clause}`,
          "options.ground",
        );
      return { type: "request.refused", payload: { requestId, ...o } };
    });
  }

  /**
   * Record `request.completed` naming its evidence: ids of events about the same subject,
   * recorded after the request, of a type that carries this right out (`EVIDENCE_TYPES`;
   * for access and portability a `data.exported` to the `data-subject`). Every right but the
   * CCPA opt-out needs a verified identity first (`IDENTITY_UNVERIFIED`). Rejects
   * `INVALID_ARGUMENT` for evidence that does not qualify, `REQUEST_CLOSED` when closed.
   */
  async complete(
    requestId: string,
    opts: t.OutputOf<typeof CompleteOptions>,
  ): Promise<DataSubjectRequest> {
    const o = decode(CompleteOptions, opts, "options");
    return this.step(requestId, (r, events) => {
      if (needsIdentity(r.right) && r.identity === undefined)
        throw new DaichoError(
          "IDENTITY_UNVERIFIED",
          "verify the requester's identity (verifyIdentity) before completing the request",
          { path: "requestId" },
        );
      const receivedSeq = r.events[0]?.seq ?? Number.POSITIVE_INFINITY;
      const allowed = EVIDENCE_TYPES[RIGHTS[r.right].kind];
      const evidence = o.evidence.map((id, i) => {
        const path = `options.evidence[${i}]`;
        const e = events.find((x) => x.id === id);
        if (e === undefined)
          throw invalid("no event with this id is about the request's subject", path);
        if (e.seq <= receivedSeq)
          throw invalid("the evidence was recorded before the request", path);
        if (!allowed.includes(e.type))
          throw invalid(`a ${e.type} event does not carry out ${RIGHTS[r.right].clause}`, path, {
            allowed,
          });
        assertErasureEvidence(r, e, path);
        if (e.type === "data.exported" && e.payload.destination.kind !== "data-subject")
          throw invalid(
            "an access answer is an export to the data subject (destination kind data-subject)",
            path,
          );
        return { seq: e.seq, id: e.id, hash: e.hash };
      });
      return { type: "request.completed", payload: { requestId, outcome: o.outcome, evidence } };
    });
  }

  /**
   * Answer an access-kind request (access, portability, CCPA know, APPI 開示 and
   * provision records) with a machine-readable export (`portabilityExport`: JSON or CSV,
   * recorded as `data.exported` to the data subject), then complete the request with that
   * event as evidence. The identity is checked **before** anything is decrypted
   * (`IDENTITY_UNVERIFIED`); `INVALID_ARGUMENT` for a right that is not answered by a copy,
   * `REQUEST_CLOSED` for a closed request.
   */
  async answerWithExport(
    requestId: string,
    format: PortabilityFormat,
  ): Promise<{ readonly request: DataSubjectRequest; readonly export: PortabilityExport }> {
    decode(Id, requestId, "requestId");
    if (format !== "json" && format !== "csv") throw invalid("format is json or csv", "format");
    const { request } = await this.readRequest(requestId);
    if (request.status !== "open")
      throw new DaichoError("REQUEST_CLOSED", `the request is already ${request.status}`, {
        path: "requestId",
      });
    if (RIGHTS[request.right].kind !== "access")
      throw invalid(
        `${RIGHTS[request.right].clause} is not answered with a copy of the data`,
        "requestId",
      );
    if (request.identity === undefined)
      throw new DaichoError(
        "IDENTITY_UNVERIFIED",
        "verify the requester's identity before disclosing data",
        {
          path: "requestId",
        },
      );
    const exported = await portabilityExport(this.ledger, request.subject, format, {
      actor: this.options.actor,
      clock: this.clock,
    });
    const done = await this.complete(requestId, {
      outcome: "answered",
      evidence: [exported.event.id],
    });
    return { request: done, export: exported };
  }

  /**
   * GDPR Art. 19: the recipients of the subject's data to tell of the rectification,
   * erasure or restriction this completed request carried out ({@link recipientsToNotify}),
   * each with whether the notice is recorded. Read from the subject's hash-verified
   * events. `INVALID_ARGUMENT` for an access request or one not completed.
   */
  async recipients(requestId: string): Promise<RecipientToNotify[]> {
    decode(Id, requestId, "requestId");
    const { request, events } = await this.readRequest(requestId);
    notifiable(request);
    return recipientsToNotify(request, events);
  }

  /**
   * GDPR Art. 19: record that `recipient` — one of {@link recipients}, not yet told — was
   * told of what this completed request carried out (`request.recipient-notified`).
   * `INVALID_ARGUMENT` for a recipient that never received the data, or one already told.
   */
  async recordNotice(
    requestId: string,
    opts: t.OutputOf<typeof NoticeOptions>,
  ): Promise<DataSubjectRequest> {
    const o = decode(NoticeOptions, opts, "options");
    return this.step(
      requestId,
      (r, events) => {
        notifiable(r);
        const listed = recipientsToNotify(r, events).find((x) => x.recipient === o.recipient);
        if (listed === undefined)
          throw invalid(
            "this recipient did not receive the subject's data (no data.shared or data.exported)",
            "options.recipient",
          );
        if (listed.notifiedAt !== undefined)
          throw invalid("this recipient's notice is already recorded", "options.recipient", {
            at: listed.notifiedAt,
          });
        return { type: "request.recipient-notified", payload: { requestId, ...o } };
      },
      true,
    );
  }

  /** One request, or `NOT_FOUND`. */
  async get(requestId: string): Promise<DataSubjectRequest> {
    decode(Id, requestId, "requestId");
    await this.view.catchUp(this.ledger);
    const r = this.view.requests.get(requestId);
    if (r === undefined)
      throw new DaichoError("NOT_FOUND", "no such request", { path: "requestId" });
    return r;
  }

  /** Requests matching `filter`, earliest deadline first, with overdue flags at `now`. */
  async list(
    filter: t.OutputOf<typeof ListFilter> = {},
    now: Date = this.clock(),
  ): Promise<RequestWithDeadline[]> {
    const f = decode(ListFilter, filter, "filter");
    await this.view.catchUp(this.ledger);
    return [...this.view.requests.values()]
      .filter(
        (r) =>
          (f.status === undefined || f.status.includes(r.status)) &&
          (f.right === undefined || f.right.includes(r.right)) &&
          (f.regime === undefined || f.regime.includes(r.regime)) &&
          (f.subject === undefined || f.subject === r.subject),
      )
      .map((r) => {
        const msLeft = Date.parse(r.dueBy) - now.getTime();
        return { ...r, msLeft, overdue: r.status === "open" && msLeft < 0 };
      })
      .sort((a, b) => a.msLeft - b.msLeft);
  }

  /**
   * Carry out an erasure-kind request with the erasure service and complete it with the
   * erasure's completion event as evidence: the whole subject, or — when the request names
   * an `erasureCategory` — only that category (docs/spec.md §10.11), whose certificate is
   * then a category erasure certificate. The requester's identity is checked first
   * (`IDENTITY_UNVERIFIED`, nothing erased); `INVALID_ARGUMENT` for a right that is not an
   * erasure, `REQUEST_CLOSED` for a closed request; a legal hold or exemption rejects as
   * the erasure service does (`LEGAL_HOLD`, `ERASURE_EXEMPT`) and leaves the request open.
   * Safe to retry: a second call carries on with the erasure request the first one filed
   * for the same subject and category (or completes with its certificate if it already
   * erased), so a retry never files a second erasure request.
   */
  async completeErasure(
    requestId: string,
    erasure: ErasureService,
  ): Promise<{
    readonly request: DataSubjectRequest;
    readonly certificate: ErasureCertificate | CategoryErasureCertificate;
  }> {
    decode(Id, requestId, "requestId");
    const { request: r } = await this.readRequest(requestId);
    if (!erasable(r.right))
      throw invalid(`${RIGHTS[r.right].clause} is not carried out by an erasure`, "requestId");
    if (r.status !== "open")
      throw new DaichoError("REQUEST_CLOSED", `the request is already ${r.status}`, {
        path: "requestId",
        details: { status: r.status },
      });
    if (needsIdentity(r.right) && r.identity === undefined)
      throw new DaichoError(
        "IDENTITY_UNVERIFIED",
        "verify the requester's identity (verifyIdentity) before completing the request",
        { path: "requestId" },
      );
    // A retry after a refusal (a hold since lifted) or after an interruption between the
    // erasure and this request's completion carries on with the erasure request already
    // filed for the same subject and category, instead of filing a second one (or failing
    // with ALREADY_ERASED once the first has erased the subject).
    const earlier = (await erasure.requestsAbout(r.subject)).filter(
      (e) => e.category === r.erasureCategory,
    );
    const filed =
      earlier.find((e) => e.status === "completed") ??
      earlier.find((e) => e.status !== "completed") ??
      (await erasure.request(r.subject, {
        requestedBy: r.requestedBy,
        channel: r.channel,
        ...(r.erasureCategory === undefined ? {} : { category: r.erasureCategory }),
      }));
    const { certificate } = await erasure.execute(filed.requestId);
    const request = await this.complete(requestId, {
      outcome: r.erasureCategory === undefined ? "erased" : "category-erased",
      evidence: [certificate.certificate.completion.id],
    });
    return { request, certificate };
  }

  /** An erasure category on a request: only on an erasure, and one the ledger declares. */
  private async assertErasureCategory(right: RequestRight, category: string): Promise<void> {
    if (!erasable(right))
      throw invalid(
        "an erasure category limits a request carried out by an erasure only",
        "options.erasureCategory",
      );
    const declared = await this.ledger.keys?.declaredCategory(category);
    if (declared === undefined)
      throw invalid(
        "the ledger declares no such erasure category: declare it first, or erase the whole subject",
        "options.erasureCategory",
        { category },
      );
  }

  /** The request folded from its subject's hash-verified events, with those events. */
  private async readRequest(
    requestId: string,
  ): Promise<{ request: DataSubjectRequest; events: LedgerEvent[] }> {
    await this.view.catchUp(this.ledger);
    const listed = this.view.requests.get(requestId);
    if (listed === undefined)
      throw new DaichoError("NOT_FOUND", "no such request", { path: "requestId" });
    const events = await subjectEventsVerified(this.ledger.store, listed.subject);
    const map = new Map<string, DataSubjectRequest>();
    for (const e of events) applyRequestEvent(map, e);
    const request = map.get(requestId);
    if (request === undefined)
      throw new DaichoError("NOT_FOUND", "no such request", { path: "requestId" });
    return { request, events };
  }

  /**
   * One step of a request: read the subject's hash-verified events, fold the request from
   * them, let `decide` check it and name the event, and append that event on condition the
   * subject's latest event is still the one read. On a race, read and decide again.
   */
  private async step(
    requestId: string,
    decide: (
      r: DataSubjectRequest,
      events: readonly LedgerEvent[],
    ) => Pick<EventInput, "type" | "payload">,
    closedOk = false,
  ): Promise<DataSubjectRequest> {
    decode(Id, requestId, "requestId");
    for (let attempt = 0; ; attempt++) {
      const { request: r, events } = await this.readRequest(requestId);
      const subject = r.subject;
      if (r.status !== "open" && !closedOk)
        throw new DaichoError("REQUEST_CLOSED", `the request is already ${r.status}`, {
          path: "requestId",
          details: { status: r.status },
        });
      const next = decide(r, events);
      const last = events[events.length - 1] as LedgerEvent;
      const head: SubjectHead = { seq: last.seq, hash: last.hash };
      try {
        const event = await this.ledger.append(
          {
            ...next,
            actor: this.options.actor,
            subjects: [subject],
            occurredAt: this.clock().toISOString(),
          } as EventInput,
          { expectSubjectHeads: new Map([[subject, head]]) },
        );
        const map = new Map([[requestId, r]]);
        applyRequestEvent(map, event);
        return map.get(requestId) as DataSubjectRequest;
      } catch (e) {
        if (isDaichoError(e, "CONCURRENCY_CONFLICT") && attempt < MAX_DECISIONS) continue;
        throw e;
      }
    }
  }
}
