import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isRedacted } from "@daicho/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cards } from "../shared/people";
import { type DsrRun, PERSON_REASON, runDsr } from "./scenario";

let dir: string;
let run: DsrRun;
const person = cards(3)[2];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-dsr-test-"));
  run = await runDsr(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every file the scenario's CRM wrote under `dir` (ledger, keys, their journals). */
function filesBelow(d: string): string[] {
  return readdirSync(d).flatMap((name) => {
    const path = join(d, name);
    return statSync(path).isDirectory() ? filesBelow(path) : [path];
  });
}

it("answers the access request with the person's own data and who read it", () => {
  const values = Object.fromEntries(run.accessBefore.personalData.map((p) => [p.field, p.value]));
  expect(values).toMatchObject({ name: person?.name, email: person?.email });
  expect(run.accessBefore.accesses.map((a) => a.actor)).toEqual(["sales-tanaka"]);
  expect(run.accessBefore.sources).toHaveLength(1);
  expect(run.otherPersonStatus).toBe(403);
});

it("refuses the person staff routes: listing requests and executing even their own", () => {
  expect(run.personListStatus).toBe(403);
  expect(run.personExecuteStatus).toBe(403);
});

it("keeps the person's reason sealed: the DPO reads it before erasure, no file holds it after", () => {
  expect(run.statementBefore).toBe(PERSON_REASON);
  const needles = [PERSON_REASON, "もう連絡しないでください", "no longer want to be contacted"];
  for (const file of filesBelow(dir)) {
    const bytes = readFileSync(file);
    for (const n of needles) expect(bytes.includes(Buffer.from(n)), `${file}: ${n}`).toBe(false);
  }
});

it("records the erasure request with its one-month deadline and lists it as open", () => {
  const { requestId, dueBy, status } = run.erasureRequest;
  expect(status).toBe("open");
  const days = (Date.parse(dueBy) - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(27);
  expect(days).toBeLessThan(32);
  expect(run.openBefore.map((r) => r.requestId)).toEqual([requestId]);
});

it("executes the erasure and returns a certificate signed by the DPO's key", () => {
  expect(run.executed.outcome).toBe("erased");
  expect(run.certificate).toMatchObject({
    subject: "contact-0003",
    requestId: run.erasureRequest.requestId,
  });
  expect(run.certificate?.keyIds.length).toBeGreaterThan(0);
});

it("leaves the CRM unable to read the contact while the ledger still verifies", () => {
  expect(run.crmAfter.status).toBe(403);
  expect(run.crmAfter.body.reasons).toContain("subject-erased");
  const stored = Object.values(run.storedAfter);
  expect(stored).toHaveLength(5);
  for (const v of stored) expect(isRedacted(v) && v.reason).toBe("erased");
  expect(run.accessAfter.erased).toBe(true);
  expect(run.accessAfter.personalData.every((p) => p.value === null)).toBe(true);
  expect(run.verified).toBe(true);
});
