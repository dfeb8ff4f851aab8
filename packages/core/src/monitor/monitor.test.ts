import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { Projector } from "../views/projector";
import { chainEvents, iso, T0 } from "../views/test-history";
import { Views } from "../views/view-set";
import { compileMonitorConfig, type MonitorConfigInput } from "./config";
import { Monitor } from "./monitor";
import type { Alert } from "./rules";

const MIN = 60_000;
const exportBy = (
  actor: string,
  at: number,
  subjects: string[],
  kind = "download",
  id = "browser",
): EventInput => ({
  type: "data.exported",
  actor: { id: actor, context: { ip: "10.0.0.5" } },
  subjects,
  occurredAt: iso(at),
  payload: {
    format: "csv",
    destination: { kind, id },
    recordCount: subjects.length,
    fields: ["name"],
    purpose: "sales",
  },
});
const denied = (actor: string, at: number): EventInput => ({
  type: "data.accessed",
  actor: { id: actor },
  occurredAt: iso(at),
  payload: {
    resource: { type: "contact", id: "c-1" },
    fields: ["name"],
    purpose: "sales",
    outcome: "denied",
  },
});

function run(config: MonitorConfigInput, inputs: EventInput[], views = new Views()): Alert[] {
  const events = chainEvents(inputs);
  views.applyAll(events);
  const monitor = new Monitor({ config: compileMonitorConfig(config), views });
  return monitor.observe(events);
}
const subjects = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `c-${from + i}`);

describe("monitor rules fire at their thresholds and not below", () => {
  it("mass export: more than N distinct subjects in the window", () => {
    const cfg = { massExport: { maxSubjects: 10, windowMs: 60 * MIN } };
    // Exactly 10 subjects over three exports (with a repeat): no alert.
    expect(
      run(cfg, [
        exportBy("u", T0, subjects(4)),
        exportBy("u", T0 + MIN, subjects(4, 2)),
        exportBy("u", T0 + 2 * MIN, subjects(4, 6)),
      ]),
    ).toEqual([]);
    // The 11th subject inside the window fires once, citing the exports.
    const alerts = run(cfg, [
      exportBy("u", T0, subjects(6)),
      exportBy("u", T0 + MIN, subjects(5, 6)),
      exportBy("u", T0 + 2 * MIN, subjects(3, 20)),
    ]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: "mass-export",
      severity: "critical",
      actorId: "u",
      count: 11,
      threshold: 10,
      triggeredBy: ["ev-0", "ev-1"],
    });
    // The same volume spread beyond the window: no alert.
    expect(
      run(cfg, [exportBy("u", T0, subjects(6)), exportBy("u", T0 + 61 * MIN, subjects(6, 6))]),
    ).toEqual([]);
    // Two actors each under the threshold: no alert.
    expect(run(cfg, [exportBy("u", T0, subjects(6)), exportBy("v", T0, subjects(6, 6))])).toEqual(
      [],
    );
  });

  it("mass export: more than N records", () => {
    const cfg = { massExport: { maxRecords: 5, windowMs: 10 * MIN } };
    expect(run(cfg, [exportBy("u", T0, subjects(5))])).toEqual([]);
    expect(
      run(cfg, [exportBy("u", T0, subjects(5)), exportBy("u", T0 + MIN, ["c-0"])]),
    ).toMatchObject([{ count: 6, threshold: 5 }]);
  });

  it("repeated denials: the N-th denial within the window", () => {
    const cfg = { repeatedDenials: { count: 3, windowMs: 5 * MIN } };
    expect(run(cfg, [denied("u", T0), denied("u", T0 + MIN)])).toEqual([]);
    expect(
      run(cfg, [denied("u", T0), denied("u", T0 + 6 * MIN), denied("u", T0 + 12 * MIN)]),
    ).toEqual([]);
    const alerts = run(cfg, [
      denied("u", T0),
      denied("u", T0 + MIN),
      denied("u", T0 + 2 * MIN),
      denied("u", T0 + 3 * MIN),
    ]);
    expect(alerts).toHaveLength(1); // the 4th falls in the cooldown after the alert
    expect(alerts[0]).toMatchObject({
      rule: "repeated-denials",
      count: 3,
      threshold: 3,
      windowMs: 5 * MIN,
    });
  });

  it("out of hours, offboarded actor, IP outside the allow-list, unapproved destination", () => {
    const cfg = {
      workingHours: {
        timeZone: "Europe/Berlin",
        days: [1, 2, 3, 4, 5],
        start: "08:00",
        end: "19:00",
      },
      ipAllowList: ["10.0.0.0/8"],
      approvedDestinations: [
        { kind: "download", id: "*" },
        { kind: "organisation", id: "agency-1" },
      ],
    };
    const day = Date.parse("2026-04-01T10:00:00Z"); // Wednesday, 12:00 in Berlin
    const night = Date.parse("2026-04-01T20:00:00Z"); // 22:00 in Berlin
    const alerts = run(cfg, [
      exportBy("u", day, ["c-1"]),
      exportBy("u", night, ["c-1"]),
      {
        type: "actor.offboarded",
        actor: { id: "hr" },
        occurredAt: iso(day),
        payload: { actorId: "gone" },
      },
      exportBy("gone", day + MIN, ["c-2"]),
      { ...denied("u", day), actor: { id: "u", context: { ip: "203.0.113.9" } } },
      exportBy("u", day + 2 * MIN, ["c-3"], "s3-bucket", "personal-bucket"),
      {
        type: "data.shared",
        actor: { id: "u" },
        subjects: ["c-1"],
        occurredAt: iso(day),
        payload: {
          recipient: { kind: "organisation", id: "agency-1" },
          relationship: "entrusted",
          legalBasis: "contract",
          fields: ["name"],
          purpose: "sales",
        },
      },
    ]);
    expect(alerts.map((a) => [a.rule, a.triggeredBy[0]])).toEqual([
      ["out-of-hours", "ev-1"],
      ["offboarded-actor", "ev-3"],
      ["ip-not-allowed", "ev-4"],
      ["unapproved-destination", "ev-5"],
    ]);
    expect(alerts[3]?.destination).toEqual({ kind: "s3-bucket", id: "personal-bucket" });
  });
});

