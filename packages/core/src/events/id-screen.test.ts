import { randomUUID } from "node:crypto";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { erasureService } from "../erasure/service";
import { ed25519Signer } from "../erasure/signer";
import { isDaichoError } from "../errors";
import { uuidv7 } from "../ids";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { subjectAccess } from "../subject-access/access";
import { historyArb } from "../views/test-history";
import { phoneLikeId } from "./id-screen";
import { decodeEventInput } from "./input";
import { Id } from "./primitives";

const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
const sep = fc.constantFrom("-", ".");

/** Phone numbers as a careless writer turns them into ids. */
const phoneNumber = fc.oneof(
  // Japanese mobile and landline numbers, grouped or not.
  fc
    .tuple(fc.constantFrom("070", "080", "090"), digits(4), digits(4), sep)
    .map(([a, b, c, s]) => `${a}${s}${b}${s}${c}`),
  fc.tuple(fc.constantFrom("070", "080", "090"), digits(8)).map(([a, b]) => `${a}${b}`),
  fc
    .tuple(fc.constantFrom("03", "06", "0466", "011"), digits(4), sep)
    .map(([a, b, s]) => `${a}${s}${b}${s}${"5678".slice(0, 10 - a.length - 4)}`),
  fc.tuple(fc.constantFrom("03", "06"), digits(8)).map(([a, b]) => `${a}${b}`),
  fc.tuple(fc.constantFrom("0120"), digits(3), digits(3)).map(([a, b, c]) => `${a}-${b}-${c}`),
  // The same with the country code instead of the trunk prefix, and North American numbers.
  fc
    .tuple(fc.constantFrom("90", "80"), digits(4), digits(4))
    .map(([a, b, c]) => `81-${a}-${b}-${c}`),
  fc
    .tuple(fc.integer({ min: 200, max: 999 }), fc.integer({ min: 200, max: 999 }), digits(4), sep)
    .map(([a, b, c, s]) => `${a}${s}${b}${s}${c}`),
  fc
    .tuple(fc.integer({ min: 200, max: 999 }), fc.integer({ min: 200, max: 999 }), digits(4))
    .map(([a, b, c]) => `1-${a}-${b}-${c}`),
  // UK and German national numbers.
  digits(9).map((d) => `07${d}`),
  digits(7).map((d) => `030-${d}`),
);
/** Where in an id the number may sit. */
const phoneLike = fc
  .tuple(
    fc.constantFrom("", "tel:", "phone-", "customer/", "c:", "contact#", "jp:mobile:"),
    phoneNumber,
    fc.constantFrom("", ":home", "/2", "#x"),
  )
  .map(([a, b, c]) => `${a}${b}${c}`);

describe("the phone-number screen for ids (docs/spec.md §2.3)", () => {
  it("recognises generated phone numbers wherever they sit in an id", () => {
    fc.assert(
      fc.property(phoneLike, (id) => {
        expect(Id.is(id), id).toBe(true);
        expect(phoneLikeId(id), id).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("passes every UUID (v4 and v7), the ids the library itself makes", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 0, max: 2 ** 47 }), (u, ms) => {
        expect(phoneLikeId(u), u).toBe(false);
        expect(phoneLikeId(uuidv7(ms)), "uuidv7").toBe(false);
      }),
      { numRuns: 5000 },
    );
    for (let i = 0; i < 5000; i++) expect(phoneLikeId(randomUUID())).toBe(false);
  });

  it("passes ordinary ids: short numbers, dates, times, counters, IPv4, hex digests", () => {
    for (const id of [
      "contact-81f3",
      "user:42",
      "c-1",
      "order-12345678",
      "ev-2026-11-25-0001",
      "inv-20261125-0001",
      "2026-11-25T09:30:00.000Z",
      "batch-202611250930-01",
      "seq-0000000001",
      "0000-0000-0001",
      "10.0.0.7",
      "host-192.168.100.200",
      "sha:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      "1732560912000",
      "2025550123",
      "ps1-7fwn2r5kqzv3m4d6xj7c2b4h5g6a3e2q",
    ]) {
      expect(Id.is(id), id).toBe(true);
      expect(phoneLikeId(id), id).toBe(false);
    }
  });

  it("passes runs of 16 or more digits and runs split by namespace separators", () => {
    expect(phoneLikeId("0901234567890123")).toBe(false);
    expect(phoneLikeId("090:1234:5678")).toBe(false);
    expect(phoneLikeId("a/0901/2345678")).toBe(false);
  });
});

