import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import { AuthPolicySet } from "../events/catalogue";
import { orThrow } from "../plain";
import { decodeSection, EntryProps } from "./codec";
import { ms, payloadOf, type ViewEvent } from "./event";
import { PolicyTimeline } from "./policy-timeline";
import { type Entry, insertEntry } from "./timeline";

/** One step of a session: opened by a login, raised by MFA, ended. */
interface SessionEntry extends Entry {
  readonly kind: "opened" | "raised" | "ended";
  /** Assurance rank (1–3) for `opened` and `raised`. */
  readonly rank?: number;
}

/** A session as known at one instant. */
export interface SessionState {
  readonly actorId: string;
  /** Highest assurance reached by then: 1 = aal1 … 3 = aal3. */
  readonly rank: number;
  readonly ended: boolean;
}

/** A session's entries, and its state after the newest entry (computed on demand, reset on add). */
interface SessionRecord {
  readonly actorId: string;
  readonly entries: SessionEntry[];
  /** State at or after the newest entry's time; `null` = not opened; undefined = not computed. */
  final?: SessionState | null;
}

const rankOf = (a: string) => (a === "aal3" ? 3 : a === "aal2" ? 2 : 1);
const SessionCodec = t.type({
  actorId: t.string,
  entries: t.array(
    t.intersection([
      t.type({ ...EntryProps, kind: t.keyof({ opened: null, raised: null, ended: null }) }),
      t.partial({ rank: t.number }),
    ]),
  ),
});
const policyCodec = new PolicyTimeline(AuthPolicySet).codec;
const SessionsSnapshot = t.type({
  policy: policyCodec,
  sessions: t.array(t.tuple([t.string, SessionCodec])),
});

/**
 * The sessions view (issue 14 item 4): each login session's actor and assurance over time
 * (`auth.login-succeeded`, `auth.mfa-passed`, `auth.session-ended`), and the
 * authentication policy in force (`auth.policy-set`). Failed logins are the monitor's.
 */
export class SessionsView {
  /** The authentication policy (`auth.policy-set` payload) in force over time. */
  readonly policy = new PolicyTimeline(AuthPolicySet);
  private readonly sessions = new Map<string, SessionRecord>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    const base = { at: ms(event.occurredAt), seq: event.seq, rec: ms(event.recordedAt) };
    switch (event.type) {
      case "auth.policy-set":
        this.policy.set(base, payloadOf(event, "auth.policy-set"));
        return;
      case "auth.login-succeeded": {
        const p = payloadOf(event, "auth.login-succeeded");
        this.add(p.sessionId, p.actorId, { ...base, kind: "opened", rank: rankOf(p.assurance) });
        return;
      }
      case "auth.mfa-passed": {
        const p = payloadOf(event, "auth.mfa-passed");
        this.add(p.sessionId, p.actorId, { ...base, kind: "raised", rank: rankOf(p.assurance) });
        return;
      }
      case "auth.session-ended": {
        const p = payloadOf(event, "auth.session-ended");
        this.add(p.sessionId, p.actorId, { ...base, kind: "ended" });
        return;
      }
    }
  }

  private add(sessionId: string, actorId: string, entry: SessionEntry): void {
    let s = this.sessions.get(sessionId);
    if (s === undefined) {
      s = { actorId, entries: [] };
      this.sessions.set(sessionId, s);
    } else if (s.actorId !== actorId && entry.kind !== "ended") {
      return; // a login or step-up under another actor's session id raises nothing
    }
    insertEntry(s.entries, entry);
    s.final = undefined;
  }

  /**
   * The session at `at` (epoch ms): its actor, the highest assurance reached by then, and
   * whether it had ended. Undefined when no login opened it by then. A step-up or end
   * recorded for a different actor than the login's never counts.
   */
  stateAt(sessionId: string, at: number): SessionState | undefined {
    const s = this.sessions.get(sessionId);
    if (s === undefined) return undefined;
    const last = s.entries[s.entries.length - 1];
    // Entries only grow: the state at or after the newest entry is folded once, until the next add.
    if (last !== undefined && at >= last.at) {
      if (s.final === undefined) s.final = fold(s, Number.POSITIVE_INFINITY) ?? null;
      return s.final ?? undefined;
    }
    return fold(s, at);
  }

  /** JSON-safe state; ids, ranks and times only. */
  toSnapshot(): t.TypeOf<typeof SessionsSnapshot> {
    return {
      policy: this.policy.toSnapshot(),
      sessions: [...this.sessions].map(([id, s]) => [
        id,
        { actorId: s.actorId, entries: s.entries.map((e) => ({ ...e })) },
      ]),
    };
  }

  /** Plain form of {@link SessionsView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */

  static fromSnapshotOrThrow(data: unknown): SessionsView {
    return orThrow(SessionsView.fromSnapshot(data));
  }

  /** Rebuild the view from {@link SessionsView.toSnapshot} output, decoding it first. */
  static fromSnapshot(data: unknown): E.Either<DaichoError, SessionsView> {
    return pipe(
      decodeSection(SessionsSnapshot, data, "sessions"),
      E.map((s) => {
        const view = new SessionsView();
        view.policy.restore(s.policy);
        for (const [id, sess] of s.sessions)
          view.sessions.set(id, { actorId: sess.actorId, entries: sess.entries as SessionEntry[] });
        return view;
      }),
    );
  }
}

/** The state of `s` at `at`: entries in effect by then, in (at, seq) order. */
function fold(s: SessionRecord, at: number): SessionState | undefined {
  let opened = false;
  let rank = 0;
  let ended = false;
  for (const e of s.entries) {
    if (e.at > at) break;
    if (e.kind === "opened") {
      opened = true;
      rank = Math.max(rank, e.rank ?? 1);
    } else if (e.kind === "raised" && opened) rank = Math.max(rank, e.rank ?? 1);
    else if (e.kind === "ended") ended = true;
  }
  return opened ? { actorId: s.actorId, rank, ended } : undefined;
}
