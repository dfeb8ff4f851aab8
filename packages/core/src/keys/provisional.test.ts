import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { erasureService } from "../erasure/service";
import { ed25519Signer } from "../erasure/signer";
import { DaichoError, isDaichoError } from "../errors";
import type { EventInput } from "../events/input";
import { type Ledger, openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import type { Store } from "../store/store";
import { personalInput } from "../testing/fixtures";
import { overrideStore } from "../testing/override-store";
import { isTombstone, type KeyStore, type WrappedKeyRecord } from "./key-store";
import { memoryKeyStore } from "./memory";

// Issue 11 item 10: keys created while sealing a batch that is then rejected are
// discarded, unless another writer may already seal under them.

const kek = { id: "kek-1", key: new Uint8Array(32).fill(6) };
const LEDGER_ID = "provisional.test/l";

function open(store: Store, keys: KeyStore, maxEventBytes?: number): Promise<Ledger> {
  return openLedger({ store, ledgerId: LEDGER_ID, keys: { store: keys, kek }, maxEventBytes });
}

/** A gate a test opens by hand: `wait()` resolves once `open()` is called. */
function gate(): { wait: () => Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const p = new Promise<void>((r) => {
    open = r;
  });
  return { wait: () => p, open: () => open() };
}

async function values(ledger: Ledger): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of ledger.readOpened()) out.push(...e.fields.map((f) => f.value));
  return out;
}