describe("Monitor on a live ledger", () => {
  it("writes alert.raised events, calls the host, and does not alert on its own alerts", async () => {
    const ledger = await openLedger({ store: memoryStore(), ledgerId: "monitor.test/ledger" });
    const projector = await Projector.start({ ledger });
    const seen: Alert[] = [];
    const monitor = new Monitor({
      config: compileMonitorConfig({
        repeatedDenials: { count: 2, windowMs: 60 * MIN },
        ipAllowList: ["10.0.0.0/8"],
      }),
      views: projector.views,
      ledger,
      onAlert: (a) => seen.push(a),
    });
    monitor.attach(projector);
    await ledger.append(denied("u", Date.now()));
    await ledger.append(denied("u", Date.now()));
    await monitor.flush();
    expect(seen.map((a) => a.rule)).toEqual(["repeated-denials"]);
    const types = [];
    for await (const e of ledger.read()) types.push(e.type);
    expect(types).toEqual(["data.accessed", "data.accessed", "alert.raised"]);
    projector.stop();
  });

  it("rejects malformed thresholds with a path", () => {
    expect(() => compileMonitorConfig({ massExport: { maxSubjects: -1, windowMs: 1000 } })).toThrow(
      /massExport\.maxSubjects/,
    );
    expect(() => compileMonitorConfig({ ipAllowList: ["10.0.0.0/33"] })).toThrow(/ipAllowList/);
  });
});

