import { randomBytes } from "@noble/hashes/utils.js";
import { canonicalizeOrThrow } from "../canonical";
import { DaichoError } from "../errors";
import { Id } from "../events/primitives";
import { bytesToHex } from "../hash";
import { hashableProblem, partHashHex, subjectPart, V2_SUFFIX } from "./v2-hash";

/**
 * Envelope version 2 bodies beyond their hash (docs/spec.md §13): the full-form rules
 * `verify` enforces on what a store keeps, the redaction that turns a full form into the
 * shown form an extract carries, and the writer's salts.
 */

/** The envelope versions this library reads and writes. */
export type EnvelopeVersion = 1 | 2;

/** The members a v2 full form may have (§2.1; a v2 reader refuses any other, §13.1). */
const FULL_FORM_MEMBERS = new Set([
  "v",
  "seq",
  "id",
  "type",
  "schema",
  "occurredAt",
  "recordedAt",
  "actor",
  "payload",
  "prevHash",
  "subjects",
  "personal",
]);
const LINK_MEMBERS = new Set(["id", "salt", "prevSeq", "prevHash"]);
const HEX64 = /^[0-9a-f]{64}$/;

type Json = Record<string, unknown>;

/**
 * Why a parsed body is not a v2 full form (§13.1, §13.3), or undefined when it is one: the
 * check `verify` and the store readers add to the hash, so a stored body cannot hide a
 * subject behind `redacted` or carry members no part covers.
 */
export function fullFormProblem(body: Json): string | undefined {
  const hashable = hashableProblem(body);
  if (hashable !== undefined) return hashable;
  for (const k of Object.keys(body)) {
    if (!FULL_FORM_MEMBERS.has(k)) return `a stored v2 body must not carry \`${k}\``;
  }
  for (const s of (body.subjects ?? []) as Json[]) {
    for (const k of Object.keys(s)) {
      if (!LINK_MEMBERS.has(k)) return `a subject entry must not carry \`${k}\``;
    }
    if (!Id.is(s.id)) return "a subject id is not an Id";
    const hasSeq = s.prevSeq !== undefined;
    if (hasSeq !== (s.prevHash !== undefined)) return "a back-link has one half only";
    if (hasSeq && (!Number.isSafeInteger(s.prevSeq) || (s.prevSeq as number) < 0)) {
      return "a back-link's prevSeq is not a sequence number";
    }
    if (hasSeq && !HEX64.test(String(s.prevHash))) return "a back-link's prevHash is not a hash";
  }
  return undefined;
}

/**
 * The shown form of a v2 full form for an extract about `shown` (§13.6): every other
 * subject's entry and sealed values removed and its part hash listed in `redacted`. The
 * event hash is unchanged. Throws `INVALID_ARGUMENT` when `fullText` is not a v2 full form.
 */
export function redactV2(fullText: string, shown: ReadonlySet<string>): string {
  const body = JSON.parse(fullText) as Json;
  if (!fullText.endsWith(V2_SUFFIX) || fullFormProblem(body) !== undefined) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "only a stored version 2 body can be redacted; run `daicho verify` on the ledger",
      { path: "body" },
    );
  }
  const subjects = (body.subjects ?? []) as Json[];
  const personal = (body.personal ?? []) as Json[];
  const hidden = subjects.filter((s) => !shown.has(s.id as string));
  if (hidden.length === 0) return fullText;
  const kept = subjects.filter((s) => shown.has(s.id as string));
  const keptPersonal = personal.filter((p) => shown.has(p.subject as string));
  const { subjects: _s, personal: _p, ...common } = body;
  const out: Json = {
    ...common,
    redacted: hidden.map((s) => partHashHex(subjectPart(s, personal))).sort(),
  };
  if (kept.length > 0) out.subjects = kept;
  if (keptPersonal.length > 0) out.personal = keptPersonal;
  return canonicalizeOrThrow(out);
}

/** Bytes in one salt (§13.1) and in one refill of the salt pool (128 salts). */
const SALT_BYTES = 32;
export const SALT_POOL_BYTES = 4096;

/**
 * A source of fresh salts that draws randomness 4 KiB at a time: one RNG call per 128
 * salts instead of one per salt (6.38 → 0.99 µs CPU a salt, docs/benchmarks.md). Every byte is handed out at
 * most once and zeroed as it leaves the pool, so no two salts share bytes and a memory
 * dump shows no salt already issued. `random` is the RNG (tests count its calls).
 */
export function saltPool(random: (n: number) => Uint8Array = randomBytes): () => string {
  let pool: Uint8Array = new Uint8Array(0);
  let at = 0;
  return () => {
    if (at + SALT_BYTES > pool.length) {
      pool = random(SALT_POOL_BYTES);
      at = 0;
    }
    const salt = bytesToHex(pool.subarray(at, at + SALT_BYTES));
    pool.fill(0, at, at + SALT_BYTES);
    at += SALT_BYTES;
    return salt;
  };
}

/** A fresh 32-byte salt, hex: one per (event, subject), never reused (§13.1). */
export const freshSalt: () => string = saltPool();
