import type pg from "pg";

/**
 * The part of node-postgres' connection a COPY FROM STDIN needs. `pg` drives any object
 * with a `submit(connection)` method through the protocol (its "submittable" interface)
 * and hands it the CopyInResponse; the connection already speaks CopyData, CopyDone and
 * CopyFail, so no extra package (pg-copy-streams) is needed for a buffer held in memory.
 */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

/** The most bytes sent in one CopyData message (PostgreSQL accepts up to 1 GiB). */
const CHUNK = 1 << 20;

/**
 * Run `COPY … FROM STDIN` (`sql`) on `client` and send `data` (already in the COPY's
 * format). Resolves with the number of rows PostgreSQL reports once the server accepted
 * every row; rejects with the server's error (a row it refused, a lost connection). The
 * caller owns the transaction: a COPY that fails inside one leaves it aborted, so nothing
 * it sent is ever committed.
 */
export function copyIn(client: pg.PoolClient, sql: string, data: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    let failed: unknown;
    let done = false;
    const finish = (e: unknown) => {
      if (done) return;
      done = true;
      if (e === undefined) resolve(rows);
      else reject(e);
    };
    const submittable = {
      submit(connection: CopyConnection) {
        connection.query(sql);
      },
      handleCopyInResponse(connection: CopyConnection) {
        for (let at = 0; at < data.length; at += CHUNK) {
          connection.sendCopyFromChunk(data.subarray(at, Math.min(at + CHUNK, data.length)));
        }
        connection.endCopyFrom();
      },
      handleCommandComplete(msg: { text?: string }) {
        const n = /^COPY (\d+)$/.exec(msg.text ?? "");
        rows = n === null ? 0 : Number(n[1]);
      },
      handleError(e: unknown) {
        failed = e;
        // The server sends ReadyForQuery after an error; a dead connection never will.
        finish(e);
      },
      handleReadyForQuery() {
        finish(failed);
      },
      // A COPY FROM STDIN sends no rows back; these complete the interface pg calls.
      handleRowDescription() {},
      handleDataRow() {},
      handlePortalSuspended() {},
      handleEmptyQuery() {},
      handleCopyData() {},
    };
    (client as unknown as { query(s: unknown): void }).query(submittable);
  });
}
