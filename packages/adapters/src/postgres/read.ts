import type { ReadRange, StoredEvent } from "@daicho/core";
import type pg from "pg";

/** An event row as `rowMode: "array"` returns it (bigint columns arrive as strings). */
export type EventRow = [string, string, string, string, string[], string, string, string];

export const EVENT_COLUMNS = "seq, id, type, recorded_at, subjects, prev_hash, hash, body";

/** Run a query and return its rows as arrays. */
export type RowFetcher = (query: pg.QueryConfig) => Promise<EventRow[]>;

/** Turn a row into the record the core expects. */
export function toStored(row: EventRow): StoredEvent {
  return {
    seq: Number(row[0]),
    id: row[1],
    type: row[2],
    recordedAt: row[3],
    subjects: row[4],
    prevHash: row[5],
    hash: row[6],
    body: row[7],
  };
}

/**
 * One tenant's events in `range`, read by keyset pages of `pageSize` rows. The next
 * page is fetched while the caller consumes the current one. Used by the store (on the
 * pool) and by backup/restore (on one client inside a transaction, so every page sees
 * the same snapshot).
 */
export function eventsInRange(
  fetch: RowFetcher,
  s: string,
  key: string,
  range: ReadRange,
  pageSize: number,
  statementName?: string,
): AsyncIterable<StoredEvent> {
  const to = range.to ?? Number.MAX_SAFE_INTEGER;
  return pagedBySeq(
    (from) =>
      fetch({
        ...(statementName === undefined ? {} : { name: statementName }),
        text: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE ledger_key = $1 AND seq >= $2 AND seq < $3 ORDER BY seq LIMIT $4`,
        values: [key, from, to, pageSize],
      }),
    Math.max(range.from ?? 0, 0),
    pageSize,
  );
}

/** Pages ordered by sequence number; the page after one full page starts at its last seq + 1. */
export async function* pagedBySeq(
  page: (from: number) => Promise<EventRow[]>,
  start: number,
  pageSize: number,
): AsyncIterable<StoredEvent> {
  let next: Promise<EventRow[]> | null = page(start);
  while (next !== null) {
    const rows: EventRow[] = await next;
    next = null;
    const last = rows[rows.length - 1];
    if (last !== undefined && rows.length === pageSize) {
      next = page(Number(last[0]) + 1);
      next.catch(() => {}); // surfaced when awaited; the caller may stop early
    }
    for (const row of rows) yield toStored(row);
  }
}
