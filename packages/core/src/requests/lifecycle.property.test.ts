import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import type { LedgerEvent } from "../events/envelope";
import type { RequestRight } from "../events/requests";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { RIGHTS } from "./rights";
import { requestsService } from "./service";

const T0 = new Date("2026-01-10T00:00:00.000Z");
const DAY = 86_400_000;
const step = fc.oneof(
  fc.constant({ op: "verify" as const }),
  fc.record({ op: fc.constant("extend" as const), days: fc.integer({ min: -5, max: 120 }) }),
  fc.record({
    op: fc.constant("refuse" as const),
    ground: fc.constantFrom("no-data", "legal-claims", "excessive", "appi-other-law"),
  }),
  fc.constant({ op: "complete" as const }),
  fc.record({ op: fc.constant("wait" as const), days: fc.integer({ min: 0, max: 40 }) }),
);

describe("request lifecycle (property)", () => {
  it("every step either records one event or rejects typed; a request closes at most once and stays closed", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(RIGHTS) as RequestRight[])),
        fc.array(step, { maxLength: 12 }),
        async (right, steps) => {
          let now = T0;
          const ledger = await openLedger({
            store: memoryStore(),
            ledgerId: "lifecycle.test/l",
            keys: { store: memoryKeyStore(), kek: { id: "k", key: new Uint8Array(32).fill(2) } },
            clock: () => now,
          });
          await ledger.append({
            type: "record.created",
            actor: { id: "crm" },
            subjects: ["c-1"],
            payload: { resource: { type: "contact", id: "c-1" }, fields: ["email"] },
          });
          const requests = requestsService({ ledger, actor: { id: "dpo-1" }, clock: () => now });
          const r = await requests.receive("c-1", { right, requestedBy: "c-1", channel: "web" });
          const evidence = await ledger.append({
            type: "processing.restricted",
            actor: { id: "dpo-1" },
            subjects: ["c-1"],
            payload: { restrictionId: "rs-1", ground: "objection-pending" },
          });
          for (const s of steps) {
            const before = (await ledger.head())?.seq;
            const call =
              s.op === "verify"
                ? requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" })
                : s.op === "extend"
                  ? requests.extend(r.requestId, {
                      dueBy: new Date(Date.parse(r.dueBy) + s.days * DAY).toISOString(),
                      reason: "complex",
                    })
                  : s.op === "refuse"
                    ? requests.refuse(r.requestId, {
                        ground: s.ground as never,
                        reason: "stated reason",
                      })
                    : s.op === "complete"
                      ? requests.complete(r.requestId, { outcome: "done", evidence: [evidence.id] })
                      : undefined;
            if (call === undefined) {
              now = new Date(now.getTime() + (s as { days: number }).days * DAY);
              continue;
            }
            const outcome = await call.then(
              () => "ok",
              (e: unknown) => (isDaichoError(e) ? e.code : "untyped"),
            );
            const after = (await ledger.head())?.seq;
            expect(outcome).not.toBe("untyped");
            expect(after).toBe(outcome === "ok" ? (before as number) + 1 : before);
          }
          const events: LedgerEvent[] = [];
          for await (const e of ledger.read()) events.push(e);
          const own = events.filter(
            (e) =>
              e.type.startsWith("request.") &&
              (e.payload as { requestId: string }).requestId === r.requestId,
          );
          const closing = own.findIndex(
            (e) => e.type === "request.completed" || e.type === "request.refused",
          );
          if (closing >= 0) expect(own.slice(closing + 1)).toEqual([]);
          const final = await requests.get(r.requestId);
          expect(final.status === "open").toBe(closing < 0);
          const maxDue = final.extensions.length === 0 ? final.originalDueBy : final.dueBy;
          expect(Date.parse(maxDue)).toBeGreaterThanOrEqual(Date.parse(final.originalDueBy));
        },
      ),
      { numRuns: 40 },
    );
  });
});
