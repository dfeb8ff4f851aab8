import { canonicalizeOrThrow } from "../canonical";
import {
  bytesToHex,
  HASH_TAGS,
  hexToBytes,
  taggedHash,
  taggedHashHexOfText,
  utf8ToBytes,
} from "../hash";

/**
 * Envelope version 2 hashing (docs/spec.md §13.2–§13.3): each subject's share of an event
 * (its salted commitment, back-link and sealed values) is hashed on its own, and the event
 * hash covers the common members and the sorted list of part hashes. A full form (what a
 * store keeps) and a shown form (some subjects redacted to their part hashes) of one event
 * have the same hash. Pure; imports nothing that imports the chain.
 */

/** The last bytes of every v2 body's canonical text (`v` sorts after every other member). */
export const V2_SUFFIX = ',"v":2}';

const HEX64 = /^[0-9a-f]{64}$/;

/** `c = H("daicho/subject-commit/v1", salt ‖ UTF8(id))`, hex (§13.2). */
export function subjectCommitHex(saltHex: string, id: string): string {
  const salt = hexToBytes(saltHex);
  const idBytes = utf8ToBytes(id);
  const message = new Uint8Array(salt.length + idBytes.length);
  message.set(salt, 0);
  message.set(idBytes, salt.length);
  return bytesToHex(taggedHash(HASH_TAGS.subjectCommit, message));
}

type Json = Record<string, unknown>;

function isObject(x: unknown): x is Json {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * The part of one `subjects` entry (§13.2): the entry without `id` and `salt`, with `c`,
 * and the subject's sealed entries (without `subject`) when it has any.
 */
export function subjectPart(entry: Json, personal: readonly Json[]): Json {
  const { id, salt, ...rest } = entry;
  const part: Json = { ...rest, c: subjectCommitHex(salt as string, id as string) };
  const own = personal.filter((p) => p.subject === id).map(({ subject: _subject, ...p }) => p);
  if (own.length > 0) part.personal = own;
  return part;
}

/** `partHash = H("daicho/subject-part/v1", UTF8(JCS(part)))`, hex. */
export function partHashHex(part: Json): string {
  return taggedHashHexOfText(HASH_TAGS.subjectPart, canonicalizeOrThrow(part));
}

/**
 * Why a parsed v2 body has no event hash (§13.3), or undefined when it has one. Checks only
 * what the hash needs; the full-form rules `verify` adds are in `v2-body.ts`.
 */
export function hashableProblem(body: Json): string | undefined {
  if (body.v !== 2) return "v is not 2";
  if ("parts" in body) return "a body must not carry `parts`";
  const subjects = body.subjects ?? [];
  if (!Array.isArray(subjects)) return "`subjects` is not an array";
  const ids: string[] = [];
  for (const s of subjects) {
    if (!isObject(s) || typeof s.id !== "string") return "a `subjects` entry has no id";
    if (typeof s.salt !== "string" || !HEX64.test(s.salt)) return "a `subjects` entry has no salt";
    if ("c" in s || "personal" in s) return "a `subjects` entry carries `c` or `personal`";
    const before = ids[ids.length - 1];
    if (before !== undefined && !(before < s.id)) return "`subjects` is not sorted by id";
    ids.push(s.id);
  }
  const personal = body.personal ?? [];
  if (!Array.isArray(personal)) return "`personal` is not an array";
  let at = 0;
  for (const p of personal) {
    if (!isObject(p) || typeof p.subject !== "string") return "a sealed entry has no subject";
    const i = ids.indexOf(p.subject, at);
    if (i < 0) return "a sealed entry names no shown subject, or `personal` is not grouped";
    at = i;
  }
  if ("redacted" in body) {
    const r = body.redacted;
    if (!Array.isArray(r) || r.length === 0) return "`redacted` is not a non-empty array";
    for (let i = 0; i < r.length; i++) {
      if (typeof r[i] !== "string" || !HEX64.test(r[i] as string))
        return "a redacted hash is malformed";
      if (i > 0 && !((r[i - 1] as string) < (r[i] as string))) return "`redacted` is not ascending";
    }
  }
  return undefined;
}

/**
 * The sorted part hashes of a v2 body, shown and redacted together, or undefined when two
 * are equal (§13.3). The body must have passed {@link hashableProblem}.
 */
export function partHashes(body: Json): string[] | undefined {
  const personal = (body.personal ?? []) as Json[];
  const shown = ((body.subjects ?? []) as Json[]).map((s) => partHashHex(subjectPart(s, personal)));
  const all = [...shown, ...((body.redacted ?? []) as string[])].sort();
  for (let i = 1; i < all.length; i++) if (all[i - 1] === all[i]) return undefined;
  return all;
}

/**
 * The event hash of a v2 body text (full or shown form), hex; `""` (which equals no stored
 * hash) when the text has none: not canonical, not v2, or breaking a rule of §13.3.
 */
export function eventHashV2(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "";
  }
  if (!isObject(body)) return "";
  try {
    if (canonicalizeOrThrow(body) !== text) return "";
  } catch {
    return "";
  }
  return eventHashV2OfBody(body);
}

/**
 * {@link eventHashV2} of a body the caller already holds as the exact value whose canonical
 * text it stores (the writer's sealing path): the same rules, without parsing the text again.
 */
export function eventHashV2OfBody(body: Json): string {
  if (hashableProblem(body) !== undefined) return "";
  try {
    const parts = partHashes(body);
    if (parts === undefined) return "";
    const { subjects: _s, personal: _p, redacted: _r, ...common } = body;
    return taggedHashHexOfText(HASH_TAGS.eventV2, canonicalizeOrThrow({ ...common, parts }));
  } catch {
    return "";
  }
}