/** Every string leaf of a value, with its JSON path from `$`. */
function leaves(
  value: unknown,
  path = "$",
  out: [string, (string | number)[]][] = [],
  keys: (string | number)[] = [],
) {
  if (typeof value === "string") out.push([path, keys]);
  else if (Array.isArray(value))
    for (const [i, v] of value.entries()) leaves(v, `${path}[${i}]`, out, [...keys, i]);
  else if (typeof value === "object" && value !== null)
    for (const [k, v] of Object.entries(value)) leaves(v, `${path}.${k}`, out, [...keys, k]);
  return out;
}

function replaced(value: unknown, keys: readonly (string | number)[], text: string): unknown {
  if (keys.length === 0) return text;
  const [k, ...rest] = keys as [string | number, ...(string | number)[]];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  copy[k] = replaced(copy[k], rest, text);
  return copy;
}

const decodes = (input: unknown, allowPhoneLikeIds: boolean) =>
  E.isRight(decodeEventInput(input, "$", { allowPhoneLikeIds }));

describe("the append path screens every Id of an input, unless the host opts out", () => {
  it("refuses a phone number at each Id position of generated histories, naming the path and the helper", () => {
    const positions = new Set<string>();
    fc.assert(
      fc.property(historyArb, fc.nat(), fc.nat(), phoneLike, (history, pick, leaf, phone) => {
        const input = history[pick % history.length];
        if (input === undefined) return;
        // An Id position takes `Ab:9/x#1` (Ids may hold upper case, `:`, `/`, `#`) and refuses
        // white space (which Notes and free strings take).
        const idLeaves = leaves(input).filter(
          ([, keys]) =>
            decodes(replaced(input, keys, "Ab:9/x#1"), true) &&
            !decodes(replaced(input, keys, "a b"), true),
        );
        const chosen = idLeaves[leaf % Math.max(1, idLeaves.length)];
        if (chosen === undefined) return;
        const [path, keys] = chosen;
        positions.add(`${(input as { type: string }).type} ${path.replace(/\[\d+\]/g, "[]")}`);
        const hostile = replaced(input, keys, phone);
        expect(decodes(hostile, true), path).toBe(true);
        const screened = decodeEventInput(hostile);
        expect(E.isLeft(screened), `${path} = ${phone}`).toBe(true);
        if (E.isLeft(screened)) {
          expect(screened.left.code).toBe("DECODE_ERROR");
          expect(screened.left.path).toBe(path);
          // Inside a union (a grantee is an actor or a role) io-ts reports the first
          // member's complaint; the refusal is still the phone's doing (the same input
          // with an ordinary id at this position decodes, see above).
          if (!/unknown property/.test(screened.left.reason)) {
            expect(screened.left.reason).toMatch(/pseudonymId \(@daicho\/core\/pseudonym\)/);
            expect(screened.left.reason).toMatch(/allowPhoneLikeIds: true/);
          }
          expect(JSON.stringify(screened.left.toJSON())).not.toContain(phone);
        }
      }),
      { numRuns: 500 },
    );
    // The histories cover many event types; each run attacks one of their Id positions.
    expect(positions.size).toBeGreaterThanOrEqual(30);
  });

  it("screens the envelope's ids: event id, actor, actor context, subjects, personal subjects", () => {
    const base = {
      type: "data.accessed",
      actor: { id: "user-1", role: "sales", context: { device: "laptop-3", session: "s-1" } },
      subjects: ["c-1"],
      id: "ev-1",
      payload: {
        resource: { type: "contact", id: "c-1" },
        fields: ["name"],
        purpose: "support",
        outcome: "allowed",
      },
    };
    const phone = "090-1234-5678";
    const withPersonal = (subject: string) => ({
      ...base,
      subjects: [subject],
      // The sealed value itself is not screened: it is encrypted under the subject's key.
      personal: [{ subject, field: "name", value: `Yamada ${phone}` }],
    });
    expect(E.isRight(decodeEventInput(base))).toBe(true);
    expect(E.isRight(decodeEventInput(withPersonal("c-1")))).toBe(true);
    const cases: [string, unknown][] = [
      ["$.id", replaced(base, ["id"], phone)],
      ["$.actor.id", replaced(base, ["actor", "id"], phone)],
      ["$.actor.role", replaced(base, ["actor", "role"], phone)],
      ["$.actor.context.device", replaced(base, ["actor", "context", "device"], phone)],
      ["$.actor.context.session", replaced(base, ["actor", "context", "session"], phone)],
      ["$.subjects[0]", replaced(base, ["subjects", 0], phone)],
      ["$.subjects[0]", withPersonal(phone)],
      ["$.payload.resource.id", replaced(base, ["payload", "resource", "id"], phone)],
    ];
    for (const [path, hostile] of cases) {
      const r = decodeEventInput(hostile);
      expect(E.isLeft(r) && r.left.code === "DECODE_ERROR" && r.left.path, path).toBe(path);
      expect(decodes(hostile, true), path).toBe(true);
    }
  });
});

