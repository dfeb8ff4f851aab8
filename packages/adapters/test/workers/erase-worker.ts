/**
 * An eraser process on a SQLite ledger and key store: `seed` records sealed values for
 * `victim` and `other` (answers `seeded <victim's keyId>`), `erase` executes an erasure of
 * `victim`, retrying while the key file is busy (answers `erased <keyCopies>`). It never
 * closes anything: the test kills it with SIGKILL right after.
 */
import { createInterface } from "node:readline";
import { isDaichoError, openLedger } from "@daicho/core";
import { ed25519Signer, erasureService } from "@daicho/core/erasure";
import { personalInput } from "@daicho/core/testing";
import { sqliteStore } from "../../src/sqlite/index";
import { sqliteKeyStore } from "../../src/sqlite-keys/index";

const args = JSON.parse(process.argv[2] as string) as {
  ledger: string;
  keys: string;
  kek: number[];
  victim: string;
  other: string;
  busyTimeoutMs: number;
};
const ledger = await openLedger({
  store: sqliteStore(args.ledger),
  ledgerId: "residue.test/ledger",
  keys: {
    store: sqliteKeyStore(args.keys, { busyTimeoutMs: args.busyTimeoutMs }),
    kek: { id: "kek-residue", key: Uint8Array.from(args.kek) },
  },
});
const erasure = erasureService({
  ledger,
  signer: ed25519Signer("residue.test", new Uint8Array(32).fill(7)),
  actor: { id: "dpo" },
});
const note = personalInput;

process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "seed") {
    await ledger.append(note(args.victim, "victim@example.org"));
    await ledger.append(note(args.other, "other@example.org"));
    await ledger.append(note(args.victim, "victim-2@example.org"));
    process.stdout.write(`seeded ${(await ledger.keys?.keyIds(args.victim))?.[0]}\n`);
  } else if (line === "erase") {
    const r = await erasure.request(args.victim, { requestedBy: args.victim, channel: "email" });
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await erasure.execute(r.requestId);
        const copies = (out.certificate.certificate as { keyCopies?: string }).keyCopies;
        process.stdout.write(`erased ${copies ?? "-"}\n`);
        break;
      } catch (e) {
        if (!isDaichoError(e, "STORE_UNAVAILABLE") || attempt > 200) throw e;
        process.stdout.write(`busy ${attempt}\n`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}
