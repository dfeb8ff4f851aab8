/**
 * Requests of every right (GDPR Arts. 15–18, 20, 21; CCPA/CPRA; APPI Arts. 33–35) in the
 * queue, worked through `@daicho/core/requests`: verify the requester's identity, extend
 * (with the reason the person is told), refuse on a legal ground from the service's closed
 * list, complete with evidence, answer an access or portability request with the export,
 * and record each GDPR Art. 19 notice. The list comes from the watch's fold of verified
 * events (no ledger scan per page); every action is the service's, which decides on the
 * subject's hash-verified events and appends on condition nothing about the subject was
 * recorded since. Each body carries the `version` of the request the page showed (its
 * event count): when someone acted first the action is refused `STALE_VIEW` and nothing is
 * recorded, so nobody extends or closes a request on a view that is out of date.
 */
import {
  DaichoError,
  Id,
  Nat,
  Note,
  RequestRefusalGround,
  strictStruct,
  Timestamp,
} from "@daicho/core";
import {
  type DataSubjectRequest,
  groundFits,
  needsIdentity,
  REFUSAL_GROUNDS,
  RIGHTS,
  type RightKind,
} from "@daicho/core/requests";
import * as t from "io-ts";
import type { LedgerContext } from "./context";
import type { ConsoleActor } from "./options";
import {
  deadlineMarks,
  onCurrentVersion,
  type QueueItem,
  type QueueSource,
  queueActionSpec,
} from "./queue-source";
import { recordSubjectRead } from "./record";

/** How long a completed rectification, erasure or restriction stays listed for its Art. 19 notices. */
export const NOTICE_WINDOW_MS = 30 * 86_400_000;

/** How the requester's identity was checked: a closed list, so typed text never becomes a label. */
export const IdentityMethod = t.keyof(
  {
    "account-login": null,
    "id-document": null,
    "knowledge-check": null,
    "email-confirmation": null,
    "in-person": null,
  },
  "IdentityMethod",
);

/** How a recipient was told (GDPR Art. 19). */
export const NoticeChannel = t.keyof(
  { email: null, post: null, api: null, portal: null },
  "NoticeChannel",
);

const version = { version: Nat };
const VerifyBody = strictStruct("VerifyIdentityBody", { method: IdentityMethod, ...version });
const ExtendBody = strictStruct("ExtendBody", { dueBy: Timestamp, reason: Note, ...version });
const RefuseBody = strictStruct("RequestRefuseBody", {
  ground: RequestRefusalGround,
  reason: Note,
  ...version,
});
const Evidence = t.refinement(
  t.array(Id),
  (xs) => xs.length >= 1 && xs.length <= 256,
  "EvidenceIds (1 to 256 event ids)",
);
const CompleteBody = strictStruct("CompleteBody", { evidence: Evidence, ...version });
const AnswerBody = strictStruct("AnswerBody", {
  format: t.keyof({ json: null, csv: null }),
  ...version,
});
const NotifyBody = strictStruct(
  "NotifyBody",
  { recipient: Id, channel: NoticeChannel, ...version },
  { reference: Id },
);

/** The outcome a completion records, by the kind of right (no free text). */
const OUTCOME: Readonly<Record<RightKind, string>> = {
  access: "answered",
  rectification: "rectified",
  erasure: "erased",
  restriction: "restricted",
};

/** The request as the watch folded it, or NOT_FOUND. */
function known(ctx: LedgerContext, id: string): DataSubjectRequest {
  const r = ctx.watch.requests.get(id);
  if (r === undefined) throw new DaichoError("NOT_FOUND", "no such request", { path: "id" });
  return r;
}

/** Run `act` on request `id` on the version the page showed (see `onCurrentVersion`). */
function onCurrent<A>(
  ctx: LedgerContext,
  id: string,
  seen: number,
  act: (r: DataSubjectRequest) => Promise<A>,
): Promise<A> {
  return onCurrentVersion(ctx, `request\u0000${id}`, seen, () => known(ctx, id), act);
}

/** The actions open to a request in its state (the page shows those the user's roles allow). */
function actionsFor(r: DataSubjectRequest): string[] {
  const kind = RIGHTS[r.right].kind;
  if (r.status !== "open") return r.status === "completed" && kind !== "access" ? ["notify"] : [];
  const out: string[] = [];
  if (r.identity === undefined && needsIdentity(r.right)) out.push("verify");
  out.push("extend", "refuse");
  if (r.identity !== undefined || !needsIdentity(r.right))
    out.push(kind === "access" ? "answer" : "complete");
  return out;
}

