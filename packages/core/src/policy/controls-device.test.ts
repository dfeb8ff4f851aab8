import { describe, expect, it } from "vitest";
import { ev, policy, request, viewsWith } from "./controls.fixture";
import { decide } from "./decide";

const laptop = ev("device.registered", {
  deviceId: "pc-1",
  ownership: "company",
  owner: "alice",
  managed: true,
});
const phone = ev("device.registered", {
  deviceId: "ph-9",
  ownership: "personal",
  owner: "alice",
  managed: false,
});
const unmanagedPc = ev("device.registered", {
  deviceId: "pc-2",
  ownership: "company",
  owner: "alice",
  managed: false,
});
/** 厳秘 only on managed company devices; any registered device below that. */
const strictOnManaged = ev("device.policy-set", {
  rules: [{ atLeast: "strictly-confidential", ownership: ["company"], managedOnly: true }],
});
const reasons = (views: ReturnType<typeof viewsWith>, over: Parameters<typeof request>[0]) =>
  decide(views, policy, request(over)).reasons;

describe("device controls (issue 14 item 1)", () => {
  it("without a device policy a request naming no device or an unknown one is decided as before", () => {
    const views = viewsWith([laptop]);
    expect(reasons(views, {})).toEqual(["allowed"]);
    expect(reasons(views, { context: { device: "never-seen" } })).toEqual(["allowed"]);
  });

  it("with a device policy in force, no device and an unregistered device are refused", () => {
    const views = viewsWith([laptop, strictOnManaged]);
    expect(reasons(views, {})).toEqual(["device-missing"]);
    expect(reasons(views, { context: { device: "pc-unknown" } })).toEqual(["device-unknown"]);
    expect(reasons(views, { context: { device: "pc-1" } })).toEqual(["allowed"]);
  });

  it("a device reported lost is refused from the instant of the report, and before it was allowed", () => {
    const views = viewsWith([
      laptop,
      strictOnManaged,
      ev("device.lost", { deviceId: "pc-1", reportedBy: "alice" }, 3),
    ]);
    expect(reasons(views, { context: { device: "pc-1" } })).toEqual(["allowed"]); // hour 2
    expect(reasons(views, { context: { device: "pc-1", at: "2026-04-01T03:00:00.000Z" } })).toEqual(
      ["device-lost"],
    );
  });

  it("a wiped or retired device stays refused until it is registered again", () => {
    const wiped = viewsWith([
      laptop,
      strictOnManaged,
      ev("device.lost", { deviceId: "pc-1", reportedBy: "alice" }, 1),
      ev("device.wiped", { deviceId: "pc-1", wipedBy: "it", method: "remote" }, 1),
    ]);
    expect(reasons(wiped, { context: { device: "pc-1" } })).toEqual(["device-wiped"]);
    const retired = viewsWith([
      laptop,
      strictOnManaged,
      ev("device.retired", { deviceId: "pc-1", retiredBy: "it" }, 1),
    ]);
    expect(reasons(retired, { context: { device: "pc-1" } })).toEqual(["device-retired"]);
    const back = viewsWith([
      laptop,
      strictOnManaged,
      ev("device.wiped", { deviceId: "pc-1", wipedBy: "it" }, 1),
      { ...laptop, occurredAt: "2026-04-01T01:30:00.000Z" },
    ]);
    expect(reasons(back, { context: { device: "pc-1" } })).toEqual(["allowed"]);
  });

  it("a colleague's registered device is refused: a device is issued to one actor", () => {
    const views = viewsWith([laptop, strictOnManaged]);
    expect(reasons(views, { actor: "bob", context: { device: "pc-1" } })).toEqual([
      "device-not-owned",
    ]);
  });

  it("strictly-confidential data only on a managed company device; BYOD still reads internal data", () => {
    const views = viewsWith([laptop, phone, unmanagedPc, strictOnManaged]);
    const secret = { type: "contact", id: "c-secret" };
    expect(reasons(views, { resource: secret, context: { device: "ph-9" } })).toEqual([
      "device-not-allowed",
    ]);
    expect(reasons(views, { resource: secret, context: { device: "pc-2" } })).toEqual([
      "device-not-allowed",
    ]);
    expect(reasons(views, { resource: secret, context: { device: "pc-1" } })).toEqual(["allowed"]);
    expect(reasons(views, { context: { device: "ph-9" } })).toEqual(["allowed"]);
  });

  it("a strictly-confidential field raises the request to that level", () => {
    const views = viewsWith([
      phone,
      strictOnManaged,
      ev("classification.changed", {
        resource: { type: "contact", id: "c-1" },
        field: "phone",
        level: "strictly-confidential",
      }),
    ]);
    expect(reasons(views, { fields: ["name"], context: { device: "ph-9" } })).toEqual(["allowed"]);
    expect(reasons(views, { fields: ["name", "phone"], context: { device: "ph-9" } })).toEqual([
      "device-not-allowed",
    ]);
  });

  it("a rule limited to exports lets BYOD read but not export", () => {
    const views = viewsWith([
      phone,
      ev("device.policy-set", {
        rules: [{ atLeast: "public", ownership: ["company"], actions: ["export", "share"] }],
      }),
    ]);
    expect(reasons(views, { context: { device: "ph-9" } })).toEqual(["allowed"]);
    expect(reasons(views, { action: "export", context: { device: "ph-9" } })).toEqual([
      "device-not-allowed",
    ]);
  });

  it("device reasons come after every older check, in the fixed order", () => {
    const views = viewsWith([strictOnManaged]);
    expect(reasons(views, { actor: "mallory", context: { device: "x" } })).toEqual([
      "actor-unknown",
      "device-unknown",
    ]);
  });
});
