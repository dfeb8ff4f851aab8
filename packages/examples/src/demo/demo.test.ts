import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { expect, it } from "vitest";
import { crmDay, recordCrmDay } from "./scenario";

it("the demo scenario records into SQLite and verifies, with no personal values in clear", async () => {
  const dir = mkdtempSync(join(tmpdir(), "daicho-demo-"));
  try {
    const ledger = await openLedger({
      store: sqliteStore(join(dir, "demo.db")),
      ledgerId: "demo.daicho.example/crm",
    });
    expect(await recordCrmDay(ledger)).toBe(crmDay().length);
    expect(await ledger.verify()).toMatchObject({ ok: true, count: crmDay().length });
    const types = new Set<string>();
    for await (const e of ledger.read()) types.add(e.type);
    expect(types).toEqual(
      new Set([
        "actor.onboarded",
        "permission.granted",
        "provenance.recorded",
        "record.created",
        "consent.granted",
        "data.accessed",
        "data.exported",
        "consent.withdrawn",
        "classification.changed",
      ]),
    );
    await ledger.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
