import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import { phoneLikeId } from "../events/id-screen";
import { Id } from "../events/primitives";
import { type NaturalKey, normaliseNaturalKey } from "./natural-key";
import { pseudonymId, pseudonymIdOrThrow } from "./pseudonym";
import { buildPseudonymVectors } from "./vectors";

const committed = JSON.parse(
  readFileSync(new URL("../../../../docs/vectors/pseudonym-v1.json", import.meta.url), "utf8"),
) as {
  tag: string;
  prefix: string;
  keys: Record<string, string>;
  valid: {
    key: string;
    input: NaturalKey;
    normalised: { kind: string; value: string };
    message: string;
    id: string;
  }[];
  invalid: { name: string; input: NaturalKey; path: string }[];
};

/** RFC 4648 base32, lower case, no padding: written here again so the vectors do not only check us against ourselves. */
function base32(bytes: Uint8Array): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let bits = "";
  for (const b of bytes) bits += b.toString(2).padStart(8, "0");
  let out = "";
  for (let i = 0; i < bits.length; i += 5)
    out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, "0"), 2)];
  return out;
}

describe("pseudonym vectors (docs/vectors/pseudonym-v1.json)", () => {
  it("are exactly what the current code produces (regenerate with pnpm vectors)", () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildPseudonymVectors())));
  });

  it("recompute with an independent HMAC-SHA-256 (OpenSSL) and base32 from the documented message", () => {
    for (const v of committed.valid) {
      const message = Buffer.concat([
        Buffer.from(committed.tag),
        Buffer.from([0]),
        Buffer.from(v.normalised.kind),
        Buffer.from([0]),
        Buffer.from(v.normalised.value, "utf8"),
      ]);
      expect(message.toString("hex")).toBe(v.message);
      const key = Buffer.from(committed.keys[v.key] as string, "hex");
      const mac = createHmac("sha256", key).update(message).digest().subarray(0, 20);
      expect(`${committed.prefix}${base32(mac)}`).toBe(v.id);
      expect(pseudonymIdOrThrow(key, v.input)).toBe(v.id);
    }
  });

  it("refuses every invalid natural key with DECODE_ERROR at the named member, never echoing it", () => {
    const key = Buffer.from(committed.keys.key as string, "hex");
    for (const v of committed.invalid) {
      const r = pseudonymId(key, v.input);
      expect(E.isLeft(r), v.name).toBe(true);
      if (E.isLeft(r)) {
        expect(r.left.code).toBe("DECODE_ERROR");
        expect(r.left.path).toBe(v.path);
        const value = (v.input as { value?: string }).value ?? "";
        if (value.length > 2) expect(JSON.stringify(r.left.toJSON())).not.toContain(value);
      }
    }
  });
});

const key32 = fc.uint8Array({ minLength: 32, maxLength: 64 });
const naturalKey: fc.Arbitrary<NaturalKey> = fc.oneof(
  fc.emailAddress().map((value) => ({ kind: "email" as const, value })),
  fc
    .tuple(fc.integer({ min: 1, max: 999 }), fc.stringMatching(/^[1-9][0-9]{6,10}$/))
    .map(([cc, n]) => ({ kind: "phone" as const, value: `+${cc} ${n}` })),
  fc
    .tuple(
      fc.stringMatching(/^[a-z0-9][a-z0-9._:-]{0,20}$/),
      fc.string({ minLength: 1, maxLength: 40 }),
    )
    .filter(([, v]) => E.isRight(normaliseNaturalKey({ kind: "key", namespace: "x", value: v })))
    .map(([namespace, value]) => ({ kind: "key" as const, namespace, value })),
);

