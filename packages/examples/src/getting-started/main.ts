/**
 * docs/getting-started.md, runnable: `pnpm example:getting-started [dir]`.
 * A ledger with sealed personal values, a decision recorded, a signed checkpoint, verified.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { sqliteKeyStore } from "@daicho/adapters/sqlite-keys";
import { openLedger } from "@daicho/core";
import { emitCheckpoint, generateKey, loadSigner } from "@daicho/core/checkpoint";
import { withTree } from "@daicho/core/merkle";
import { AccessPolicy, compilePolicy } from "@daicho/core/policy";
import { Projector } from "@daicho/core/views";

export async function gettingStarted(dir: string) {
  // 1. Open a ledger: events in one file, per-subject data keys in another.
  const ledger = await openLedger({
    store: sqliteStore(join(dir, "ledger.db")),
    ledgerId: "crm.example.com/ledger",
    keys: {
      store: sqliteKeyStore(join(dir, "keys.db")),
      kek: { id: "kek-2026", key: new Uint8Array(randomBytes(32)) }, // from your KMS in production
    },
  });
  const { tree, detach } = await withTree(ledger, sqliteTreeStore(join(dir, "ledger.db")));
  const projector = await Projector.start({ ledger });

  // 2. Record facts: a staff member, a role grant, a contact from a business card.
  await ledger.appendBatch([
    {
      type: "actor.onboarded",
      actor: { id: "admin-sato" },
      payload: { actorId: "sales-tanaka", roles: ["sales"], clearance: "internal" },
    },
    {
      type: "permission.granted",
      actor: { id: "admin-sato" },
      payload: {
        grantId: "grant-sales-contacts",
        grantee: { role: "sales" },
        scope: { resourceType: "contact" },
        actions: ["read", "export"],
        purposes: ["sales-follow-up"],
        fields: ["name", "email"],
        grantedBy: "admin-sato",
      },
    },
    {
      type: "record.created",
      actor: { id: "sales-tanaka" },
      subjects: ["contact-0001"],
      payload: { resource: { type: "contact", id: "contact-0001" }, fields: ["name", "email"] },
      personal: [
        { subject: "contact-0001", field: "name", value: "Hanako Yamada" },
        { subject: "contact-0001", field: "email", value: "hanako@example.jp" },
      ],
    },
  ]);

  // 3. Decide and record an access in one call.
  const policy = new AccessPolicy(
    projector.views,
    compilePolicy({
      purposes: { "sales-follow-up": { basis: "legitimate-interests", perSubject: false } },
    }),
  );
  const { decision } = await policy.decideAndRecord(ledger, {
    actor: "sales-tanaka",
    action: "read",
    resource: { type: "contact", id: "contact-0001" },
    fields: ["name", "email"],
    purpose: "sales-follow-up",
  });

  // 4. Sign a checkpoint with the log's Ed25519 key (`daicho keygen` makes one; the default
  //    signer reads it from $DAICHO_SIGNING_KEY or a file) and verify the chain.
  process.env.DAICHO_SIGNING_KEY ??= generateKey("crm.example.com/ledger").privateKey;
  const signer = await loadSigner();
  await tree.catchUp();
  const checkpoint = await emitCheckpoint(tree, signer, ledger.ledgerId);
  const report = await ledger.verify();

  projector.stop();
  detach();
  await tree.store.close();
  await ledger.close();
  return { allowed: decision.allowed, checkpoint: checkpoint.note, report };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "daicho-start-"));
  mkdirSync(dir, { recursive: true });
  const { allowed, checkpoint, report } = await gettingStarted(dir);
  console.log(`access allowed: ${allowed}`);
  console.log(`checkpoint:\n${checkpoint}`);
  console.log(`verify: ${JSON.stringify(report)}`);
  console.log(`files in ${dir}; try: pnpm exec daicho verify ${join(dir, "ledger.db")}`);
}
