import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { gettingStarted } from "./main";

it("the getting-started walkthrough records, decides, signs a checkpoint and verifies", async () => {
  const dir = mkdtempSync(join(tmpdir(), "daicho-start-"));
  try {
    const { allowed, checkpoint, report } = await gettingStarted(dir);
    expect(allowed).toBe(true);
    expect(checkpoint).toMatch(
      /^crm\.example\.com\/ledger\n4\n[A-Za-z0-9+/]{43}=\n\n— crm\.example\.com\/ledger /,
    );
    expect(report).toMatchObject({ ok: true, count: 4 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
