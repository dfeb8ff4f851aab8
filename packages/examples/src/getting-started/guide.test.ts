import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { expect, it } from "vitest";
import { runGuide } from "./guide";

it("the getting-started guide's program records, decides, signs a checkpoint and verifies", async () => {
  const dir = mkdtempSync(join(tmpdir(), "daicho-start-"));
  try {
    await runGuide(dir);
    const data = join(dir, "daicho-data");
    expect(readFileSync(join(data, "checkpoint.txt"), "utf8")).toMatch(
      /^crm\.example\.com\/ledger\n4\n[A-Za-z0-9+/]{43}=\ndaicho-subject-map\/v1 [A-Za-z0-9+/]{43}=\n\n— crm\.example\.com\/ledger /,
    );
    const ledger = await openLedger({ store: sqliteStore(join(data, "ledger.db")) });
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 4 });
    const types: string[] = [];
    for await (const e of ledger.read()) types.push(e.type);
    expect(types).toEqual([
      "actor.onboarded",
      "permission.granted",
      "record.created",
      "data.accessed",
    ]);
    await ledger.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
