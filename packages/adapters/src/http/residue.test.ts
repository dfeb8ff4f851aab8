import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KeyStore, type Ledger, type LedgerEvent, openLedger, type Store } from "@daicho/core";
import { exportBundle } from "@daicho/core/bundle";
import { ed25519Signer as checkpointSigner, emitCheckpoint } from "@daicho/core/checkpoint";
import { erasureService, STATEMENT_FIELD } from "@daicho/core/erasure";
import { type TreeStore, withTree } from "@daicho/core/merkle";
import { afterAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "../postgres/harness/index";
import { openPostgres, type PostgresDatabase } from "../postgres/index";
import { sqliteStore, sqliteTreeStore } from "../sqlite/index";
import { sqliteKeyStore } from "../sqlite-keys/index";
import { dsrHandler } from "./handler";
import { dpoOnly, PRINCIPALS, signer } from "./test-fixture";

/**
 * Issue 11 item 8, end to end: a data subject files an erasure request over HTTP with a
 * distinctive reason (ASCII and Japanese); the DPO reads it, then executes the erasure.
 * Afterwards no file the library wrote — ledger, key store, their journals, an audit
 * bundle, a backup — holds the text in any encoding a reader could find it in.
 */
const ASCII = "Residue-7Qx: please delete all you hold on me, I moved to Osaka";
const JAPANESE = "消去希望：わたしの記録を全部削除してください。理由は転居です（目印ﾏｰｶｰ７Ｑ）";
const REASON = `${ASCII} / ${JAPANESE}`;
/** A clear-text Note written alongside: the scan must find it, or it proves nothing. */
const CONTROL = "control note Zz9 for the residue scan";

const ledgerId = "residue.test/ledger";
const kek = { id: "kek-residue", key: new Uint8Array(32).fill(21) };
const logSigner = checkpointSigner(ledgerId, new Uint8Array(32).fill(22));

/** Every byte form the text could be stored in: UTF-8, JSON-escaped, \u-escaped, UTF-16. */
function forms(text: string): Buffer[] {
  const escaped = (upper: boolean) =>
    text
      .split("")
      .map((c) => {
        const unit = c.charCodeAt(0);
        if (unit < 0x80) return c;
        const hex = unit.toString(16).padStart(4, "0");
        return `\\u${upper ? hex.toUpperCase() : hex}`;
      })
      .join("");
  return [
    Buffer.from(text, "utf8"),
    Buffer.from(JSON.stringify(text).slice(1, -1), "utf8"),
    Buffer.from(escaped(false), "utf8"),
    Buffer.from(escaped(true), "utf8"),
    Buffer.from(text, "utf16le"),
  ];
}

const NEEDLES = [REASON, ASCII, JAPANESE, "Residue-7Qx", "目印ﾏｰｶｰ７Ｑ"].flatMap(forms);

/** Every regular file below `dir`, read whole. */
function filesBelow(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st === undefined) continue; // removed while we walked (a server's temp file)
    if (st.isDirectory()) out.push(...filesBelow(path));
    else if (st.isFile()) out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}

function hits(files: { path: string; bytes: Buffer }[], needles: Buffer[]): string[] {
  return files.flatMap((f) =>
    needles.filter((n) => f.bytes.includes(n)).map((n) => `${f.path}: ${n.toString("utf8")}`),
  );
}

interface Target {
  readonly store: Store;
  readonly keys: KeyStore;
  readonly tree: TreeStore;
}

