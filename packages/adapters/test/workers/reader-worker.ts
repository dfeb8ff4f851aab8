/**
 * A second CRM worker on the same SQLite ledger and key store: `read` opens every sealed
 * value and prints them as JSON (`values …`); `write <subject>` records a sealed value for
 * it and prints `wrote` or the error code. Its key cache keeps the default 60 s age limit.
 */
import { createInterface } from "node:readline";
import { isDaichoError, openLedger } from "@daicho/core";
import { personalInput } from "@daicho/core/testing";
import { sqliteStore } from "../../src/sqlite/index";
import { sqliteKeyStore } from "../../src/sqlite-keys/index";

const args = JSON.parse(process.argv[2] as string) as {
  ledger: string;
  keys: string;
  kek: number[];
};
const ledger = await openLedger({
  store: sqliteStore(args.ledger),
  keys: {
    store: sqliteKeyStore(args.keys),
    kek: { id: "kek-every", key: Uint8Array.from(args.kek) },
  },
});
process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  const [command, subject] = line.split(" ");
  try {
    if (command === "read") {
      const values: unknown[] = [];
      for await (const e of ledger.readOpened()) values.push(...e.fields.map((f) => f.value));
      process.stdout.write(`values ${JSON.stringify(values)}\n`);
    } else if (command === "write") {
      await ledger.append(personalInput(subject as string, "new@example.org"));
      process.stdout.write("wrote\n");
    }
  } catch (e) {
    process.stdout.write(`error ${isDaichoError(e) ? e.code : String(e)}\n`);
  }
}