describe("rejected batches leave no keys", () => {
  it("discards the keys a rejected batch created, whichever way it was rejected", async () => {
    const inner = memoryStore();
    const keys = memoryKeyStore();
    let failNext = false;
    let commitThenFail = false;
    const store = overrideStore(inner, {
      async append(events, expected) {
        if (failNext) {
          failNext = false;
          throw new DaichoError("STORE_UNAVAILABLE", "injected", { retryable: true });
        }
        await inner.append(events, expected);
        if (commitThenFail) {
          commitThenFail = false;
          throw new DaichoError("STORE_UNAVAILABLE", "acknowledgement lost");
        }
      },
    });
    const ledger = await open(store, keys, 4096);
    const kept = await ledger.append(personalInput("c-kept", "kept@example.org"));
    await ledger.append({
      type: "erasure.fenced",
      actor: { id: "dpo" },
      subjects: ["c-gone"],
      payload: { requestId: "er-1", keyIds: [] },
    });
    const rejections: [string, () => Promise<unknown>][] = [
      ["PAYLOAD_TOO_LARGE", () => ledger.append(personalInput("n-1", "x".repeat(5000)))],
      [
        "PAYLOAD_TOO_LARGE",
        () =>
          ledger.appendBatch([personalInput("n-2", "a"), personalInput("n-2b", "y".repeat(5000))]),
      ],
      ["DUPLICATE_EVENT", () => ledger.append({ ...personalInput("n-3", "b"), id: kept.id })],
      [
        "KEY_ERASED",
        () => ledger.appendBatch([personalInput("n-4", "c"), personalInput("c-gone", "d")]),
      ],
      [
        "DECODE_ERROR",
        () => ledger.appendBatch([personalInput("n-5", "e"), { type: "nope" } as never]),
      ],
      [
        "STORE_UNAVAILABLE",
        () => {
          failNext = true;
          return ledger.appendBatch([personalInput("n-6", "f"), personalInput("n-7", "g")]);
        },
      ],
    ];
    for (const [code, attempt] of rejections) {
      const err = await attempt().catch((e) => e);
      expect(isDaichoError(err) ? err.code : err).toBe(code);
    }
    expect(await keys.count()).toBe(1); // c-kept's alone
    for (const s of ["n-1", "n-2", "n-3", "n-4", "n-5", "n-6", "n-7"])
      expect(await keys.forSubject(s)).toEqual([]);
    // A write whose acknowledgement was lost did commit: its key stays, its value opens.
    commitThenFail = true;
    const lost = await ledger.append(personalInput("n-8", "lost-ack@example.org")).catch((e) => e);
    expect(isDaichoError(lost, "STORE_UNAVAILABLE")).toBe(true);
    expect(await keys.count()).toBe(2);
    expect(await values(ledger)).toEqual(["kept@example.org", "lost-ack@example.org"]);
  });

  it("leaves keys for exactly the subjects of committed sealed events (property)", async () => {
    const step = fc.record({
      subject: fc.integer({ min: 0, max: 5 }),
      bad: fc.constantFrom("none", "large", "decode", "store"),
      width: fc.integer({ min: 1, max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const inner = memoryStore();
        const keys = memoryKeyStore();
        let fail = false;
        const store = overrideStore(inner, {
          append: (e, x) => {
            if (!fail) return inner.append(e, x);
            fail = false;
            return Promise.reject(new DaichoError("STORE_UNAVAILABLE", "injected"));
          },
        });
        const ledger = await open(store, keys, 4096);
        const committed = new Set<string>();
        const pending = steps.map(async (s, i) => {
          const subjects = Array.from({ length: s.width }, (_, k) => `c-${(s.subject + k) % 6}`);
          const inputs: EventInput[] = subjects.map((subject) => personalInput(subject, `v${i}`));
          if (s.bad === "large")
            inputs.push(personalInput(subjects[0] as string, "z".repeat(5000)));
          if (s.bad === "decode") inputs.push({ type: "nope" } as never);
          if (s.bad === "store") fail = true;
          try {
            await ledger.appendBatch(inputs);
            for (const x of subjects) committed.add(x);
          } catch {
            // rejected: its keys must not survive unless a committed batch uses them
          }
        });
        await Promise.all(pending);
        const left: string[] = [];
        for (let k = 0; k < 6; k++) {
          const r = await keys.forSubject(`c-${k}`);
          if (!isTombstone(r) && r.length > 0) left.push(`c-${k}`);
        }
        expect(left.sort()).toEqual([...committed].sort());
        for (const v of await values(ledger)) expect(typeof v).toBe("string");
      }),
      { numRuns: 60 },
    );
  });

  it("keeps a fresh key another batch of this process sealed with, when the creating batch is rejected", async () => {
    const keys = memoryKeyStore();
    const ledger = await open(memoryStore(), keys, 4096);
    const [a, b] = await Promise.allSettled([
      ledger.appendBatch([personalInput("c-1", "first"), personalInput("c-1", "w".repeat(5000))]),
      ledger.append(personalInput("c-1", "second@example.org")),
    ]);
    expect(a.status).toBe("rejected");
    expect(b.status).toBe("fulfilled");
    expect(await values(ledger)).toEqual(["second@example.org"]);
    expect(await keys.count()).toBe(1);
  });

  it("keeps a fresh key another process confirmed and is sealing with, when the creating batch is rejected", async () => {
    const inner = memoryStore();
    const keys = memoryKeyStore(); // shared, as two processes share a key file
    const first = gate();
    const second = gate();
    const failing = overrideStore(inner, {
      append: async () => {
        await first.wait();
        throw new DaichoError("STORE_UNAVAILABLE", "injected");
      },
    });
    const slow = overrideStore(inner, {
      append: async (e, x) => {
        await second.wait();
        return inner.append(e, x);
      },
    });
    await open(inner, keys); // create the ledger
    const creator = await openLedger({ store: failing, keys: { store: keys, kek } });
    const other = await openLedger({ store: slow, keys: { store: keys, kek } });
    const created = creator.append(personalInput("c-1", "never stored")).catch((e) => e);
    while ((await keys.count()) === 0) await new Promise((r) => setTimeout(r, 1));
    const [record] = (await keys.forSubject("c-1")) as WrappedKeyRecord[];
    expect(record?.provisional).toBe(true);
    const sealed = other.append(personalInput("c-1", "from the other process"));
    // Until the other writer has taken the key (bounded: a writer that never confirms fails below).
    for (let i = 0; i < 500; i++) {
      if (((await keys.forSubject("c-1")) as WrappedKeyRecord[])[0]?.provisional !== true) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    first.open();
    expect(isDaichoError(await created, "STORE_UNAVAILABLE")).toBe(true);
    second.open();
    await sealed;
    const reader = await openLedger({ store: inner, keys: { store: keys, kek } });
    expect(await values(reader)).toEqual(["from the other process"]);
  });

  it("erasure removes every key a subject has, a provisional one left by a crash included", async () => {
    const keys = memoryKeyStore();
    const ledger = await open(memoryStore(), keys);
    await ledger.append({
      type: "record.created",
      actor: { id: "agent-1" },
      subjects: ["c-1"],
      payload: { resource: { type: "contact", id: "c-1" }, fields: ["email"] },
    } as EventInput);
    // What a writer killed between creating the key and committing leaves behind.
    await keys.putIfAbsent({
      keyId: "dk1-000000000000000000000000000000aa",
      subject: "c-1",
      kekId: kek.id,
      wrapped: new Uint8Array(73).fill(1),
      createdAt: "2026-01-01T00:00:00.000Z",
      provisional: true,
    });
    const erasure = erasureService({
      ledger,
      signer: ed25519Signer("provisional.test", new Uint8Array(32).fill(2)),
      actor: { id: "dpo" },
    });
    const r = await erasure.request("c-1", { requestedBy: "c-1", channel: "email" });
    const out = await erasure.execute(r.requestId);
    expect(out.certificate.certificate.keyIds).toEqual(["dk1-000000000000000000000000000000aa"]);
    expect(await keys.count()).toBe(0);
    expect(isTombstone(await keys.forSubject("c-1"))).toBe(true);
  });
});
