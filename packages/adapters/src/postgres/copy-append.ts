import type { ChainHead, StoredEvent } from "@daicho/core";
import type pg from "pg";
import { type CopyField, encodeCopyBinary } from "./copy-binary";
import { copyIn } from "./copy-in";
import { SQLSTATE } from "./errors";

/**
 * Batches at least this long are appended by `COPY` (`appendByCopy`); shorter ones by one
 * call of `append_events`. COPY costs more round trips (BEGIN, lock, COPY ×2, UPDATE,
 * COMMIT are separate statements) but moves rows in PostgreSQL's binary format, with no
 * array literals to build in JavaScript or take apart on the server. Measured with the
 * store alone (`pnpm bench pg-batch`, loaded 2-core machine): COPY / append_events was
 * 0.52× at 4 rows, 0.78× at 16, 0.57× at 64, 1.35× at 256 and 1.4–1.7× at 1000, so small
 * group commits of single events stay one round trip.
 */
export const COPY_THRESHOLD = 256;

const EVENT_KINDS = [
  "bigint",
  "bigint",
  "text",
  "text",
  "text",
  "text[]",
  "text",
  "text",
  "text",
] as const;
const SUBJECT_KINDS = ["bigint", "text", "bigint"] as const;

/**
 * Append `events` to the ledger with key `key` by binary `COPY`, in one transaction on
 * one connection: the head row is locked (`FOR UPDATE`, the same lock `append_events`
 * takes, so both paths queue behind each other) and compared with `expected`, the events
 * and their subject rows are copied in, the head is moved, and the commit is synchronous.
 * Any failure — a row the server refuses, a lost connection, a killed server — leaves the
 * transaction uncommitted, so the ledger holds all of the batch or none of it. Errors are
 * the server's (or `{ code: DA001/DA002 }` for a moved head / unknown ledger) for the
 * caller to map with `pgError`.
 */
export async function appendByCopy(
  pool: pg.Pool,
  s: string,
  key: string,
  events: readonly StoredEvent[],
  expected: ChainHead | null,
): Promise<void> {
  const eventRows: CopyField[][] = new Array(events.length);
  const subjectRows: CopyField[][] = [];
  events.forEach((e, i) => {
    eventRows[i] = [key, e.seq, e.id, e.type, e.recordedAt, e.subjects, e.prevHash, e.hash, e.body];
    for (const subject of e.subjects) subjectRows.push([key, subject, e.seq]);
  });
  const eventData = encodeCopyBinary(EVENT_KINDS, eventRows);
  const subjectData = encodeCopyBinary(SUBJECT_KINDS, subjectRows);
  const last = events[events.length - 1] as StoredEvent;
  const client = await pool.connect();
  // A connection that dies while checked out emits 'error' on the client (EPIPE mid-COPY);
  // unheard, Node would crash. The pending query rejects with it, which is what we report.
  const ignore = () => {};
  client.on("error", ignore);
  let broken: unknown;
  try {
    await client.query("BEGIN");
    // An acknowledged append must be durable: never commit it asynchronously.
    const head = await client.query({
      text: `SELECT head_seq, head_hash, fenced_at, CASE WHEN current_setting('synchronous_commit') = 'off'
               THEN set_config('synchronous_commit', 'on', true) END
             FROM ${s}.ledgers WHERE ledger_key = $1 FOR UPDATE`,
      values: [key],
      rowMode: "array",
    });
    const row = head.rows[0] as [string, string | null, string | null] | undefined;
    if (row === undefined) throw { code: SQLSTATE.notInitialised };
    if (row[2] !== null) throw { code: SQLSTATE.fenced, detail: row[2] };
    if (
      Number(row[0]) !== (expected === null ? -1 : expected.seq) ||
      row[1] !== (expected === null ? null : expected.hash)
    ) {
      throw { code: SQLSTATE.headMoved, detail: row[0] };
    }
    await copyIn(
      client,
      `COPY ${s}.events (ledger_key, seq, id, type, recorded_at, subjects, prev_hash, hash, body) FROM STDIN (FORMAT binary)`,
      eventData,
    );
    if (subjectRows.length > 0) {
      await copyIn(
        client,
        `COPY ${s}.event_subjects (ledger_key, subject, seq) FROM STDIN (FORMAT binary)`,
        subjectData,
      );
    }
    await client.query({
      text: `UPDATE ${s}.ledgers SET head_seq = $2, head_hash = $3 WHERE ledger_key = $1`,
      values: [key, last.seq, last.hash],
    });
    await client.query("COMMIT");
  } catch (e) {
    broken = e;
    await client.query("ROLLBACK").catch((x: unknown) => {
      broken = x; // the connection itself is gone: do not hand it back to the pool
    });
    throw e;
  } finally {
    client.off("error", ignore);
    client.release(broken instanceof Error && isConnectionLoss(broken) ? broken : undefined);
  }
}

/** A lost connection must not return to the pool (it would fail the next caller). */
function isConnectionLoss(e: Error): boolean {
  const code = (e as { code?: string }).code;
  return code === undefined || code.startsWith("08") || code.startsWith("57P");
}
