/**
 * The consumer smoke scenario, run once from an ES module (smoke.mts) and once from a
 * CommonJS module (smoke.cts). It takes the packages as loaded by its caller, so each run
 * exercises that caller's way of loading them: `import` or `require`.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type * as SqliteAdapter from "@daicho/adapters/sqlite";
import type * as SqliteKeys from "@daicho/adapters/sqlite-keys";
import type * as Core from "@daicho/core";

export interface Packages {
  readonly core: typeof Core;
  readonly sqlite: typeof SqliteAdapter;
  readonly sqliteKeys: typeof SqliteKeys;
}

const NAME = "Hanako Yamada";
const EMAIL = "hanako@example.jp";

/** Append, verify and open sealed fields on SQLite in `dir`; throws on any deviation. */
export async function runScenario(pkgs: Packages, dir: string, label: string): Promise<void> {
  const { core, sqlite, sqliteKeys } = pkgs;
  const ledgerFile = join(dir, `${label}-ledger.db`);
  const kek = { id: "kek-1", key: new Uint8Array(randomBytes(32)) };
  const open = () =>
    core.openLedger({
      store: sqlite.sqliteStore(ledgerFile),
      ledgerId: `consumer.example/${label}`,
      keys: { store: sqliteKeys.sqliteKeyStore(join(dir, `${label}-keys.db`)), kek },
    });

  const ledger = await open();
  const event = await ledger.append({
    type: "record.created",
    actor: { id: "sales-tanaka" },
    subjects: ["contact-0001"],
    payload: { resource: { type: "contact", id: "contact-0001" }, fields: ["name", "email"] },
    personal: [
      { subject: "contact-0001", field: "name", value: NAME },
      { subject: "contact-0001", field: "email", value: EMAIL },
    ],
  });
  assert.equal(event.seq, 0);

  // A bad input (here untyped, as from a request body) is refused with a typed error
  // naming the path, and nothing is written. TypeScript callers are stopped earlier:
  // appendBatch takes EventInput[], so this literal would not compile.
  const untrusted: unknown = JSON.parse(
    '{"type":"record.created","actor":{"id":"x"},"payload":{"bogus":1}}',
  );
  assert.throws(
    () => core.decodeEventInputOrThrow(untrusted),
    (e: unknown) => e instanceof core.DaichoError && e.code === "DECODE_ERROR",
  );
  await assert.rejects(
    ledger.appendBatch([untrusted as Core.EventInput]),
    (e: unknown) =>
      e instanceof core.DaichoError && e.code === "DECODE_ERROR" && e.path === "$[0].payload.bogus",
  );

  const report = await ledger.verify();
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.equal(report.count, 1);

  // A large batch goes to the append pool's worker threads (the built append-worker.js
  // beside the package's modules); its bytes equal a single-threaded ledger's.
  const batch = Array.from(
    { length: 300 },
    (_, i) =>
      ({
        type: "record.updated",
        id: `0193a4c2-8f1e-7abc-9def-${String(i).padStart(12, "0")}`,
        actor: { id: "import-job" },
        subjects: [`contact-${i % 50}`],
        payload: { resource: { type: "contact", id: `contact-${i % 50}` }, fields: ["name"] },
      }) as Core.EventInput,
  );
  const clock = () => new Date("2026-12-02T00:00:00.000Z");
  const pooled = await core.openLedger({
    store: core.memoryStore(),
    ledgerId: `consumer.example/${label}-pool`,
    workers: 2,
    clock,
  });
  const single = await core.openLedger({
    store: core.memoryStore(),
    ledgerId: `consumer.example/${label}-pool`,
    workers: 0,
    clock,
  });
  const threads = () => (existsSync("/proc/self/task") ? readdirSync("/proc/self/task").length : 0);
  const before = threads();
  const [viaPool, viaThread] = [await pooled.appendBatch(batch), await single.appendBatch(batch)];
  assert.equal(JSON.stringify(viaPool), JSON.stringify(viaThread));
  // On Linux, the two worker threads are there to count (the batch did not stay here).
  if (before > 0) assert.ok(threads() >= before + 2, `no worker threads: ${before} → ${threads()}`);
  assert.equal((await pooled.verify()).count, 300);
  await pooled.close();
  await single.close();

  const fields = await ledger.openPersonal(event);
  assert.deepEqual(
    fields.map((f) => [f.field, f.value]),
    [
      ["name", NAME],
      ["email", EMAIL],
    ],
  );
  await ledger.close();

  // The plaintext never reaches the ledger file.
  for (const file of [ledgerFile, `${ledgerFile}-wal`]) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    assert.equal(bytes.includes(NAME), false, `${file} holds a personal value in clear`);
    assert.equal(bytes.includes(EMAIL), false, `${file} holds a personal value in clear`);
  }

  // Reopened, the ledger still verifies and still opens its sealed fields.
  const again = await open();
  assert.equal((await again.verify()).ok, true);
  let opened = 0;
  for await (const stored of again.read()) opened += (await again.openPersonal(stored)).length;
  assert.equal(opened, 2);
  await again.close();
  console.log(`${label}: appended, verified and opened sealed fields in ${ledgerFile}`);
}
