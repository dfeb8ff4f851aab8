import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { canonicalizeOrThrow } from "../canonical";
import { eventHash } from "../chain";
import { bytesToHex, genesisHash, HASH_TAGS, hexToBytes, taggedHash, utf8ToBytes } from "../hash";
import { verifyEvents } from "../verify";
import { buildEnvelopeV2Vectors } from "./vectors";

const dir = fileURLToPath(new URL("../../../../docs/vectors/", import.meta.url));
const committed = existsSync(`${dir}envelope-v2.json`);
// biome-ignore lint/suspicious/noExplicitAny: vector files are read loosely
const load = (): any => JSON.parse(readFileSync(`${dir}envelope-v2.json`, "utf8"));
const H = (tag: string, m: Uint8Array) => bytesToHex(taggedHash(tag as never, m));
const utf8 = (s: string) => utf8ToBytes(s);

describe.runIf(committed)("committed envelope v2 vectors (docs/vectors/envelope-v2.json)", () => {
  it("are exactly what the code produces today", async () => {
    expect(JSON.parse(JSON.stringify(await buildEnvelopeV2Vectors()))).toEqual(load());
  });

  it("recompute from the spec's formulas alone: commitments, parts, hashed forms, event hashes", () => {
    const v = load();
    expect(v.genesisHash).toBe(genesisHash(v.ledgerId));
    for (const e of v.events) {
      for (const p of e.parts) {
        const c = H(v.tags.subjectCommit, new Uint8Array([...hexToBytes(p.salt), ...utf8(p.id)]));
        expect(c).toBe(p.commitment);
        expect(p.part.c).toBe(c);
        expect(H(v.tags.subjectPart, utf8(canonicalizeOrThrow(p.part)))).toBe(p.partHash);
      }
      expect(e.hashedForm.parts).toEqual(
        [...e.parts.map((p: { partHash: string }) => p.partHash)].sort(),
      );
      expect(H(v.tags.event, utf8(canonicalizeOrThrow(e.hashedForm)))).toBe(e.hash);
      expect(eventHash(e.body)).toBe(e.hash);
      // Not the v1 hash of the same text (§3.2 dispatch).
      expect(H(HASH_TAGS.event, utf8(e.body))).not.toBe(e.hash);
    }
  });

  it("shown forms keep the event hash and name only their subject", () => {
    const v = load();
    for (const s of v.shown) {
      expect(eventHash(s.body)).toBe(v.events[s.seq].hash);
      const body = JSON.parse(s.body);
      expect(body.subjects.map((x: { id: string }) => x.id)).toEqual(s.shownFor);
      for (const other of ["contact-a1", "contact-b2", "contact-c3"].filter(
        (i) => !s.shownFor.includes(i),
      ))
        expect(s.body).not.toContain(other);
    }
  });

  it("invalid forms do not give the event hash", () => {
    const v = load();
    expect(v.invalid.length).toBeGreaterThanOrEqual(6);
    for (const x of v.invalid) {
      const h = eventHash(x.body);
      expect(h, x.name).not.toBe(x.hash);
      if (x.expect === "no-hash") expect(h, x.name).toBe("");
    }
  });

  it("verify gives each ledger case its committed verdict", async () => {
    const v = load();
    for (const c of v.verify) {
      const r = await verifyEvents(
        (async function* () {
          yield* c.events;
        })(),
        genesisHash(v.ledgerId),
        { envelopeVersion: c.envelopeVersion },
      );
      const got = r.ok
        ? { ok: true, count: r.count }
        : { ok: false, seq: r.failure.seq, kind: r.failure.kind };
      expect(got, c.name).toEqual(c.expect);
    }
    expect(v.verify.filter((c: { expect: { ok: boolean } }) => !c.expect.ok).length).toBe(3);
  });
});
