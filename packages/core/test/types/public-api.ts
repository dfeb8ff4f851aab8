/**
 * Type-level tests of the public API (issue 12 item 4): calls a CRM developer gets wrong
 * must not compile. Each `@ts-expect-error` line is a test — if the typing ever loosens,
 * the directive is unused and `pnpm run typecheck` fails. The consumer test
 * (scripts/consumer-test) compiles this same file against the packed packages' emitted
 * declarations, so it checks the published `.d.ts` too, not only the sources.
 *
 * Nothing here runs: every call sits in a function that is never called.
 */
import type { Ledger, LedgerEvent } from "@daicho/core";
import { type CompiledMonitorConfig, compileMonitorConfig } from "@daicho/core/monitor";
import {
  type CompiledPolicy,
  compilePolicy,
  type DecisionRequest,
  decide,
} from "@daicho/core/policy";
import type { Views } from "@daicho/core/views";

const actor = { id: "u-1" };
const resource = { type: "contact", id: "c-1" };

export async function appendBatchIsTyped(ledger: Ledger): Promise<void> {
  const events = await ledger.appendBatch([
    { type: "record.created", actor, payload: { resource, fields: ["email"] } },
    { type: "consent.expired", actor, subjects: ["c-1"], payload: { purpose: "marketing" } },
  ]);
  const first: LedgerEvent<"record.created" | "consent.expired"> | undefined = events[0];
  void first;
  // @ts-expect-error an event type the catalogue does not have
  await ledger.appendBatch([{ type: "record.creatd", actor, payload: { resource, fields: [] } }]);
  // @ts-expect-error a payload that belongs to another type
  await ledger.appendBatch([{ type: "consent.expired", actor, payload: { resource, fields: [] } }]);
  // @ts-expect-error not an event at all
  await ledger.appendBatch(["record.created"]);
  // @ts-expect-error a required member is missing (`actor`)
  await ledger.appendBatch([{ type: "consent.expired", payload: { purpose: "marketing" } }]);
}

export async function nestedPayloadsAreClosed(ledger: Ledger): Promise<void> {
  await ledger.append({
    type: "data.accessed",
    actor,
    payload: {
      // @ts-expect-error a misspelt member of a nested object (`ResourceRef`)
      resource: { type: "contact", id: "c-1", idd: "c-2" },
      fields: ["email"],
      purpose: "support",
      outcome: "allowed",
    },
  });
  await ledger.append({
    type: "record.created",
    actor,
    // @ts-expect-error a nested member of the wrong type
    payload: { resource: { type: "contact", id: 7 }, fields: ["email"] },
  });
  await ledger.append({
    type: "classification.changed",
    actor,
    payload: {
      resource,
      level: "confidential",
      // @ts-expect-error a misspelt member of a nested object with only optional members
      scope: { actors: ["u-2"], untill: "2030-01-01T00:00:00Z" },
    },
  });
  const [event] = await ledger.appendBatch([
    { type: "record.created", actor, payload: { resource, fields: ["email"] } },
  ]);
  if (event?.type === "record.created") {
    // @ts-expect-error a member the recorded nested payload does not have
    void event.payload.resource.owner;
  }
}

export function decisionRequestsAreTyped(views: Views, policy: CompiledPolicy): void {
  const ok: DecisionRequest = { actor: "u-1", action: "read", resource, purpose: "support" };
  decide(views, policy, ok);
  // @ts-expect-error an action that is not in the `Action` union
  const reed: DecisionRequest = { actor: "u-1", action: "reed", resource, purpose: "support" };
  void reed;
  // @ts-expect-error a request without a purpose
  decide(views, policy, { actor: "u-1", action: "read", resource });
}

export function policyInputIsTyped(): CompiledPolicy {
  // @ts-expect-error a lawful basis that does not exist
  compilePolicy({ purposes: { support: { basis: "consentt" } } });
  // @ts-expect-error a misspelt top-level member (`purpose` for `purposes`)
  compilePolicy({ purpose: { support: { basis: "consent" } } });
  // @ts-expect-error an action that is not in the `Action` union
  compilePolicy({ purposes: {}, maskActions: ["reed"] });
  compilePolicy({
    purposes: {},
    // @ts-expect-error working hours with a misspelt member (`ends` for `end`)
    workingHours: { timeZone: "Asia/Tokyo", days: [1], start: "09:00", ends: "18:00" },
  });
  return compilePolicy({ purposes: { support: { basis: "legitimate-interests" } } });
}

export function monitorInputIsTyped(): CompiledMonitorConfig {
  // @ts-expect-error a threshold of the wrong type
  compileMonitorConfig({ massExport: { maxSubjects: "100", windowMs: 60_000 } });
  // @ts-expect-error a misspelt member
  compileMonitorConfig({ massExports: { maxSubjects: 100, windowMs: 60_000 } });
  return compileMonitorConfig({ massExport: { maxSubjects: 100, windowMs: 60_000 } });
}