describe("openLedger screens phone-like ids by default (allowPhoneLikeIds opts out)", () => {
  const phone = "090-1234-5678";
  const kek = { id: "kek-1", key: new Uint8Array(32).fill(5) };
  const input = (subject: string) => ({
    type: "record.updated" as const,
    actor: { id: "user-1" },
    subjects: [subject],
    payload: { resource: { type: "contact", id: "c-9" }, fields: ["name"] },
    personal: [{ subject, field: "name", value: "Yamada Hanako" }],
  });

  it("refuses the append and writes nothing, with DECODE_ERROR at the id", async () => {
    const ledger = await openLedger({
      store: memoryStore(),
      ledgerId: "screen.test/l",
      keys: { store: memoryKeyStore(), kek },
    });
    const e = await ledger.append(input(phone)).catch((x: unknown) => x);
    expect(isDaichoError(e, "DECODE_ERROR")).toBe(true);
    expect((e as { path: string }).path).toBe("$[0].subjects[0]");
    expect(String(e)).not.toContain(phone);
    expect(await ledger.head()).toBeNull();
    const batch = await ledger
      .appendBatch([input("c-1"), { ...input("c-2"), actor: { id: "09012345678" } }])
      .catch((x: unknown) => x);
    expect((batch as { path: string }).path).toBe("$[1].actor.id");
    expect(await ledger.head()).toBeNull();
  });

  it("with allowPhoneLikeIds, appends them; verifying, subject access and erasure of them work without it", async () => {
    const store = memoryStore();
    const keys = memoryKeyStore();
    const open = (allowPhoneLikeIds: boolean) =>
      openLedger({
        store,
        ledgerId: "screen.test/l2",
        keys: { store: keys, kek },
        allowPhoneLikeIds,
      });
    const opted = await open(true);
    await opted.append(input(phone));
    // A reader opened with the default still verifies the ledger and serves the subject.
    const reader = await open(false);
    expect(await reader.verify()).toMatchObject({ ok: true, count: 1 });
    expect((await subjectAccess(reader, phone)).events).toHaveLength(1);
    // Erasing the subject appends erasure events about it: the host keeps the opt-out.
    const erasure = erasureService({
      ledger: opted,
      signer: ed25519Signer("screen.test/erasure", new Uint8Array(32).fill(6)),
      actor: { id: "dpo-1", role: "dpo" },
    });
    const request = await erasure.request(phone, { requestedBy: "dpo-1", channel: "email" });
    expect((await erasure.execute(request.requestId)).outcome).toBe("erased");
    expect(await reader.verify()).toMatchObject({ ok: true });
  });
});
