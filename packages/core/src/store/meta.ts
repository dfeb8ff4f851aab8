import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { decodeWith } from "../decode";
import { DaichoError } from "../errors";
import { strictStruct } from "../events/primitives";
import type { LedgerMeta } from "./store";

/**
 * The ledger metadata as a store keeps it (spec §11): exactly `ledgerId`, `createdAt` and
 * `envelopeVersion`. A stored copy with a member missing, renamed or added was not written
 * by this library, so it is refused rather than read in part.
 */
export const StoredLedgerMeta = strictStruct("StoredLedgerMeta", {
  ledgerId: t.string,
  createdAt: t.string,
  envelopeVersion: t.Int,
});

/**
 * Decode a store's metadata record: `stored` is JSON text (as SQLite keeps it) or an
 * already parsed value (a KurrentDB event's data). Throws STORE_CORRUPT naming `source` when it is not JSON or not exactly a
 * `LedgerMeta`: the file or stream was edited outside the library.
 */
export function decodeStoredMeta(stored: unknown, source: string): LedgerMeta {
  let value = stored;
  if (typeof stored === "string") {
    try {
      value = JSON.parse(stored);
    } catch {
      throw corrupt(source, "is not JSON");
    }
  }
  const decoded = decodeWith(StoredLedgerMeta, value, "meta");
  if (E.isLeft(decoded)) throw corrupt(source, `is malformed at ${decoded.left.path ?? "meta"}`);
  return decoded.right;
}

const corrupt = (source: string, what: string) =>
  new DaichoError(
    "STORE_CORRUPT",
    `the ledger metadata in ${source} ${what}: it was edited outside the library; restore the file or stream from a backup and run \`daicho verify\``,
    { path: "meta" },
  );
