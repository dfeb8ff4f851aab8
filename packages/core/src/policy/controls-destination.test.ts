import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { ev, policy, request, viewsWith } from "./controls.fixture";
import { type DecisionRequest, decide } from "./decide";
import { decodeDecisionRequest } from "./request";

/** Downloads for everyone up to confidential; the east team may also e-mail partner p-1 up to internal. */
const allowList = ev("destination.policy-set", {
  rules: [
    { kinds: ["download"], upTo: "confidential" },
    { kinds: ["email", "partner"], upTo: "internal", ids: ["p-1"], teams: ["t-east"] },
  ],
});
const exportOf = (over: Partial<DecisionRequest>) =>
  decide(viewsWith([allowList]), policy, request({ action: "export", ...over })).reasons;

describe("destination controls (issue 14 item 2)", () => {
  it("without an allow-list an export naming no destination is decided as before", () => {
    expect(decide(viewsWith(), policy, request({ action: "export" })).reasons).toEqual(["allowed"]);
  });

  it("with an allow-list an export or share that names no destination is refused", () => {
    expect(exportOf({})).toEqual(["destination-missing"]);
    expect(exportOf({ action: "share", recipient: "p-1" })).toEqual(["destination-missing"]);
  });

  it("a USB export is refused before it runs; a download is allowed", () => {
    expect(exportOf({ destination: { kind: "usb", id: "usb-any" } })).toEqual([
      "destination-not-allowed",
    ]);
    expect(exportOf({ destination: { kind: "download", id: "browser" } })).toEqual(["allowed"]);
  });

  it("a destination allowed only up to a level refuses a more sensitive item", () => {
    const secret = { type: "contact", id: "c-secret" };
    expect(exportOf({ resource: secret, destination: { kind: "download", id: "b" } })).toEqual([
      "destination-not-allowed",
    ]);
    const conf = { type: "contact", id: "c-conf" };
    expect(exportOf({ resource: conf, destination: { kind: "email", id: "p-1" } })).toEqual([
      "destination-not-allowed",
    ]);
  });

  it("a team's allowance does not extend to other teams, nor to other ids of the same kind", () => {
    expect(exportOf({ destination: { kind: "email", id: "p-1" } })).toEqual(["allowed"]);
    expect(exportOf({ actor: "bob", destination: { kind: "email", id: "p-1" } })).toEqual([
      "destination-not-allowed",
    ]);
    expect(exportOf({ destination: { kind: "email", id: "personal-gmail" } })).toEqual([
      "destination-not-allowed",
    ]);
  });

  it("reads are not exports: the allow-list does not touch them", () => {
    expect(decide(viewsWith([allowList]), policy, request()).reasons).toEqual(["allowed"]);
  });

  it("an unknown destination kind is refused: request-invalid in decide, DECODE_ERROR at the boundary", () => {
    const hostile = request({
      action: "export",
      destination: { kind: "carrier-pigeon", id: "x" } as never,
    });
    expect(decide(viewsWith(), policy, hostile).reasons).toEqual(["request-invalid"]);
    const decoded = decodeDecisionRequest({ ...hostile, context: undefined });
    expect(E.isLeft(decoded) && decoded.left.code).toBe("DECODE_ERROR");
    expect(E.isLeft(decoded) && decoded.left.path).toBe("$request.destination.kind");
  });
});
