import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, HASH_TAGS, taggedHash, taggedHashHexOfText, utf8ToBytes } from "./hash";

describe("tagged SHA-256", () => {
  it("native and pure-JS implementations agree on any text (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 2000 }),
        fc.constantFrom(...Object.values(HASH_TAGS)),
        (text, tag) => {
          expect(taggedHashHexOfText(tag, text)).toBe(
            bytesToHex(taggedHash(tag, utf8ToBytes(text))),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("separates domains: the same bytes under two tags hash differently", () => {
    expect(taggedHashHexOfText(HASH_TAGS.event, "x")).not.toBe(
      taggedHashHexOfText(HASH_TAGS.genesis, "x"),
    );
  });
});