function item(r: DataSubjectRequest, now: Date): QueueItem & Record<string, unknown> {
  return {
    kind: "request",
    id: r.requestId,
    subject: r.subject,
    status: r.status,
    receivedAt: r.receivedAt,
    dueBy: r.dueBy,
    ...deadlineMarks(r.receivedAt, r.dueBy, now),
    channel: r.channel,
    right: r.right,
    regime: r.regime,
    clause: RIGHTS[r.right].clause,
    rightKind: RIGHTS[r.right].kind,
    version: r.events.length,
    identity: r.identity === undefined ? null : { method: r.identity.method, at: r.identity.at },
    grounds: Object.keys(REFUSAL_GROUNDS).filter((g) =>
      groundFits(g as keyof typeof REFUSAL_GROUNDS, r.right),
    ),
    ...(r.confirmBy === undefined ? {} : { confirmBy: r.confirmBy }),
    notices: r.notices.map((n) => ({ recipient: n.recipient, channel: n.channel, at: n.at })),
    history: [
      ...(r.identity ? [{ at: r.identity.at, what: "identity-verified" }] : []),
      ...r.extensions.map((x) => ({ at: x.at, what: "extended" })),
      ...(r.refusal ? [{ at: r.refusal.at, what: "refused", ground: r.refusal.ground }] : []),
      ...(r.completion ? [{ at: r.completion.at, what: "completed" }] : []),
    ],
    actions: actionsFor(r),
  };
}

/** Every right's requests: open ones, and completed ones awaiting Art. 19 notices (30 days). */
export const requestQueue: QueueSource = {
  kind: "request",
  async list(ctx, _actor, now) {
    await ctx.watch.catchUp();
    const out: QueueItem[] = [];
    for (const r of ctx.watch.requests.values()) {
      const recent =
        r.completion !== undefined &&
        now.getTime() - Date.parse(r.completion.at) < NOTICE_WINDOW_MS;
      if (r.status === "open" || (recent && RIGHTS[r.right].kind !== "access"))
        out.push(item(r, now));
    }
    return out;
  },
  async subjectOf(ctx, _actor, id) {
    await ctx.watch.catchUp();
    return ctx.watch.requests.get(id)?.subject;
  },
  actions: {
    verify: queueActionSpec({
      rule: "request.verify-identity",
      body: VerifyBody,
      run: (ctx, actor, id, b: t.TypeOf<typeof VerifyBody>) =>
        onCurrent(ctx, id, b.version, async () => ({
          request: await ctx
            .requests(actor)
            .verifyIdentity(id, { method: b.method, verifiedBy: actor.id }),
        })),
    }),
    extend: queueActionSpec({
      rule: "request.extend",
      body: ExtendBody,
      run: (ctx, actor, id, b: t.TypeOf<typeof ExtendBody>) =>
        onCurrent(ctx, id, b.version, async () => ({
          request: await ctx.requests(actor).extend(id, { dueBy: b.dueBy, reason: b.reason }),
        })),
    }),
    refuse: queueActionSpec({
      rule: "request.refuse",
      body: RefuseBody,
      run: (ctx, actor, id, b: t.TypeOf<typeof RefuseBody>) =>
        onCurrent(ctx, id, b.version, async () => ({
          request: await ctx.requests(actor).refuse(id, { ground: b.ground, reason: b.reason }),
        })),
    }),
    complete: queueActionSpec({
      rule: "request.complete",
      body: CompleteBody,
      run: (ctx, actor, id, b: t.TypeOf<typeof CompleteBody>) =>
        onCurrent(ctx, id, b.version, async (r) => ({
          request: await ctx
            .requests(actor)
            .complete(id, { outcome: OUTCOME[RIGHTS[r.right].kind], evidence: b.evidence }),
        })),
    }),
    answer: queueActionSpec({
      rule: "request.answer",
      body: AnswerBody,
      run: (ctx, actor, id, b: t.TypeOf<typeof AnswerBody>) =>
        onCurrent(ctx, id, b.version, async () => {
          const done = await ctx.requests(actor).answerWithExport(id, b.format);
          const e = done.export;
          return {
            request: done.request,
            export: {
              name: `${id}.${e.format}`,
              contentType: e.contentType,
              body: e.body,
              recordedAs: { seq: e.event.seq, id: e.event.id },
            },
          };
        }),
    }),
    notify: queueActionSpec({
      rule: "request.notify",
      body: NotifyBody,
      run: (ctx, actor, id, b: t.TypeOf<typeof NotifyBody>) =>
        onCurrent(ctx, id, b.version, async () => ({
          request: await ctx.requests(actor).recordNotice(id, {
            recipient: b.recipient,
            channel: b.channel,
            ...(b.reference === undefined ? {} : { reference: b.reference }),
          }),
        })),
    }),
  },
};

/**
 * GDPR Art. 19: who received the subject's data and must hear of what a completed
 * rectification, erasure or restriction did, each with whether the notice is recorded
 * (the service reads the subject's hash-verified events). Who received a person's data is
 * about that person, so the read is recorded first (`data.accessed`, purpose
 * `dsr-art19-recipients`).
 */
export async function requestRecipients(ctx: LedgerContext, actor: ConsoleActor, id: string) {
  const r = known(ctx, id);
  const recipients = await ctx.requests(actor).recipients(id); // INVALID_ARGUMENT unless notifiable
  const recorded = await recordSubjectRead(
    ctx.ledger,
    actor,
    r.subject,
    "dsr-art19-recipients",
    [],
  );
  return { recipients, recordedAs: { seq: recorded.seq, id: recorded.id } };
}
