import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { ev, policy, request, viewsWith } from "./controls.fixture";
import { type DecisionRequest, decide } from "./decide";
import { decodeDecisionRequest } from "./request";

const login = (session: string, assurance: string, actor = "alice", h = 1): EventInput =>
  ev("auth.login-succeeded", { actorId: actor, sessionId: session, assurance }, h);
/** Step-up: confidential data and any export need MFA. */
const stepUp = ev("auth.policy-set", {
  rules: [
    { minimum: "aal2", atLeast: "confidential" },
    { minimum: "aal2", actions: ["export", "share"] },
  ],
});
const conf = { type: "contact", id: "c-conf" };
const reasonsFor = (extra: EventInput[], over: Partial<DecisionRequest>) =>
  decide(viewsWith(extra), policy, request(over)).reasons;

describe("authentication strength (issue 14 item 4)", () => {
  it("a password-only session is refused confidential data until MFA passes (step-up)", () => {
    const s = { session: "sess-1" };
    expect(reasonsFor([stepUp, login("sess-1", "aal1")], { resource: conf, context: s })).toEqual([
      "mfa-required",
    ]);
    const mfa = ev("auth.mfa-passed", { actorId: "alice", sessionId: "sess-1", assurance: "aal2" });
    expect(
      reasonsFor([stepUp, login("sess-1", "aal1"), mfa], { resource: conf, context: s }),
    ).toEqual(["allowed"]);
    // internal data needs no step-up
    expect(reasonsFor([stepUp, login("sess-1", "aal1")], { context: s })).toEqual(["allowed"]);
  });

  it("a host's claim cannot raise a recorded session's assurance, only lower it", () => {
    expect(
      reasonsFor([stepUp, login("sess-1", "aal1")], {
        resource: conf,
        context: { session: "sess-1", assurance: "aal3" },
      }),
    ).toEqual(["mfa-required"]);
    expect(
      reasonsFor([stepUp, login("sess-1", "aal2")], {
        resource: conf,
        context: { session: "sess-1", assurance: "aal1" },
      }),
    ).toEqual(["mfa-required"]);
  });

  it("exports need MFA whatever the item's level", () => {
    expect(
      reasonsFor([stepUp, login("sess-1", "aal1")], {
        action: "export",
        context: { session: "sess-1" },
      }),
    ).toEqual(["mfa-required"]);
  });

  it("a request naming no recorded session is refused when step-up applies", () => {
    expect(reasonsFor([stepUp], { resource: conf })).toEqual(["session-unknown"]);
    expect(
      reasonsFor([stepUp], { resource: conf, context: { session: "forged", assurance: "aal3" } }),
    ).toEqual(["session-unknown"]);
  });

  it("with sessions: claimed the context's assurance is taken as given", () => {
    const claimed = ev("auth.policy-set", {
      rules: [{ minimum: "aal2", atLeast: "confidential" }],
      sessions: "claimed",
    });
    expect(reasonsFor([claimed], { resource: conf, context: { assurance: "aal2" } })).toEqual([
      "allowed",
    ]);
    expect(reasonsFor([claimed], { resource: conf })).toEqual(["mfa-required"]);
  });

  it("an ended session is refused even with no authentication policy (a replayed token)", () => {
    const ended = ev(
      "auth.session-ended",
      { actorId: "alice", sessionId: "sess-1", reason: "logout" },
      1,
    );
    expect(
      reasonsFor([login("sess-1", "aal2", "alice", 0), ended], { context: { session: "sess-1" } }),
    ).toEqual(["session-ended"]);
  });

  it("another actor's session is refused, and a step-up recorded under it raises nothing", () => {
    const bobStepsUpAlice = ev("auth.mfa-passed", {
      actorId: "bob",
      sessionId: "sess-1",
      assurance: "aal3",
    });
    expect(
      reasonsFor([stepUp, login("sess-1", "aal1")], {
        actor: "bob",
        context: { session: "sess-1" },
      }),
    ).toEqual(["session-unknown"]);
    expect(
      reasonsFor([stepUp, login("sess-1", "aal1"), bobStepsUpAlice], {
        resource: conf,
        context: { session: "sess-1" },
      }),
    ).toEqual(["mfa-required"]);
  });

  it("an unknown assurance value is refused: request-invalid in decide, DECODE_ERROR at the boundary", () => {
    const hostile = request({ context: { assurance: "super-strong" as never } });
    expect(decide(viewsWith([stepUp]), policy, hostile).reasons).toEqual(["request-invalid"]);
    const decoded = decodeDecisionRequest({ ...hostile, context: { assurance: "super-strong" } });
    expect(E.isLeft(decoded) && decoded.left.path).toBe("$request.context.assurance");
  });
});
