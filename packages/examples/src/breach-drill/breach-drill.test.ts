import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AWARE_AT, type DrillResult, runDrill } from "./scenario";

let dir: string;
let drill: DrillResult;
const HOUR = 60 * 60 * 1000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-breach-test-"));
  drill = await runDrill(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("refuses the flagged phone's session at once", () => {
  expect(drill.afterFlag).toEqual({ allowed: false, reasons: ["device-flagged"] });
});

it("lists exactly the people the phone disclosed data about, not the laptop's", () => {
  // contact-0004 is confidential as a whole: the phone's read of it was denied, not disclosed.
  const disclosed = drill.touchedByPhone.filter((id) => id !== "contact-0004");
  expect([...drill.report.subjectsToNotify].sort()).toEqual(disclosed.sort());
  expect(drill.report.subjectsToNotify).not.toContain("contact-0001");
  expect(drill.report.deniedAttempts).toBe(2);
  expect(drill.report.totals.fields).toEqual(["company", "name", "phone"]); // notes were masked
});

it("sets the deadlines from the moment of awareness", () => {
  const aware = Date.parse(AWARE_AT);
  expect(Date.parse(drill.report.gdpr.authorityDeadline) - aware).toBe(72 * HOUR);
  expect(drill.report.appi.reportable).toBe(true);
  expect(drill.report.appi.triggers).toEqual(["improper-purpose"]);
  expect(Date.parse(drill.report.appi.finalDeadline) - aware).toBe(60 * 24 * HOUR);
  expect(drill.report.keysLeaked).toBe(false);
});

it("prints the incident-file Markdown and keeps the ledger verifiable", () => {
  expect(drill.markdown).toMatch(/^# Breach impact assessment/);
  expect(drill.markdown).toContain("## Subjects to notify (6)");
  expect(drill.markdown).toContain("2026-11-27T23:10:00.000Z"); // 72 h after 08:10 JST on the 25th
  expect(drill.verified).toBe(true);
});
