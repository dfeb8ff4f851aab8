/**
 * Another process that holds a key store open: the library's key store, plus a plain
 * connection that can keep a read transaction open (`read-begin` … `read-end`), as a
 * long report over the key file would. Prints `ready`, `reading`, `read-ended`.
 */
import { createInterface } from "node:readline";
import Database from "better-sqlite3";
import { sqliteKeyStore } from "../../src/sqlite-keys/index";

const args = JSON.parse(process.argv[2] as string) as { keys: string };
const store = sqliteKeyStore(args.keys, { busyTimeoutMs: 30_000 });
await store.count();
const raw = new Database(args.keys, { timeout: 30_000 });
process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "read-begin") {
    raw.exec("BEGIN");
    raw.prepare("SELECT count(*) AS n FROM daicho_data_keys").get();
    process.stdout.write("reading\n");
  } else if (line === "read-end") {
    raw.exec("COMMIT");
    process.stdout.write("read-ended\n");
  }
}
