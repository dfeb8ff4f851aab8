import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ACME_CONTACTS, type AgencyRun, GLOBEX_CONTACTS, runAgency } from "./scenario";

let dir: string;
let run: AgencyRun;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-agency-test-"));
  run = await runAgency(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const verdicts = (agent: string) =>
  run.attempts
    .filter((a) => a.agent === agent)
    .map((a) => `${a.contact}:${a.decision.allowed ? "allowed" : a.decision.reasons.join("+")}`);

it("confines each agent to one client's contacts", () => {
  expect(verdicts("agent-mori").slice(0, 2)).toEqual([
    "globex-contact-0001:allowed",
    "globex-contact-0002:allowed",
  ]);
  expect(verdicts("agent-kimura")).toContain("globex-contact-0001:no-grant");
});

it("refuses an offboarded agent on the very next request, and only that agent", () => {
  const kimura = verdicts("agent-kimura");
  expect(kimura.slice(-2)).toEqual([
    "acme-contact-0001:allowed",
    "acme-contact-0002:actor-offboarded",
  ]);
  const abe = verdicts("agent-abe");
  expect(abe.at(-2)).toBe("acme-contact-0002:allowed");
});

it("lets the time-limited grant lapse after two weeks", () => {
  const last = run.attempts.at(-1);
  expect(last?.agent).toBe("agent-abe");
  expect(last?.decision.reasons).toEqual(["no-grant", "grant-expired"]);
});

it("gives the client the agency's access log for its own contacts only, denials included", () => {
  const acme = new Set(ACME_CONTACTS);
  const subjects = run.acmeLog.flatMap((a) => a.subjects);
  expect(subjects.every((s) => acme.has(s))).toBe(true);
  expect(subjects.some((s) => GLOBEX_CONTACTS.includes(s))).toBe(false);
  // Every Acme attempt appears, none of the Globex ones.
  const acmeAttempts = run.attempts.filter((a) => acme.has(a.contact));
  expect(run.acmeLog).toHaveLength(acmeAttempts.length);
  expect(run.acmeLog.filter((a) => a.outcome === "denied").map((a) => a.reasons?.[0])).toEqual([
    "actor-offboarded",
    "no-grant",
  ]);
  expect(run.acmeLog[0]).toMatchObject({ agent: "agent-kimura", ip: "198.51.100.40" });
});

it("keeps the entrustment records and a verifiable ledger", () => {
  expect(run.entrustments.map((e) => [e.contractor, e.contractRef, e.recordCount])).toEqual([
    ["hoshi-sales", "contract-acme-2026-11", 8],
    ["hoshi-sales", "contract-globex-2026-11", 5],
  ]);
  expect(run.verified).toBe(true);
});

it("lapses every grant tied to a terminated contract at once, before the grants expire", () => {
  // Mori's grant runs two weeks; Globex terminates its contract on day 5.
  expect(verdicts("agent-mori").slice(2)).toEqual([
    "globex-contact-0003:allowed",
    "globex-contact-0004:no-grant+contract-terminated",
  ]);
  // Acme's contract is unaffected: Abe's last attempt (day 16) fails on the grant's own
  // expiry, not on a contract.
  expect(run.attempts.at(-1)?.decision.reasons).toEqual(["no-grant", "grant-expired"]);
});

it("gives each client a supervision report: who accessed what under its contract", () => {
  const acme = run.supervision.find((r) => r.contractId === "contract-acme-2026-11");
  const globex = run.supervision.find((r) => r.contractId === "contract-globex-2026-11");
  expect(acme).toMatchObject({ organisation: "hoshi-sales", state: "in-force" });
  expect(globex).toMatchObject({ organisation: "hoshi-sales", state: "terminated" });
  // Acme's report: Kimura's and Abe's attempts on Acme's contacts, nothing of Globex's.
  const acmeSet = new Set(ACME_CONTACTS);
  expect(acme?.actions.every((a) => a.subjects.every((s) => acmeSet.has(s)))).toBe(true);
  expect(acme?.byActor.map((a) => [a.actor, a.allowed, a.denied])).toEqual([
    ["agent-kimura", 5, 1],
    ["agent-abe", 5, 1],
  ]);
  // Globex's report shows Kimura straying into its contacts, and Mori refused after the end.
  expect(globex?.byActor.map((a) => [a.actor, a.allowed, a.denied])).toEqual([
    ["agent-mori", 3, 1],
    ["agent-kimura", 0, 1],
  ]);
  const afterEnd = globex?.actions.filter((a) => !a.withinTerm) ?? [];
  expect(afterEnd.map((a) => [a.actor, a.outcome, a.reasons])).toEqual([
    ["agent-mori", "denied", ["no-grant", "contract-terminated"]],
  ]);
  expect(globex?.grants).toEqual([
    expect.objectContaining({ grantId: "grant-agent-mori", usable: false }),
  ]);
  expect(globex?.handedOver.map((h) => h.subjects.length)).toEqual([GLOBEX_CONTACTS.length]);
});
