/**
 * An audit, both sides. The operator records a month of CRM activity, signs a checkpoint
 * at the end of October (which the auditor keeps), records November, signs again and
 * exports an audit bundle. The auditor, offline, with the `daicho` CLI and only the log's
 * public key: checks the checkpoint, verifies the bundle against the October checkpoint
 * they hold, catches a tampered copy, and checks the ledger file is consistent with
 * October.
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Io } from "@daicho/cli";
import { main as daicho } from "@daicho/cli";
import type { EventInput } from "@daicho/core";
import { exportBundle } from "@daicho/core/bundle";
import { ed25519Signer, emitCheckpoint } from "@daicho/core/checkpoint";
import { crmDay } from "../demo/scenario";
import { openExampleLedger } from "../shared/ledger";

const LEDGER_ID = "crm.example.com/ledger";

/** One CLI run: the command line an auditor would type, its exit code and output. */
export interface Step {
  readonly command: string;
  readonly code: number;
  readonly out: string;
}

/** Runs `daicho <args>`; in-process by default, or any other way (a child process). */
export type Runner = (args: string[]) => Promise<{ code: number; out: string }>;

/** The CLI called in-process, its output captured. */
export const inProcess: Runner = async (args) => {
  let out = "";
  const io: Io = { out: (t) => (out += t), err: (t) => (out += t), interactive: false };
  return { code: await daicho(args, io), out };
};

/** Shift the demo's one-day scenario to another date, so two months can be recorded. */
function dayOn(date: string, idPrefix: string): EventInput[] {
  return crmDay().map((e, i) => ({
    ...e,
    id: `${idPrefix}-${i}`,
    occurredAt: (e.occurredAt as string).replace("2026-11-25", date),
  }));
}

/**
 * Operator side: returns the files handed to the auditor, all under `dir`. `options` lets
 * a test replay a different history under the same signing key (a forged ledger).
 */
export async function operate(
  dir: string,
  options: { signingSeed?: Uint8Array; idPrefix?: string } = {},
) {
  const { ledger, tree, path, close } = await openExampleLedger(join(dir, "operator"), {
    ledgerId: LEDGER_ID,
  });
  // The log's signing key (in production: your KMS or HSM). Auditors get the verifier key.
  const signer = ed25519Signer(LEDGER_ID, options.signingSeed ?? new Uint8Array(randomBytes(32)));
  const prefix = options.idPrefix ?? "ev";
  const file = (name: string) => join(dir, name);
  try {
    for (const day of ["2026-10-06", "2026-10-20"])
      await ledger.appendBatch(dayOn(day, `${prefix}-${day}`));
    const october = await emitCheckpoint(tree, signer, LEDGER_ID);
    writeFileSync(file("checkpoint-2026-10.txt"), october.note);

    for (const day of ["2026-11-04", "2026-11-18"])
      await ledger.appendBatch(dayOn(day, `${prefix}-${day}`));
    const november = await emitCheckpoint(tree, signer, LEDGER_ID);
    writeFileSync(file("checkpoint-2026-11.txt"), november.note);

    // November's events, with the proof that November's tree extends October's.
    const bundle = await exportBundle(tree, LEDGER_ID, {
      from: october.size,
      older: [october.note],
      policy: { keys: [signer.verifier] },
    });
    writeFileSync(file("bundle-2026-11.json"), JSON.stringify(bundle, null, 2));
    writeFileSync(file("log.vkey"), `${signer.verifierKey}\n`);
  } finally {
    await close();
  }
  copyFileSync(path, file("ledger-copy.db")); // what the auditor gets for the full check
  return {
    vkey: file("log.vkey"),
    october: file("checkpoint-2026-10.txt"),
    november: file("checkpoint-2026-11.txt"),
    bundle: file("bundle-2026-11.json"),
    ledger: file("ledger-copy.db"),
  };
}

/** Change one character inside one event of a bundle, as a careless or dishonest editor would. */
export function tamper(bundlePath: string, outPath: string): void {
  const bundle = JSON.parse(readFileSync(bundlePath, "utf8"));
  // Turn a recorded read into a refusal: the kind of edit someone covering tracks would make.
  const event = bundle.events.find((e: { body: string }) => e.body.includes('"outcome":"allowed"'));
  event.body = event.body.replace('"outcome":"allowed"', '"outcome":"denied"');
  writeFileSync(outPath, JSON.stringify(bundle, null, 2));
}

/** Auditor side: four CLI runs; every step but the tampered copy must exit 0. */
export async function audit(
  files: Awaited<ReturnType<typeof operate>>,
  dir: string,
  run: Runner = inProcess,
): Promise<Step[]> {
  const tampered = join(dir, "bundle-2026-11-tampered.json");
  tamper(files.bundle, tampered);
  const steps: string[][] = [
    ["checkpoint", "--verify", files.november, "--vkey", files.vkey],
    ["verify-bundle", files.bundle, "--vkey", files.vkey, "--held", files.october],
    ["verify-bundle", tampered, "--vkey", files.vkey, "--held", files.october],
    ["consistency", files.october, files.november, "--vkey", files.vkey, "--ledger", files.ledger],
  ];
  const out: Step[] = [];
  for (const args of steps) {
    const { code, out: text } = await run(args);
    out.push({ command: `daicho ${args.join(" ").replaceAll(`${dir}/`, "")}`, code, out: text });
  }
  return out;
}
