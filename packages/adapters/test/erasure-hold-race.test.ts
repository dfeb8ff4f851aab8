import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type EventInput,
  isDaichoError,
  type Ledger,
  openLedger,
  toLedgerEvent,
} from "@daicho/core";
import { type ErasureService, ed25519Signer, erasureService } from "@daicho/core/erasure";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqliteStore } from "../src/sqlite/index";
import { sqliteKeyStore } from "../src/sqlite-keys/index";
import { spawnLineChild } from "./child";

// Issue 11 item 3: a legal hold recorded before the erasure fence stops the erasure, even
// when it lands while `execute` is deciding, in this process or in another one. Each race
// is judged from the log afterwards: either the fence precedes the hold (a legitimate
// erasure: the hold came too late) or there is no fence and the key is intact.

const RACES = 200;
const kek = { id: "kek-race", key: new Uint8Array(32).fill(31) };
const signer = ed25519Signer("race.test", new Uint8Array(32).fill(32));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "daicho-hold-race-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function note(subject: string): EventInput {
  return {
    type: "record.created",
    actor: { id: "agent-1" },
    subjects: [subject],
    payload: { resource: { type: "contact", id: subject }, fields: ["email"] },
    personal: [{ subject, field: "email", value: `${subject}@example.org` }],
  } as EventInput;
}

async function setup(): Promise<{ ledger: Ledger; erasure: ErasureService; requests: string[] }> {
  const ledger = await openLedger({
    store: sqliteStore(join(dir, "ledger.db"), { synchronous: "normal", busyTimeoutMs: 30_000 }),
    ledgerId: "race.test/ledger",
    keys: { store: sqliteKeyStore(join(dir, "keys.db"), { synchronous: "normal" }), kek },
    maxConflictRetries: 1000,
  });
  const erasure = erasureService({ ledger, signer, actor: { id: "dpo" } });
  const requests: string[] = [];
  for (let i = 0; i < RACES; i++) {
    await ledger.append(note(`c-${i}`));
    const r = await erasure.request(`c-${i}`, { requestedBy: `c-${i}`, channel: "email" });
    requests.push(r.requestId);
  }
  return { ledger, erasure, requests };
}

/** Let the other side run first for a while: microtasks, event-loop turns, or nothing. */
async function jitter(i: number): Promise<void> {
  const k = (i * 7) % 23;
  if (i % 3 === 0) for (let j = 0; j < k * 3; j++) await Promise.resolve();
  else if (i % 3 === 1) for (let j = 0; j < k % 6; j++) await new Promise(setImmediate);
}

/** How one race ended, read from the log and the key store; `wrong` when the hold came first. */
type Verdict = "erased" | "refused" | { wrong: string };

async function judge(ledger: Ledger, subject: string): Promise<Verdict> {
  let fence: number | undefined;
  let hold: number | undefined;
  for await (const s of ledger.store.readSubject(subject)) {
    const e = toLedgerEvent(s);
    if (e.type === "erasure.fenced") fence ??= e.seq;
    if (e.type === "legal-hold.placed") hold ??= e.seq;
  }
  if (fence !== undefined) {
    return hold === undefined || fence < hold
      ? "erased"
      : { wrong: `${subject}: hold #${hold} before fence #${fence}` };
  }
  const keys = await ledger.keys?.keyIds(subject);
  const erased = await ledger.keys?.isErased(subject);
  return keys?.length === 1 && erased === false
    ? "refused"
    : { wrong: `${subject}: no fence but keys gone` };
}

/** Every race judged legitimate, the counts printed, the chain intact; closes the ledger. */
async function expectNoWrongErasure(
  label: string,
  results: readonly Verdict[],
  ledger: Ledger,
): Promise<void> {
  const wrong = results.flatMap((r) => (typeof r === "object" ? [r.wrong] : []));
  const erased = results.filter((r) => r === "erased").length;
  const refused = results.filter((r) => r === "refused").length;
  console.log(
    `${label}: ${erased} erased before the hold, ${refused} refused, ${wrong.length} wrong`,
  );
  expect(wrong).toEqual([]);
  expect(erased + refused).toBe(RACES);
  expect((await ledger.verify()).ok).toBe(true);
  await ledger.close();
}

describe("a legal hold recorded before the fence stops the erasure", () => {
  it(`in one process: zero wrong erasures over ${RACES} races of execute against placeHold`, {
    timeout: 60_000,
  }, async () => {
    const { ledger, erasure, requests } = await setup();
    const results: Verdict[] = [];
    for (let i = 0; i < RACES; i++) {
      const subject = `c-${i}`;
      const hold = () => erasure.placeHold([subject], { holdId: `h-${i}`, reason: "litigation" });
      const outcomes =
        i % 2 === 0
          ? [erasure.execute(requests[i] as string), jitter(i).then(hold)]
          : [hold(), jitter(i).then(() => erasure.execute(requests[i] as string))];
      const settled = await Promise.allSettled(outcomes);
      for (const s of settled) {
        if (s.status === "rejected" && !isDaichoError(s.reason, "LEGAL_HOLD")) throw s.reason;
      }
      results.push(await judge(ledger, subject));
    }
    await expectNoWrongErasure("one process", results, ledger);
  });

  it(`across two processes: zero wrong erasures over ${RACES} races against holds from a child process`, {
    timeout: 90_000,
  }, async () => {
    const { ledger, erasure, requests } = await setup();
    const child = spawnLineChild("hold-worker.ts", { path: join(dir, "ledger.db") });
    await child.next("ready");
    const results: Verdict[] = [];
    try {
      for (let i = 0; i < RACES; i++) {
        const subject = `c-${i}`;
        const held = child.next(`held ${subject} `);
        let executed: Promise<unknown>;
        if (i % 2 === 0) {
          child.send(`hold ${subject} h-${i}`);
          await jitter(i);
          executed = erasure.execute(requests[i] as string);
        } else {
          executed = erasure.execute(requests[i] as string);
          await jitter(i);
          child.send(`hold ${subject} h-${i}`);
        }
        const [exec] = await Promise.allSettled([executed, held]);
        if (exec.status === "rejected" && !isDaichoError(exec.reason, "LEGAL_HOLD"))
          throw exec.reason;
        results.push(await judge(ledger, subject));
      }
    } finally {
      child.send("exit");
      await child.exited;
    }
    await expectNoWrongErasure("two processes", results, ledger);
  });
});
