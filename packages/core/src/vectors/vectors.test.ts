import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { genesisHash } from "../hash";
import { verifyEvents } from "../verify";
import { buildVectors } from "./build";

const read = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../../docs/vectors/${name}`, import.meta.url), "utf8"));

/** An independent SHA-256 (OpenSSL via node:crypto), so the vectors do not only check us against ourselves. */
const tagged = (tag: string, text: string) =>
  createHash("sha256")
    .update(Buffer.concat([Buffer.from(tag), Buffer.from([0]), Buffer.from(text, "utf8")]))
    .digest("hex");

async function* storedOf(events: { body: string; hash: string }[]) {
  let i = 0;
  for (const e of events)
    yield { seq: i++, id: "", type: "", recordedAt: "", subjects: [], prevHash: "", ...e };
}

describe("committed test vectors (docs/vectors)", () => {
  it("are exactly what the current code produces", () => {
    for (const [name, content] of Object.entries(buildVectors())) {
      expect(read(name), name).toEqual(JSON.parse(JSON.stringify(content)));
    }
  });

  it("event hashes and links recompute with an independent SHA-256", () => {
    const v = read("events.json") as {
      ledgerId: string;
      genesisHash: string;
      events: {
        body: {
          prevHash: string;
          subjects?: { id: string; prevSeq?: number; prevHash?: string }[];
        };
        canonical: string;
        hash: string;
      }[];
    };
    expect(tagged("daicho/genesis/v1", v.ledgerId)).toBe(v.genesisHash);
    expect(genesisHash(v.ledgerId)).toBe(v.genesisHash);
    let prev = v.genesisHash;
    const lastAbout = new Map<string, { seq: number; hash: string }>();
    v.events.forEach((e, seq) => {
      expect(tagged("daicho/event/v1", e.canonical)).toBe(e.hash);
      expect(JSON.parse(e.canonical)).toEqual(e.body);
      expect(e.body.prevHash).toBe(prev);
      for (const s of e.body.subjects ?? []) {
        const last = lastAbout.get(s.id);
        expect(s.prevSeq).toBe(last?.seq);
        expect(s.prevHash).toBe(last?.hash);
        lastAbout.set(s.id, { seq, hash: e.hash });
      }
      prev = e.hash;
    });
  });

  it("every verify case reaches the committed verdict", async () => {
    const v = read("verify.json") as {
      ledgerId: string;
      cases: {
        name: string;
        events: { body: string; hash: string }[];
        expectHead?: { seq: number; hash: string };
        expect: Record<string, unknown>;
      }[];
    };
    expect(v.cases.filter((c) => c.expectHead !== undefined).length).toBeGreaterThanOrEqual(6);
    for (const c of v.cases) {
      const options = c.expectHead === undefined ? {} : { expectHead: c.expectHead };
      if ("error" in c.expect) {
        await expect(
          verifyEvents(storedOf(c.events), genesisHash(v.ledgerId), options),
          c.name,
        ).rejects.toMatchObject({ code: c.expect.error });
        continue;
      }
      const report = await verifyEvents(storedOf(c.events), genesisHash(v.ledgerId), options);
      const got = report.ok
        ? { ok: true, count: report.count, headSeq: report.headSeq, headHash: report.headHash }
        : { ok: false, seq: report.failure.seq, kind: report.failure.kind };
      expect(got, c.name).toEqual(c.expect);
    }
  });
});
