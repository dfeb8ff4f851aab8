import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import type { LedgerEvent } from "../events/envelope";
import type { EventInput } from "../events/input";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";

const kek = { id: "kek-1", key: new Uint8Array(32).fill(6) };
const actor = { id: "user-1" };

function input(subjects: string[], fields: string[], tag: string): EventInput {
  return {
    type: "record.updated",
    actor,
    subjects,
    payload: { resource: { type: "contact", id: subjects[0] as string }, fields },
    personal: subjects.flatMap((s) =>
      fields.map((f) => ({ subject: s, field: f, value: `${tag}-${s}-${f}` })),
    ),
  } as EventInput;
}

describe("personal values through the ledger", () => {
  it("rejects a value naming a subject outside `subjects`, or a repeated pair, without echoing it", async () => {
    const ledger = await openLedger({
      store: memoryStore(),
      ledgerId: "p.test/l",
      keys: { store: memoryKeyStore(), kek },
    });
    const outside = await ledger
      .append({
        ...input(["c-1"], ["email"], "v"),
        personal: [{ subject: "c-2", field: "email", value: "leak@example.org" }],
      } as EventInput)
      .catch((e) => e);
    expect(isDaichoError(outside, "DECODE_ERROR")).toBe(true);
    expect(outside.path).toBe("$.personal[0].subject");
    expect(JSON.stringify(outside.toJSON()) + outside.message).not.toContain("leak@example.org");
    const twice = await ledger
      .append({
        ...input(["c-1"], ["email"], "v"),
        personal: [
          { subject: "c-1", field: "email", value: "a" },
          { subject: "c-1", field: "email", value: "b" },
        ],
      } as EventInput)
      .catch((e) => e);
    expect(isDaichoError(twice, "DECODE_ERROR")).toBe(true);
    expect(await ledger.head()).toBeNull();
  });

  it("writes no plaintext into stored bodies and reads every value back", async () => {
    const store = memoryStore();
    const ledger = await openLedger({
      store,
      ledgerId: "p.test/l",
      keys: { store: memoryKeyStore(), kek },
    });
    const e = await ledger.append(input(["c-1", "c-2"], ["email", "phone"], "secret"));
    const stored = await store.get(e.seq);
    expect(stored?.body).not.toContain("secret-");
    expect((await ledger.openPersonal(e)).map((f) => f.value)).toEqual([
      "secret-c-1-email",
      "secret-c-1-phone",
      "secret-c-2-email",
      "secret-c-2-phone",
    ]);
  });

  it("keeps call order between concurrent batches with and without personal values", async () => {
    const ledger = await openLedger({
      store: memoryStore(),
      ledgerId: "p.test/l",
      keys: { store: memoryKeyStore(), kek },
    });
    const calls = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 0
        ? ledger.append(input([`c-${i}`], ["email"], `v${i}`))
        : ledger.append({
            type: "record.updated",
            actor,
            subjects: [`c-${i}`],
            payload: { resource: { type: "contact", id: `c-${i}` }, fields: ["email"] },
          }),
    );
    const events = await Promise.all(calls);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
  });

  it("detects any sealed value moved to another event, subject or field (property)", async () => {
    const ledger = await openLedger({
      store: memoryStore(),
      ledgerId: "p.test/l",
      keys: { store: memoryKeyStore(), kek },
    });
    const events: LedgerEvent[] = [];
    for (let i = 0; i < 6; i++) {
      events.push(
        await ledger.append(input([`c-${i % 3}`, `c-${(i + 1) % 3}`], ["email", "phone"], `v${i}`)),
      );
    }
    const slots = events.flatMap((e, ei) => (e.personal ?? []).map((_, fi) => [ei, fi] as const));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...slots),
        fc.constantFrom(...slots),
        async ([se, sf], [te, tf]) => {
          fc.pre(se !== te || sf !== tf);
          const source = events[se]?.personal?.[sf];
          const target = events[te] as LedgerEvent;
          if (source === undefined) throw new Error("missing slot");
          const personal = (target.personal ?? []).map((p, i) =>
            i === tf ? { ...p, nonce: source.nonce, ct: source.ct } : p,
          );
          const err = await ledger.openPersonal({ ...target, personal }).catch((e) => e);
          expect(isDaichoError(err, "CIPHERTEXT_TAMPERED")).toBe(true);
          expect(err.path).toBe(`personal[${tf}]`);
        },
      ),
      { numRuns: 60 },
    );
  });
});