describe("issue 14 rules: authentication and volume", () => {
  const failed = (account: string, at: number, ip = "203.0.113.7"): EventInput => ({
    type: "auth.login-failed",
    actor: { id: "idp", context: { ip } },
    occurredAt: iso(at),
    payload: { account, reason: "bad-credentials" },
  });
  const login = (actor: string, at: number, ctx: { ip?: string; device?: string }): EventInput => ({
    type: "auth.login-succeeded",
    actor: { id: actor, context: ctx },
    occurredAt: iso(at),
    payload: { actorId: actor, sessionId: `s-${at}`, assurance: "aal2" },
  });

  it("brute force: the N-th failure for one account in the window fires once, not the (N-1)-th", () => {
    const cfg = { bruteForce: { count: 5, windowMs: 10 * MIN } };
    const four = [0, 1, 2, 3].map((i) => failed("u-1", T0 + i * MIN));
    expect(run(cfg, four)).toEqual([]);
    const alerts = run(cfg, [...four, failed("u-1", T0 + 4 * MIN), failed("u-1", T0 + 5 * MIN)]);
    expect(alerts.map((a) => [a.rule, a.actorId, a.count])).toEqual([["brute-force", "u-1", 5]]);
    // spread wider than the window: nothing
    expect(
      run(
        cfg,
        [0, 3, 6, 9, 12].map((i) => failed("u-1", T0 + i * 3 * MIN)),
      ),
    ).toEqual([]);
  });

  it("credential stuffing: one IP failing for N distinct accounts fires; one account N times does not", () => {
    const cfg = { credentialStuffing: { accounts: 3, windowMs: 10 * MIN } };
    expect(
      run(
        cfg,
        [0, 1, 2].map((i) => failed("u-1", T0 + i * MIN)),
      ),
    ).toEqual([]);
    const alerts = run(
      cfg,
      ["a", "b", "c"].map((u, i) => failed(u, T0 + i * MIN)),
    );
    expect(alerts.map((a) => [a.rule, a.ip, a.count])).toEqual([
      ["credential-stuffing", "203.0.113.7", 3],
    ]);
    // the same accounts from three different addresses: not stuffing from one source
    expect(
      run(
        cfg,
        ["a", "b", "c"].map((u, i) => failed(u, T0 + i * MIN, `198.51.100.${i}`)),
      ),
    ).toEqual([]);
  });

  it("first seen: a later login from a new device or IP fires; the first login and repeats do not", () => {
    const cfg = { firstSeen: true };
    const alerts = run(cfg, [
      login("alice", T0, { ip: "10.0.0.1", device: "pc-1" }),
      login("alice", T0 + MIN, { ip: "10.0.0.1", device: "pc-1" }),
      login("alice", T0 + 2 * MIN, { ip: "10.0.0.1", device: "ph-9" }),
      login("alice", T0 + 3 * MIN, { ip: "198.51.100.4", device: "pc-1" }),
    ]);
    expect(alerts.map((a) => [a.rule, a.detail])).toEqual([
      ["first-seen-device-or-ip", "new device"],
      ["first-seen-device-or-ip", "new IP address"],
    ]);
    expect(
      run({}, [login("a", T0, { ip: "10.0.0.1" }), login("a", T0 + 1, { ip: "10.9.9.9" })]),
    ).toEqual([]);
  });

  it("volume approaching: the read that reaches 80 % of the hourly limit warns once", () => {
    const read = (n: number, at: number): EventInput => ({
      type: "data.accessed",
      actor: { id: "alice" },
      occurredAt: iso(at),
      payload: {
        resource: { type: "contact", id: "c-1" },
        fields: [],
        purpose: "sales",
        outcome: "allowed",
        action: "read",
        recordCount: n,
      },
    });
    const limits: EventInput = {
      type: "volume.limits-set",
      actor: { id: "admin" },
      occurredAt: iso(T0),
      payload: { limits: [{ metric: "records-read", window: "hour", max: 100 }] },
    };
    expect(run({}, [limits, read(79, T0 + MIN)])).toEqual([]);
    const alerts = run({}, [
      limits,
      read(79, T0 + MIN),
      read(1, T0 + 2 * MIN),
      read(5, T0 + 3 * MIN),
    ]);
    expect(alerts.map((a) => [a.rule, a.count, a.threshold])).toEqual([
      ["volume-approaching", 80, 100],
    ]);
    expect(run({ volumeApproaching: false }, [limits, read(90, T0 + MIN)])).toEqual([]);
  });
});
