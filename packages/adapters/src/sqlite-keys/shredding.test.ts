import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventInput, isDaichoError, openLedger } from "@daicho/core";
import { isRedacted } from "@daicho/core/crypto";
import { ed25519Signer, erasureService } from "@daicho/core/erasure";
import { isTombstone } from "@daicho/core/keys";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqliteStore } from "../sqlite/index";
import { sqliteKeyStore } from "./store";

const kek = { id: "kek-prop", key: new Uint8Array(32).fill(11) };
const signer = ed25519Signer("shredding.test", new Uint8Array(32).fill(12));

/** Every file the library wrote in `dir` (ledger, key store, their -wal and -shm). */
function filesIn(dir: string): Buffer[] {
  return readdirSync(dir).map((f) => readFileSync(join(dir, f)));
}

function occursIn(files: Buffer[], needle: Uint8Array): boolean {
  return files.some((f) => f.indexOf(Buffer.from(needle)) !== -1);
}

const subjectCount = 4;
const history = fc.array(
  fc.record({
    subjects: fc.uniqueArray(fc.integer({ min: 0, max: subjectCount - 1 }), {
      minLength: 1,
      maxLength: 3,
    }),
    token: fc.stringMatching(/^[A-Za-z0-9]{10,24}$/),
    keep: fc.boolean(),
  }),
  { minLength: 1, maxLength: 25 },
);

describe("crypto-shredding on SQLite (ledger file + separate key file)", () => {
  it("leaves no byte of an erased subject's values or keys in any file, keeps the others readable and verify passing", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        history,
        fc.integer({ min: 0, max: subjectCount - 1 }),
        async (events, victimIndex) => {
          const dir = mkdtempSync(join(tmpdir(), "daicho-shred-"));
          const victim = `contact-${victimIndex}`;
          try {
            const ledger = await openLedger({
              store: sqliteStore(join(dir, "ledger.db")),
              ledgerId: "shred.test/ledger",
              keys: { store: sqliteKeyStore(join(dir, "keys.db")), kek },
            });
            const values = new Map<string, string[]>();
            let i = 0;
            for (const ev of events) {
              const subjects = ev.subjects.map((s) => `contact-${s}`);
              const personal = subjects.map((s) => {
                const value = `PV${run}x${i++}${ev.token}@${s}.example`;
                values.set(s, [...(values.get(s) ?? []), value]);
                return ev.keep
                  ? { subject: s, field: "email", value, keep: "example" }
                  : { subject: s, field: "email", value };
              });
              await ledger.append({
                type: "record.updated",
                actor: { id: "user-1" },
                subjects,
                payload: {
                  resource: { type: "contact", id: subjects[0] as string },
                  fields: ["email"],
                },
                personal,
              } as EventInput);
            }
            run++;
            if (!values.has(victim)) {
              await ledger.close();
              return;
            }
            // Capture the victim's raw and wrapped key to prove the scan can see them before.
            const ring = ledger.keys;
            if (ring === undefined) throw new Error("ledger has no keys");
            const records = await ring.store.forSubject(victim);
            if (isTombstone(records)) throw new Error("unexpected tombstone");
            const record = records[0];
            if (record === undefined) throw new Error("victim has no key");
            const wrapped = record.wrapped;
            const rawKey = (await ring.readKey(victim, record.keyId)) as Uint8Array;
            expect(occursIn(filesIn(dir), wrapped)).toBe(true);
            for (const v of values.get(victim) ?? [])
              expect(occursIn(filesIn(dir), Buffer.from(v))).toBe(false);

            const erasure = erasureService({ ledger, signer, actor: { id: "dpo" } });
            const req = await erasure.request(victim, { requestedBy: victim, channel: "email" });
            const out = await erasure.execute(req.requestId);
            expect(out.outcome).toBe("erased");
            const again = await erasure.execute(req.requestId);
            expect(again.outcome).toBe("already-erased");

            for (const stage of ["open", "closed"] as const) {
              if (stage === "closed") {
                await ring.store.close();
                await ledger.close();
              }
              const files = filesIn(dir);
              for (const v of values.get(victim) ?? [])
                expect(occursIn(files, Buffer.from(v))).toBe(false);
              expect(occursIn(files, wrapped)).toBe(false);
              expect(occursIn(files, rawKey)).toBe(false);
            }

            const reopened = await openLedger({
              store: sqliteStore(join(dir, "ledger.db")),
              keys: { store: sqliteKeyStore(join(dir, "keys.db")), kek },
            });
            expect((await reopened.verify()).ok).toBe(true);
            for await (const e of reopened.readOpened()) {
              for (const f of e.fields) {
                if (f.subject === victim)
                  expect(isRedacted(f.value) && f.value.reason).toBe("erased");
                else expect(values.get(f.subject)).toContain(f.value);
              }
            }
            await reopened.keys?.store.close();
            await reopened.close();
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it("refuses a wrong KEK before touching either file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "daicho-shred-"));
    try {
      const ledger = await openLedger({
        store: sqliteStore(join(dir, "ledger.db")),
        ledgerId: "shred.test/ledger",
        keys: { store: sqliteKeyStore(join(dir, "keys.db")), kek },
      });
      await ledger.append({
        type: "record.created",
        actor: { id: "u" },
        subjects: ["c-1"],
        payload: { resource: { type: "contact", id: "c-1" }, fields: ["email"] },
        personal: [{ subject: "c-1", field: "email", value: "a@example.org" }],
      });
      await ledger.keys?.store.close();
      await ledger.close();
      // Compare the main files by digest: opening may create empty -wal/-shm files, never change data.
      const digest = () =>
        readdirSync(dir)
          .filter((f) => f.endsWith(".db"))
          .map(
            (f) =>
              `${f}:${createHash("sha256")
                .update(readFileSync(join(dir, f)))
                .digest("hex")}`,
          );
      const before = digest();
      const keys = sqliteKeyStore(join(dir, "keys.db"));
      const events = sqliteStore(join(dir, "ledger.db"));
      const err = await openLedger({
        store: events,
        keys: { store: keys, kek: { id: "kek-prop", key: new Uint8Array(32) } },
      }).catch((e) => e);
      expect(isDaichoError(err, "WRONG_KEK")).toBe(true);
      expect(await keys.count()).toBe(1);
      await keys.close();
      await events.close();
      expect(digest()).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