describe("pseudonymId (properties)", () => {
  it("always gives a valid Id of fixed shape that the phone screen passes", () => {
    let made = 0;
    fc.assert(
      fc.property(key32, naturalKey, (key, nk) => {
        const id = pseudonymId(key, nk);
        if (E.isLeft(id)) return; // a generated e-mail address the normaliser refuses
        expect(id.right).toMatch(/^ps1-[a-z2-7]{32}$/);
        expect(Id.is(id.right)).toBe(true);
        expect(phoneLikeId(id.right)).toBe(false);
        expect(pseudonymIdOrThrow(key, nk)).toBe(id.right);
        made++;
      }),
      { numRuns: 1000 },
    );
    expect(made).toBeGreaterThan(900);
  });

  it("separates keys, namespaces and kinds: another key or namespace is another subject", () => {
    fc.assert(
      fc.property(key32, key32, fc.string({ minLength: 1, maxLength: 20 }), (a, b, value) => {
        fc.pre(Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0);
        fc.pre(E.isRight(normaliseNaturalKey({ kind: "key", namespace: "n", value })));
        const k = (namespace: string) => ({ kind: "key" as const, namespace, value });
        expect(pseudonymIdOrThrow(a, k("crm"))).not.toBe(pseudonymIdOrThrow(b, k("crm")));
        expect(pseudonymIdOrThrow(a, k("crm"))).not.toBe(pseudonymIdOrThrow(a, k("crm2")));
      }),
    );
    const key = new Uint8Array(32).fill(1);
    const phone = pseudonymIdOrThrow(key, { kind: "phone", value: "+819012345678" });
    expect(
      pseudonymIdOrThrow(key, { kind: "key", namespace: "phone", value: "+819012345678" }),
    ).not.toBe(phone);
  });

  it("gives one id for every way of writing the same e-mail address or phone number", () => {
    const key = new Uint8Array(32).fill(2);
    const fullWidth = (s: string) =>
      s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9.]{0,15}[a-z0-9]$/),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]\.(jp|com|co\.jp)$/),
        fc.stringMatching(/^[0-9]{8}$/),
        fc.boolean(),
        (local, domain, digits, wide) => {
          const address = `${local}@${domain}`;
          const typed = ` ${local}@${domain.toUpperCase()}. `;
          const email = (value: string) => pseudonymIdOrThrow(key, { kind: "email", value });
          expect(email(wide ? fullWidth(typed.trim()) : typed)).toBe(email(address));
          const number = `+8190${digits}`;
          const phone = (value: string, callingCode?: string) =>
            pseudonymIdOrThrow(key, {
              kind: "phone",
              value,
              ...(callingCode === undefined ? {} : { callingCode }),
            });
          const national = `090-${digits.slice(0, 4)}-${digits.slice(4)}`;
          expect(phone(wide ? fullWidth(national) : national, "81")).toBe(phone(number));
          expect(phone(`+81 (0)90 ${digits.slice(0, 4)} ${digits.slice(4)}`)).toBe(phone(number));
        },
      ),
    );
  });

  it("refuses a key shorter than 32 bytes, and anything but bytes", () => {
    const nk = { kind: "email", value: "a@example.jp" } as const;
    for (const key of [
      new Uint8Array(31),
      new Uint8Array(0),
      "0".repeat(64) as unknown as Uint8Array,
    ]) {
      const r = pseudonymId(key, nk);
      expect(E.isLeft(r) && isDaichoError(r.left, "INVALID_ARGUMENT")).toBe(true);
    }
    expect(() => pseudonymIdOrThrow(new Uint8Array(8), nk)).toThrow(/at least 32 random bytes/);
  });

  it("is why subject ids are keyed: an unkeyed hash of a phone number falls to enumeration, the pseudonym does not", () => {
    // The ten thousand numbers 090-1234-0000 … 090-1234-9999 stand for the 10^8 of one mobile prefix.
    const candidates = Array.from(
      { length: 10_000 },
      (_, i) => `+81901234${String(i).padStart(4, "0")}`,
    );
    const victim = "+819012345678";
    const unkeyed = createHash("sha256").update(victim).digest("hex");
    const found = candidates.find((c) => createHash("sha256").update(c).digest("hex") === unkeyed);
    expect(found).toBe(victim);
    const secret = Uint8Array.from({ length: 32 }, (_, i) => (i * 37) % 251);
    const id = pseudonymIdOrThrow(secret, { kind: "phone", value: victim });
    const guessedKey = new Uint8Array(32); // the attacker's best guess at the host's secret
    const hit = candidates.find(
      (c) => pseudonymIdOrThrow(guessedKey, { kind: "phone", value: c }) === id,
    );
    expect(hit).toBeUndefined();
  });
});
