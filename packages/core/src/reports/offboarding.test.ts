import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { chainEvents, HOUR, iso, T0 } from "../views/test-history";
import { Views } from "../views/view-set";
import { offboardingReport } from "./offboarding";

const admin = { id: "admin" };
const e = (type: string, payload: Record<string, unknown>, h: number): EventInput =>
  ({ type, actor: admin, occurredAt: iso(T0 + h * HOUR), payload }) as EventInput;
const read = (
  actor: string,
  device: string,
  h: number,
  outcome: "allowed" | "denied" = "allowed",
): EventInput => ({
  type: "data.accessed",
  actor: { id: actor, context: { device } },
  occurredAt: iso(T0 + h * HOUR),
  payload: { resource: { type: "contact", id: "c-1" }, fields: [], purpose: "sales", outcome },
});
const reg = (deviceId: string, ownership: string, owner = "kenji") =>
  e("device.registered", { deviceId, ownership, owner, managed: ownership === "company" }, 0);

describe("offboarding report (issue 14 item 1)", () => {
  it("lists the leaver's devices that held customer data, and flags those not wiped since", () => {
    const views = new Views().applyAll(
      chainEvents([
        e("actor.onboarded", { actorId: "kenji" }, 0),
        reg("pc-1", "company"),
        reg("ph-9", "personal"),
        reg("tab-3", "company"),
        read("kenji", "pc-1", 1),
        read("kenji", "ph-9", 2),
        read("kenji", "tab-3", 1, "denied"),
        read("kenji", "kiosk-7", 3),
        e("device.wiped", { deviceId: "pc-1", wipedBy: "it" }, 4),
        e("device.wiped", { deviceId: "ph-9", wipedBy: "it" }, 1), // before the last read: does not count
        e("actor.offboarded", { actorId: "kenji" }, 5),
      ]),
    );
    const r = offboardingReport(views, "kenji");
    expect(r.offboardedAt).toBe(iso(T0 + 5 * HOUR));
    expect(
      r.devices.map((d) => [d.deviceId, d.status, d.heldCustomerData, d.actionNeeded]),
    ).toEqual([
      ["kiosk-7", "unregistered", true, true],
      ["ph-9", "wiped", true, true],
      ["pc-1", "wiped", true, false],
      ["tab-3", "registered", false, false],
    ]);
    expect(r.devices.find((d) => d.deviceId === "ph-9")).toMatchObject({
      ownership: "personal",
      managed: false,
      lastCustomerDataAt: iso(T0 + 2 * HOUR),
    });
  });

  it("a device survives a snapshot round trip with its uses", () => {
    const views = new Views().applyAll(
      chainEvents([reg("pc-1", "company"), read("kenji", "pc-1", 1)]),
    );
    const back = Views.fromState(JSON.parse(JSON.stringify(views.state())), views.at);
    expect(back._tag).toBe("Right");
    if (back._tag === "Right")
      expect(offboardingReport(back.right, "kenji")).toEqual(offboardingReport(views, "kenji"));
  });
});
