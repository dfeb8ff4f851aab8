import { openLedger } from "@daicho/core";
import { isRedacted } from "@daicho/core/crypto";
import { ed25519Signer, erasureService } from "@daicho/core/erasure";
import { personalInput, unwrappingRanges } from "@daicho/core/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "../src/postgres/harness/index";
import { openPostgres } from "../src/postgres/index";
import { filesBelow } from "./key-scan";

// Issue 11 item 9, PostgreSQL: a deleted row stays in pg_wal (and free heap space, WAL
// archives, base backups) whatever the library does, so the cure is that the KEK those
// copies are wrapped under is no longer the one in use. With `nextKek`, an erasure
// retires the KEK right after destroying the keys; the test scans every file of the
// cluster's data directory, pg_wal included, after VACUUM FULL and CHECKPOINT.

const signer = ed25519Signer("residue.test", new Uint8Array(32).fill(5));
const kek = (id: string, fill: number) => ({ id, key: new Uint8Array(32).fill(fill) });
const VICTIM = "c-victim";

let cluster: PgCluster;
let dataDir: string;
beforeAll(async () => {
  cluster = await startPgCluster({ privateCluster: true });
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  dataDir = (await client.query<{ data_directory: string }>("SHOW data_directory")).rows[0]
    ?.data_directory as string;
  await client.end();
});
afterAll(() => cluster?.destroy());

const note = personalInput;

/** Erase VICTIM in a fresh schema, VACUUM FULL and CHECKPOINT; the erased key's id and the certificate. */
async function eraseOnPostgres(
  schema: string,
  current: { id: string; key: Uint8Array },
  next?: { id: string; key: Uint8Array },
) {
  const db = await openPostgres({ connectionString: cluster.url, schema, migrate: true });
  const ledger = await openLedger({
    store: db.store("t1"),
    ledgerId: `residue.test/${schema}`,
    keys: { store: db.keyStore("t1"), kek: current },
  });
  for (let i = 0; i < 3; i++) await ledger.append(note(VICTIM, `victim-${i}@example.org`));
  for (let i = 0; i < 5; i++) await ledger.append(note(`c-${i}`, `other-${i}@example.org`));
  const keyId = (await ledger.keys?.keyIds(VICTIM))?.[0] as string;
  const erasure = erasureService({
    ledger,
    signer,
    actor: { id: "dpo" },
    ...(next ? { nextKek: () => next } : {}),
  });
  const r = await erasure.request(VICTIM, { requestedBy: VICTIM, channel: "email" });
  const { certificate } = await erasure.execute(r.requestId);
  const values: unknown[] = [];
  for await (const e of ledger.readOpened()) values.push(...e.fields.map((f) => f.value));
  await ledger.close();
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  await client.query(`VACUUM FULL ${schema}.subject_keys`);
  await client.query("CHECKPOINT");
  await client.end();
  return { keyId, certificate: certificate.certificate, values };
}

describe("destroyed keys leave nothing that unwraps under the KEK in use (PostgreSQL)", () => {
  it("retires the KEK after the destruction (nextKek): no byte range of the data directory, pg_wal included, unwraps under the KEK in use", {
    timeout: 120_000,
  }, async () => {
    const old = kek("kek-pg-1", 41);
    const next = kek("kek-pg-2", 42);
    const { keyId, certificate, values } = await eraseOnPostgres("residue_rotate", old, next);
    expect(certificate).toMatchObject({ keyCopies: "retired-kek", kekId: old.id });
    // The other subjects stay readable under the new KEK; the victim reads as erased.
    expect(values.filter((v) => typeof v === "string")).toHaveLength(5);
    expect(values.filter((v) => isRedacted(v) && v.reason === "erased")).toHaveLength(3);
    const files = filesBelow(dataDir);
    const under = (k: { id: string }) => [{ keyId, subject: VICTIM, kekId: k.id }];
    expect(unwrappingRanges(files, next, under(next))).toEqual([]);
    // The copies are there — under the retired KEK only, which the host now destroys.
    expect(unwrappingRanges(files, old, under(old), { firstOnly: true })).toHaveLength(1);
  });

  it("without nextKek the certificate says copies still unwrap under the KEK in use, and they do", {
    timeout: 120_000,
  }, async () => {
    const current = kek("kek-pg-3", 43);
    const { keyId, certificate } = await eraseOnPostgres("residue_keep", current);
    expect(certificate).toMatchObject({ keyCopies: "current-kek", kekId: current.id });
    const binding = { keyId, subject: VICTIM, kekId: current.id };
    expect(
      unwrappingRanges(filesBelow(dataDir), current, [binding], { firstOnly: true }),
    ).toHaveLength(1);
  });
});
