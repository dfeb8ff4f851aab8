import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeWithOrThrow } from "./decode";
import { DaichoError } from "./errors";
import { Action, LawfulBasis } from "./events/catalogue";
import { decodeEventInput } from "./events/input";
import { FieldName, Hash256, Id, Label } from "./events/primitives";
import { decodePolicyConfig } from "./policy/config";

/**
 * Issue 12 item 6: a `DECODE_ERROR` says how to fix the input, from the codec itself (its
 * pattern, its allowed values, its members), and never repeats the offending value.
 */

const evidence = { channel: "web", wordingVersion: "v1", capturedBy: "op-1" };
const consent = (payload: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: "consent.granted",
  actor: { id: "user-1" },
  subjects: ["s-1"],
  payload: { purpose: "marketing", lawfulBasis: "consent", evidence, ...payload },
  ...extra,
});

function failure(input: unknown): DaichoError {
  const r = decodeEventInput(input, "$");
  if (r._tag === "Right") throw new Error("expected a DECODE_ERROR");
  expect(r.left.code).toBe("DECODE_ERROR");
  return r.left;
}

describe("DECODE_ERROR says what was expected", () => {
  it("names an Id's pattern, the very one its check uses", () => {
    const e = failure(consent({}, { subjects: ["-starts-with-dash"] }));
    expect(e.path).toBe("$.subjects[0]");
    expect(e.reason).toBe(`expected Id (${String(Id.pattern)})`);
    expect(e.reason).toContain("/^[A-Za-z0-9]");
  });

  it("names a Label's pattern for a purpose that breaks it", () => {
    const e = failure(consent({ purpose: "Direct Marketing" }));
    expect(e.path).toBe("$.payload.purpose");
    expect(e.reason).toBe(`expected Label (${String(Label.pattern)})`);
  });

  it("lists every lawful basis, taken from the codec's keys", () => {
    const e = failure(consent({ lawfulBasis: "because" }));
    expect(e.path).toBe("$.payload.lawfulBasis");
    expect(e.reason).toBe(`expected LawfulBasis: ${Object.keys(LawfulBasis.keys).join(" | ")}`);
    expect(e.reason).toMatch(/^expected LawfulBasis: consent \| contract \| /);
  });

  it("names the members of a struct when a key is misspelt or a member is missing", () => {
    const misspelt = failure(consent({}, { actor: { id: "user-1", rol: "agent" } }));
    expect(misspelt.path).toBe("$.actor.rol");
    expect(misspelt.reason).toBe("unknown property: expected Actor { id, role?, context? }");
    const dataAsKey = failure(consent({ "hanako@example.jp": true }));
    expect(dataAsKey.path).toBe("$.payload");
    expect(dataAsKey.reason).toBe(
      "unknown property (not shown: it is not a member name): expected ConsentGranted { purpose, lawfulBasis, evidence, expiresAt? }",
    );
    const missing = failure(consent({ evidence: undefined }));
    expect(missing.path).toBe("$.payload.evidence");
    expect(missing.reason).toBe(
      "missing required ConsentEvidence { channel, wordingVersion, capturedBy, reference? }",
    );
    const notObject = failure(consent({}, { actor: "user-1" }));
    expect(notObject.reason).toBe("expected an object: Actor { id, role?, context? }");
  });

  it("lists the known event types for an unknown one", () => {
    const e = failure({ ...consent({}), type: "consent.given" });
    expect(e.path).toBe("$.type");
    expect(e.reason).toMatch(/^unknown event type: expected EventType: .*consent\.granted \| /);
    expect(e.reason).not.toContain("consent.given");
  });

  it("describes refinements whose rule is not a pattern (policy configuration)", () => {
    const r = decodePolicyConfig({
      purposes: { support: { basis: "contract" } },
      workingHours: { timeZone: "Asia/Tokio", days: [1], start: "09:00", end: "18:00" },
    });
    expect(r).toMatchObject({
      left: {
        path: "$policy.workingHours.timeZone",
        reason: "expected TimeZone (an IANA time zone name such as Asia/Tokyo)",
      },
    });
    const cidr = decodePolicyConfig({
      purposes: { support: { basis: "contract" } },
      ipAllowList: ["10.0.0.0/33"],
    });
    expect(cidr).toMatchObject({
      left: {
        path: "$policy.ipAllowList[0]",
        reason: expect.stringMatching(/^expected Cidr \(an IPv4/),
      },
    });
  });

  it("keeps each pattern on the codec equal to the rule the codec checks", () => {
    const patterned = [Id, Label, FieldName, Hash256];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.stringMatching(/^[A-Za-z0-9._:/#-]{1,70}$/),
          fc.stringMatching(/^[0-9a-f]{64}$/),
        ),
        (s) => {
          for (const codec of patterned) expect(codec.is(s)).toBe(codec.pattern.test(s));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("never repeats the offending value, wherever it sits", () => {
    // A marker no codec name, pattern or key list contains, so any echo would show.
    const value = fc.string({ maxLength: 40 }).map((s) => `Ωsecret-${s}`);
    const placements: ((v: string) => unknown)[] = [
      (v) => consent({}, { subjects: [v] }),
      (v) => consent({ purpose: v }),
      (v) => consent({ lawfulBasis: v }),
      (v) => consent({}, { actor: { id: v } }),
      (v) => consent({}, { id: v }),
      (v) => consent({}, { occurredAt: v }),
      (v) => ({ ...consent({}), type: v }),
      (v) => consent({ evidence: { ...evidence, capturedBy: v } }),
      (v) => consent({}, { personal: [{ subject: "s-1", field: v, value: "x" }] }),
      (v) => consent({ [v]: true }),
      (v) => consent({}, { actor: { id: "user-1", [v]: "x" } }),
    ];
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: placements.length - 1 }), (v, i) => {
        const e = failure((placements[i] as (v: string) => unknown)(v));
        expect(e.message).not.toContain("Ωsecret");
        expect(e.path).not.toContain("Ωsecret");
        expect(JSON.stringify(e.toJSON())).not.toContain("Ωsecret");
      }),
      { numRuns: 500 },
    );
  });

  it("the plain form throws the same described error", () => {
    try {
      decodeWithOrThrow(Action, "reed");
      throw new Error("expected a throw");
    } catch (e) {
      expect(e).toBeInstanceOf(DaichoError);
      expect((e as DaichoError).reason).toBe(
        "expected Action: read | create | update | delete | export | share",
      );
    }
  });
});
