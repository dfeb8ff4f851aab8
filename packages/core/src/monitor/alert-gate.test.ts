import { describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import type { EventInput } from "../events/input";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { Projector } from "../views/projector";
import { chainEvents, iso, T0 } from "../views/test-history";
import { Views } from "../views/view-set";
import { compileMonitorConfig, type MonitorConfigInput } from "./config";
import { acknowledgeAlert, resolveAlert } from "./handling";
import { Monitor } from "./monitor";
import type { Alert } from "./rules";

const MIN = 60_000;
const offboard: EventInput = {
  type: "actor.offboarded",
  actor: { id: "hr" },
  occurredAt: iso(T0),
  payload: { actorId: "gone" },
};
const attempt = (at: number, ip = "10.0.0.5", actor = "gone"): EventInput => ({
  type: "data.accessed",
  actor: { id: actor, context: { ip } },
  occurredAt: iso(at),
  payload: {
    resource: { type: "contact", id: "c-1" },
    fields: ["name"],
    purpose: "sales",
    outcome: "denied",
    reasons: ["actor-offboarded"],
  },
});
const summary = (alerts: readonly Alert[]) =>
  alerts.map((a) => [a.rule, a.actorId, a.repeatOf ?? null, a.suppressed ?? null]);

function observe(config: MonitorConfigInput, inputs: EventInput[]): Alert[] {
  const events = chainEvents(inputs);
  const views = new Views().applyAll(events);
  return new Monitor({ config: compileMonitorConfig(config), views }).observe(events);
}

describe("alert cooldown and de-duplication", () => {
  it("raises one alert for an offboarded actor's burst of attempts, not one per attempt", () => {
    const burst = Array.from({ length: 20 }, (_, i) => attempt(T0 + MIN + i * MIN));
    expect(summary(observe({}, [offboard, ...burst]))).toEqual([
      ["offboarded-actor", "gone", null, null],
    ]);
    // With the gate off, every attempt alerts (the behaviour before issue 14).
    expect(observe({ cooldownMs: 0 }, [offboard, ...burst])).toHaveLength(20);
  });

  it("raises a repeat after the cooldown while nobody acknowledged, with the count kept quiet", () => {
    const inputs = [offboard, attempt(T0 + MIN), attempt(T0 + 10 * MIN), attempt(T0 + 20 * MIN)];
    inputs.push(attempt(T0 + 61 * MIN), attempt(T0 + 62 * MIN));
    const alerts = observe({}, inputs);
    expect(summary(alerts)).toEqual([
      ["offboarded-actor", "gone", null, null],
      ["offboarded-actor", "gone", alerts[0]?.alertId, 2],
    ]);
  });

  it("keeps different problems apart: another actor, another IP", () => {
    const other: EventInput = { ...offboard, payload: { actorId: "gone-too" } };
    const alerts = observe({ ipAllowList: ["192.168.0.0/16"], offboardedAccess: false }, [
      offboard,
      other,
      attempt(T0 + MIN),
      attempt(T0 + 2 * MIN),
      attempt(T0 + 3 * MIN, "10.0.0.6"),
      attempt(T0 + 4 * MIN, "10.0.0.5", "gone-too"),
    ]);
    expect(alerts.map((a) => [a.actorId, a.ip, a.triggeredBy[0]])).toEqual([
      ["gone", "10.0.0.5", "ev-2"],
      ["gone", "10.0.0.6", "ev-4"],
      ["gone-too", "10.0.0.5", "ev-5"],
    ]);
  });
});

describe("acknowledgement and resolution as events", () => {
  async function live() {
    const ledger = await openLedger({ store: memoryStore(), ledgerId: "alerts.test/ledger" });
    const projector = await Projector.start({ ledger });
    const seen: Alert[] = [];
    const config = compileMonitorConfig({ cooldownMs: 30 * MIN });
    const monitor = new Monitor({
      config,
      views: projector.views,
      ledger,
      onAlert: (a) => seen.push(a),
    });
    const detach = monitor.attach(projector);
    const step = async (input: EventInput) => {
      await ledger.append(input);
      await projector.catchUp();
      await monitor.flush();
      await projector.catchUp();
    };
    return { ledger, projector, monitor, seen, step, detach, config };
  }

  it("an acknowledged problem stays quiet past the cooldown; a resolved one alerts again at once", async () => {
    const { ledger, projector, seen, step, detach } = await live();
    await step(offboard);
    await step(attempt(T0 + MIN));
    const first = seen[0]?.alertId as string;
    await acknowledgeAlert(ledger, projector.views, {
      alertId: first,
      by: "sec-ito",
      at: new Date(T0 + 2 * MIN),
    });
    await projector.catchUp();
    await step(attempt(T0 + 5 * 60 * MIN)); // five hours later: acknowledged, so quiet
    expect(seen).toHaveLength(1);
    await resolveAlert(ledger, projector.views, {
      alertId: first,
      by: "sec-ito",
      resolution: "remediated",
      note: "Badge and VPN account disabled",
      at: new Date(T0 + 6 * 60 * MIN),
    });
    await projector.catchUp();
    await step(attempt(T0 + 6 * 60 * MIN + MIN)); // resolved, happens again: new alert at once
    expect(seen.map((a) => a.repeatOf ?? null)).toEqual([null, null]);
    expect(projector.views.alerts.open().map((a) => a.alertId)).toEqual([seen[1]?.alertId]);
    const types: string[] = [];
    for await (const e of ledger.read()) types.push(e.type);
    expect(types.filter((t) => t.startsWith("alert."))).toEqual([
      "alert.raised",
      "alert.acknowledged",
      "alert.resolved",
      "alert.raised",
    ]);
    detach();
    projector.stop();
  });

  it("a restarted monitor does not re-alert a problem still open", async () => {
    const { ledger, projector, seen, step, detach, config } = await live();
    await step(offboard);
    await step(attempt(T0 + MIN));
    detach();
    const again: Alert[] = [];
    const restarted = new Monitor({
      config,
      views: projector.views,
      ledger,
      onAlert: (a) => again.push(a),
    });
    const stop = restarted.attach(projector);
    await ledger.append(attempt(T0 + 2 * MIN));
    await projector.catchUp();
    await restarted.flush();
    expect(seen).toHaveLength(1);
    expect(again).toEqual([]);
    stop();
    projector.stop();
  });

  it("refuses to acknowledge an unknown, a resolved or an already acknowledged alert, writing nothing", async () => {
    const { ledger, projector, seen, step, detach } = await live();
    await step(offboard);
    await step(attempt(T0 + MIN));
    const id = seen[0]?.alertId as string;
    const head = async () => (await ledger.head())?.seq;
    const before = await head();
    const fails = async (p: Promise<unknown>, code: string) => {
      const e = await p.then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(isDaichoError(e) && e.code).toBe(code);
      expect(await head()).toBe(before);
    };
    await fails(
      acknowledgeAlert(ledger, projector.views, { alertId: "no-such-alert", by: "sec-ito" }),
      "NOT_FOUND",
    );
    // A note is a Note: contact data is refused, nothing is written.
    await fails(
      acknowledgeAlert(ledger, projector.views, {
        alertId: id,
        by: "sec-ito",
        note: "call me on 090-1234-5678",
      }),
      "DECODE_ERROR",
    );
    await acknowledgeAlert(ledger, projector.views, { alertId: id, by: "sec-ito" });
    await projector.catchUp();
    const acked = await head();
    await expect(
      acknowledgeAlert(ledger, projector.views, { alertId: id, by: "sec-kato" }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await head()).toBe(acked);
    await resolveAlert(ledger, projector.views, {
      alertId: id,
      by: "sec-ito",
      resolution: "false-positive",
    });
    await projector.catchUp();
    const resolved = await head();
    await expect(
      resolveAlert(ledger, projector.views, {
        alertId: id,
        by: "sec-kato",
        resolution: "remediated",
      }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await head()).toBe(resolved);
    expect(projector.views.alerts.alert(id)).toMatchObject({
      resolvedBy: "sec-ito",
      resolution: "false-positive",
    });
    detach();
    projector.stop();
  });
});
