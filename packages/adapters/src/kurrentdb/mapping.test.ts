import { isDaichoError } from "@daicho/core";
import { describe, expect, it } from "vitest";
import { fromMetaData } from "./mapping";

const meta = {
  ledgerId: "acme.example/crm",
  createdAt: "2026-12-05T00:00:00Z",
  envelopeVersion: 1,
};
const code = (data: unknown) => {
  try {
    fromMetaData(data);
    return "ok";
  } catch (e) {
    return isDaichoError(e) ? e.code : "threw";
  }
};

describe("the KurrentDB meta stream's event data", () => {
  it("reads back what the store writes", () => {
    expect(fromMetaData(meta)).toEqual(meta);
  });

  it("refuses data written outside the library: a member added, renamed, missing or mistyped", () => {
    expect(code({ ...meta, admin: true })).toBe("STORE_CORRUPT");
    const { createdAt, ...rest } = meta;
    expect(code({ ...rest, dreatedAt: createdAt })).toBe("STORE_CORRUPT");
    expect(code(rest)).toBe("STORE_CORRUPT");
    expect(code({ ...meta, envelopeVersion: 1.5 })).toBe("STORE_CORRUPT");
    expect(code({ ...meta, ledgerId: 7 })).toBe("STORE_CORRUPT");
    expect(code(null)).toBe("STORE_CORRUPT");
  });
});
