import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import type { PersonalField } from "./crypto/redacted";
import { decodeWith } from "./decode";
import type { Actor, LedgerEvent } from "./events/envelope";
import type { EventInput } from "./events/input";
import { Id, Label, strictStruct } from "./events/primitives";
import type { Ledger, OpenedEvent } from "./ledger";
import type { ReadRange } from "./store/store";

/**
 * Who reads the ledger's personal values, and why (issue 14 item 8: reading the ledger is
 * an access too). `actor` is the staff member or tool (a console user, `daicho` run by an
 * auditor with keys); `purpose` a label such as `dsar-review` or `incident-response`.
 */
export interface ReadAs {
  readonly actor: t.OutputOf<typeof Actor>;
  readonly purpose: string;
}

const ReadAsCodec = strictStruct("ReadAs", {
  actor: strictStruct("ReadActor", { id: Id }),
  purpose: Label,
});

/** Resource type of a recorded ledger read: the resource is the event whose values were opened. */
export const LEDGER_EVENT_RESOURCE = "ledger-event";

/**
 * Open an event's personal fields and record the read first: one `data.accessed` (action
 * `read`, outcome `allowed`, resource `ledger-event`/the event id, the field names, the
 * purpose, channel `ledger`) naming the subjects whose values are opened, so each
 * subject's access report shows who read their data and why. The record is written
 * **before** anything is decrypted: if it cannot be written (a bad purpose or actor:
 * `DECODE_ERROR`; a closed ledger) the promise rejects and nothing is opened. An event
 * without personal fields is returned as `[]` and not recorded.
 */
export async function openPersonalRecorded(
  ledger: Ledger,
  event: LedgerEvent,
  as: ReadAs,
): Promise<PersonalField[]> {
  checkReadAs(as);
  const record = readRecord(event, as);
  if (record === undefined) return [];
  await ledger.append(record);
  return ledger.openPersonal(event);
}

/**
 * Like `ledger.readOpened(range)`, recording each event's read as
 * {@link openPersonalRecorded} does, in batches of `batch` events (one atomic append per
 * batch, before the batch is opened). The range ends at the head when the read starts, so
 * the records written meanwhile are not read back.
 */
export async function* readOpenedRecorded(
  ledger: Ledger,
  as: ReadAs,
  range: ReadRange = {},
  options: { readonly batch?: number } = {},
): AsyncIterable<OpenedEvent> {
  checkReadAs(as);
  const size = Math.max(1, options.batch ?? 100);
  const head = await ledger.head();
  const to = Math.min(range.to ?? Number.POSITIVE_INFINITY, (head?.seq ?? -1) + 1);
  let pending: LedgerEvent[] = [];
  const flush = async function* () {
    const records = pending.map((e) => readRecord(e, as)).filter((r) => r !== undefined);
    if (records.length > 0) await ledger.appendBatch(records);
    for (const e of pending) yield { ...e, fields: await ledger.openPersonal(e) };
    pending = [];
  };
  for await (const e of ledger.read({ ...range, to })) {
    pending.push(e);
    if (pending.length >= size) yield* flush();
  }
  yield* flush();
}

/** Decode who reads and why before anything happens: `DECODE_ERROR`, nothing opened. */
function checkReadAs(as: ReadAs): void {
  const r = decodeWith(
    ReadAsCodec,
    { actor: { id: as?.actor?.id }, purpose: as?.purpose },
    "readAs",
  );
  if (E.isLeft(r)) throw r.left;
}

function readRecord(event: LedgerEvent, as: ReadAs): EventInput<"data.accessed"> | undefined {
  const personal = event.personal ?? [];
  if (personal.length === 0) return undefined;
  const subjects = [...new Set(personal.map((f) => f.subject))];
  const fields = [...new Set(personal.map((f) => f.field))];
  return {
    type: "data.accessed",
    actor: {
      ...as.actor,
      context: { ...(as.actor.context ?? {}), channel: "ledger" },
    },
    subjects,
    payload: {
      resource: { type: LEDGER_EVENT_RESOURCE, id: event.id },
      fields,
      purpose: as.purpose,
      outcome: "allowed",
      action: "read",
    },
  } as EventInput<"data.accessed">;
}
