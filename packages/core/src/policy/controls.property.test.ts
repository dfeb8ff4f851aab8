import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { Views } from "../views/view-set";
import { at, ev, policy, viewsWith } from "./controls.fixture";
import { decide } from "./decide";
import { DENY_REASONS } from "./reasons";
import { decodeDecisionRequest } from "./request";

const ids = ["alice", "bob", "pc-1", "ph-9", "sess-1", "c-1", "c-secret", "p-1", "x"];
const id = fc.constantFrom(...ids);
const level = fc.constantFrom("public", "internal", "confidential", "strictly-confidential");
const kind = fc.constantFrom(
  "download",
  "usb",
  "print",
  "email",
  "cloud-storage",
  "api",
  "partner",
);
const hour = fc.integer({ min: 0, max: 6 });

/** Random control and registry events over a small pool of ids, so they collide. */
const controlEvent: fc.Arbitrary<EventInput> = fc.oneof(
  fc
    .record({ d: id, o: id, own: fc.constantFrom("company", "personal"), m: fc.boolean(), h: hour })
    .map(({ d, o, own, m, h }) =>
      ev("device.registered", { deviceId: d, ownership: own, owner: o, managed: m }, h),
    ),
  fc
    .record({ d: id, t: fc.constantFrom("device.lost", "device.wiped", "device.retired"), h: hour })
    .map(({ d, t, h }) =>
      ev(
        t,
        t === "device.lost"
          ? { deviceId: d, reportedBy: "it" }
          : t === "device.wiped"
            ? { deviceId: d, wipedBy: "it" }
            : { deviceId: d, retiredBy: "it" },
        h,
      ),
    ),
  fc
    .record({ l: level, m: fc.boolean(), h: hour })
    .map(({ l, m, h }) =>
      ev(
        "device.policy-set",
        { rules: [{ atLeast: l, ownership: ["company"], managedOnly: m }] },
        h,
      ),
    ),
  fc
    .record({ k: fc.uniqueArray(kind, { minLength: 1 }), l: level, h: hour })
    .map(({ k, l, h }) => ev("destination.policy-set", { rules: [{ kinds: k, upTo: l }] }, h)),
  fc
    .record({ max: fc.integer({ min: 1, max: 20 }), h: hour })
    .map(({ max, h }) =>
      ev("volume.limits-set", { limits: [{ metric: "records-read", window: "hour", max }] }, h),
    ),
  fc
    .record({ a: id, s: id, aal: fc.constantFrom("aal1", "aal2", "aal3"), h: hour })
    .map(({ a, s, aal, h }) =>
      ev("auth.login-succeeded", { actorId: a, sessionId: s, assurance: aal }, h),
    ),
  fc
    .record({ a: id, s: id, h: hour })
    .map(({ a, s, h }) =>
      ev("auth.session-ended", { actorId: a, sessionId: s, reason: "logout" }, h),
    ),
  fc
    .record({ l: level, h: hour })
    .map(({ l, h }) => ev("auth.policy-set", { rules: [{ minimum: "aal2", atLeast: l }] }, h)),
);

/** Requests as they might arrive: mostly well-formed, some hostile. */
const requestInput = fc.record(
  {
    actor: id,
    action: fc.constantFrom("read", "export", "share", "delete", "fly"),
    resource: fc.record({ type: fc.constantFrom("contact", "deal"), id }),
    purpose: fc.constantFrom("support", "unknown"),
    fields: fc.array(fc.constantFrom("name", "phone"), { maxLength: 2 }),
    recordCount: fc.oneof(fc.integer({ min: -2, max: 30 }), fc.constant(1.5)),
    destination: fc.oneof(fc.record({ kind, id }), fc.record({ kind: fc.constant("pigeon"), id })),
    context: fc.record(
      {
        device: id,
        session: id,
        assurance: fc.constantFrom("aal1", "aal2", "aal3", "aal9"),
        at: hour.map(at),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ["actor", "action", "resource", "purpose"] },
);

describe("preventive controls: invariants", () => {
  it("decide never throws, returns known reasons in the fixed order, and denies what the boundary refuses", () => {
    const order = new Map(DENY_REASONS.map((r, i) => [r as string, i]));
    fc.assert(
      fc.property(fc.array(controlEvent, { maxLength: 12 }), requestInput, (events, input) => {
        const views = viewsWith(events);
        const d = decide(views, policy, input as never);
        if (d.allowed) expect(d.reasons).toEqual(["allowed"]);
        else {
          const idx = d.reasons.map((r) => order.get(r) as number);
          expect(idx.every((i) => i !== undefined)).toBe(true);
          expect([...idx].sort((a, b) => a - b)).toEqual(idx);
        }
        if (E.isLeft(decodeDecisionRequest(input))) {
          // anything the boundary refuses for a control member is refused by decide too
          const bad =
            (input.recordCount !== undefined &&
              !(Number.isInteger(input.recordCount) && input.recordCount >= 1)) ||
            input.destination?.kind === "pigeon" ||
            input.context?.assurance === "aal9";
          if (bad) expect(d.reasons).toEqual(["request-invalid"]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a lost, wiped or retired device never allows while a device policy is in force", () => {
    fc.assert(
      fc.property(fc.array(controlEvent, { maxLength: 12 }), id, hour, (events, device, h) => {
        const views = viewsWith([...events, ev("device.policy-set", { rules: [] }, 0)]);
        const state = views.devices.entryAt(device, Date.parse(at(h)));
        const d = decide(views, policy, {
          actor: "alice",
          action: "read",
          resource: { type: "contact", id: "c-1" },
          purpose: "support",
          context: { device, at: at(h) },
        });
        if (state === undefined || state.kind !== "registered" || state.owner !== "alice")
          expect(d.allowed).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("every new view survives a snapshot round trip unchanged", () => {
    fc.assert(
      fc.property(fc.array(controlEvent, { maxLength: 15 }), (events) => {
        const views = viewsWith(events);
        const state = JSON.parse(JSON.stringify(views.state()));
        const back = Views.fromState(state, views.at);
        expect(E.isRight(back)).toBe(true);
        if (E.isRight(back)) expect(back.right.state()).toEqual(views.state());
      }),
      { numRuns: 100 },
    );
  });

  it("a snapshot whose device policy was edited to an unknown ownership is refused", () => {
    const views = viewsWith([
      ev("device.policy-set", { rules: [{ atLeast: "public", ownership: ["company"] }] }),
    ]);
    const state = JSON.parse(JSON.stringify(views.state()));
    state.devices.policy[0].policy.rules[0].ownership = ["anyone"];
    const back = Views.fromState(state, views.at);
    expect(E.isLeft(back) && back.left.path).toMatch(/^\$\.views\.devices/);
  });
});