/** The whole story over HTTP; returns the bundle text exported after the erasure. */
async function story(target: Target, writeFile: (name: string, text: string) => void) {
  const ledger: Ledger = await openLedger({
    store: target.store,
    ledgerId,
    keys: { store: target.keys, kek },
  });
  const { tree, detach } = await withTree(ledger, target.tree);
  try {
    await ledger.append({
      type: "record.created",
      actor: { id: "sales-1" },
      subjects: ["c-1"],
      payload: { resource: { type: "contact", id: "c-1" }, fields: ["email"] },
      personal: [{ subject: "c-1", field: "email", value: "alice@example.jp" }],
    });
    await ledger.append({
      type: "legal-hold.released",
      actor: { id: "legal" },
      subjects: ["c-1"],
      payload: { holdId: "h-0", reason: CONTROL },
    });
    const erasure = erasureService({ ledger, signer, actor: { id: "dsr-api" } });
    const handler = dsrHandler({
      ledger,
      erasure,
      authenticate: (req) => PRINCIPALS[req.headers.get("authorization")?.slice(7) ?? ""] ?? null,
      authorize: dpoOnly,
    });
    const call = (token: string, method: string, path: string, body?: unknown) =>
      handler(
        new Request(`https://crm.example.com${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );

    const filed = await call("alice", "POST", "/subjects/c-1/erasure", {
      channel: "web-form",
      reason: REASON,
    });
    expect(filed.status).toBe(201);
    const { requestId } = (await filed.json()) as { requestId: string };

    // Before erasure the DPO reads the requester's words, through openPersonal and the report.
    let requested: LedgerEvent | undefined;
    for await (const e of ledger.read()) if (e.type === "erasure.requested") requested = e;
    if (requested === undefined) throw new Error("no erasure.requested event");
    const opened = await ledger.openPersonal(requested);
    expect(opened).toEqual([expect.objectContaining({ field: STATEMENT_FIELD, value: REASON })]);
    const report = (await (await call("dpo", "GET", "/subjects/c-1/access")).json()) as {
      personalData: { field: string; value: string | null }[];
    };
    expect(report.personalData.find((p) => p.field === STATEMENT_FIELD)?.value).toBe(REASON);

    await emitCheckpoint(tree, logSigner, ledgerId);
    writeFile(
      "bundle-before.json",
      JSON.stringify(
        await exportBundle(tree, ledgerId, { from: 0, policy: { keys: [logSigner.verifier] } }),
      ),
    );

    const executed = await call("dpo", "POST", `/erasure-requests/${requestId}/execute`);
    expect(executed.status).toBe(200);
    const after = await ledger.openPersonal(requested);
    expect(after[0]?.value).toMatchObject({ _tag: "Redacted", reason: "erased" });

    await emitCheckpoint(tree, logSigner, ledgerId);
    const bundle = JSON.stringify(
      await exportBundle(tree, ledgerId, { from: 0, policy: { keys: [logSigner.verifier] } }),
    );
    writeFile("bundle-after.json", bundle);
    expect(await ledger.verify()).toMatchObject({ ok: true });
    return { ledger, requestId, bundle };
  } finally {
    detach();
  }
}

describe("after erasure, nothing the data subject typed is readable in any file the library wrote", () => {
  it("on SQLite: ledger and key files with their -wal/-shm/-journal, and audit bundles", async () => {
    const dir = mkdtempSync(join(tmpdir(), "daicho-residue-"));
    try {
      const { ledger, requestId, bundle } = await story(
        {
          store: sqliteStore(join(dir, "ledger.db")),
          keys: sqliteKeyStore(join(dir, "keys.db")),
          tree: sqliteTreeStore(join(dir, "ledger.db")),
        },
        (name, text) => writeFileSync(join(dir, name), text),
      );
      for (const stage of ["open", "closed"] as const) {
        if (stage === "closed") {
          await ledger.keys?.store.close();
          await ledger.close();
        }
        const files = filesBelow(dir);
        expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(
          expect.arrayContaining([
            "ledger.db",
            "keys.db",
            "bundle-before.json",
            "bundle-after.json",
          ]),
        );
        // The scan sees clear text where there is some: the control Note and the request id.
        const ledgerFiles = files.filter((f) => f.path.includes("ledger.db"));
        expect(hits(ledgerFiles, forms(CONTROL)).length).toBeGreaterThan(0);
        expect(hits(files, [Buffer.from(requestId)]).length).toBeGreaterThan(0);
        expect(hits(files, NEEDLES), stage).toEqual([]);
      }
      expect(bundle).toContain(CONTROL);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("on PostgreSQL", () => {
    let cluster: PgCluster | undefined;
    let db: PostgresDatabase | undefined;
    const dir = mkdtempSync(join(tmpdir(), "daicho-residue-pg-"));
    const schema = `daicho_residue_${process.pid}`;
    afterAll(async () => {
      await db?.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await db?.close();
      cluster?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it("the cluster's data directory (heap, pg_wal), a tenant backup and audit bundles", async () => {
      cluster = await startPgCluster();
      db = await openPostgres({ connectionString: cluster.url, schema, migrate: true });
      const tenant = "residue";
      const { requestId } = await story(
        { store: db.store(tenant), keys: db.keyStore(tenant), tree: db.treeStore(tenant) },
        (name, text) => writeFileSync(join(dir, name), text),
      );
      await db.backup(tenant, join(dir, "tenant.backup"));
      await db.pool.query("CHECKPOINT");
      const scanned = filesBelow(dir);
      if (cluster.owned) {
        const dataDir = (
          await db.pool.query<{ d: string }>("SELECT current_setting('data_directory') AS d")
        ).rows[0]?.d as string;
        scanned.push(...filesBelow(dataDir));
      }
      expect(hits(scanned, forms(CONTROL)).length).toBeGreaterThan(1);
      expect(hits(scanned, [Buffer.from(requestId)]).length).toBeGreaterThan(0);
      expect(hits(scanned, NEEDLES)).toEqual([]);
    });
  });
});
