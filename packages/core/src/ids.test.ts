import { describe, expect, it } from "vitest";
import { uuidv7 } from "./ids";

describe("uuidv7", () => {
  it("has the RFC 9562 layout: version 7, variant 10, millisecond timestamp first", () => {
    const now = Date.UTC(2026, 10, 25, 19, 35, 12, 345);
    const id = uuidv7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(now);
  });

  it("sorts by time and does not repeat", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10_000 }, () => uuidv7())).size).toBe(10_000);
  });
});

describe("ids module", () => {
  it("imports no Node built-in, so it loads in a browser", async () => {
    const { readFile } = await import("node:fs/promises");
    const source = await readFile(new URL("./ids.ts", import.meta.url), "utf8");
    expect(source).not.toMatch(/from\s+["']node:/);
  });
});
