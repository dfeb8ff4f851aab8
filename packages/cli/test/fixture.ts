import { sqliteStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { sampleInput } from "@daicho/core/testing";
import { expect } from "vitest";
import { run } from "./run";

/** Append `count` sample events (`sampleInput(from …)`) to the SQLite ledger at `path`. */
export async function appendSamples(
  path: string,
  ledgerId: string,
  from: number,
  count: number,
): Promise<void> {
  const ledger = await openLedger({ store: sqliteStore(path), ledgerId });
  await ledger.appendBatch(Array.from({ length: count }, (_, i) => sampleInput(from + i)));
  await ledger.close();
}

/** `daicho keygen` for the log, then `daicho checkpoint` of `db` into `cpFile`. */
export async function signedCheckpoint(
  db: string,
  ledgerId: string,
  keyFile: string,
  cpFile: string,
): Promise<void> {
  expect((await run("keygen", ledgerId, "--out", keyFile)).code).toBe(0);
  const cp = await run("checkpoint", db, "--key", keyFile, "--out", cpFile);
  expect(cp.code, cp.err).toBe(0);
}
