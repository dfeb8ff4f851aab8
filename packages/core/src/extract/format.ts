import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { repeatsMemberName } from "../bundle/proof-file";
import { fromBase64Hash } from "../checkpoint/base64";
import { isValidOrigin } from "../checkpoint/checkpoint";
import { decodeWith } from "../decode";
import { DaichoError } from "../errors";
import { Id } from "../events/primitives";
import { KEY_BITS } from "../map/hash";
import { isTreeSize } from "../merkle/bits";
import { throwing } from "../plain";

/**
 * The extract file (docs/spec.md §12.6): one JSON object that proves, for some subjects and
 * one signed checkpoint, that it holds every event about each of them before the
 * checkpoint's size, or that there was none. Decoded here with bounded, strict codecs
 * (no unknown member, no member twice) before anything is hashed: the file is hostile.
 */
export const EXTRACT_FORMAT = "daicho-subject-extract/v1" as const;

/** The largest extract file accepted, in bytes. */
export const MAX_EXTRACT_BYTES = 64 * 1024 * 1024;
/** Most subjects one extract may name. */
export const MAX_EXTRACT_SUBJECTS = 10_000;
/** Most events one extract may carry. */
export const MAX_EXTRACT_EVENTS = 1_000_000;
/** Largest event body, in UTF-16 code units (as in bundles). */
export const MAX_EXTRACT_BODY = 4 * 1024 * 1024;

const bounded = <C extends t.Mixed>(codec: C, max: number, name: string) =>
  t.refinement(t.array(codec), (xs) => xs.length <= max, `${name} (at most ${max})`);
const strict = <P extends t.Props>(name: string, props: P) => t.exact(t.type(props), name);

const Seq = t.refinement(t.number, isTreeSize, "Seq (integer 0..2^52)");
const Count = t.refinement(t.number, (n) => isTreeSize(n) && n >= 1, "Count (integer ≥ 1)");
const Hex64 = t.refinement(t.string, (s) => /^[0-9a-f]{64}$/.test(s), "Hex64");
/** Canonical padded base64 of exactly 32 bytes. */
const Base64Hash = t.refinement(
  t.string,
  (s) => fromBase64Hash(s) !== undefined,
  "Base64Hash (canonical base64 of 32 bytes)",
);
const Origin = t.refinement(t.string, isValidOrigin, "Origin");
const NoteText = t.refinement(t.string, (s) => s.length > 0 && s.length <= 1 << 20, "SignedNote");
const Body = t.refinement(
  t.string,
  (s) => s.length > 0 && s.length <= MAX_EXTRACT_BODY,
  "EventBody",
);

export const ExtractEvent = strict("ExtractEvent", { seq: Seq, hash: Hex64, body: Body });
export type ExtractEvent = t.TypeOf<typeof ExtractEvent>;

export const ExtractEntry = strict("MapEntry", { count: Count, lastSeq: Seq, lastHash: Hex64 });
export type ExtractEntry = t.TypeOf<typeof ExtractEntry>;

const MapProofHashes = bounded(Base64Hash, KEY_BITS, "MapProof");
const SubjectEvents = bounded(Seq, MAX_EXTRACT_EVENTS, "SubjectEvents");

const MemberSubject = strict("MemberSubject", {
  id: Id,
  events: SubjectEvents,
  mapProof: MapProofHashes,
  entry: ExtractEntry,
});
const NonMemberSubject = strict("NonMemberSubject", {
  id: Id,
  events: SubjectEvents,
  mapProof: MapProofHashes,
  end: t.union([t.literal("empty"), strict("OtherLeaf", { key: Hex64, valueHash: Hex64 })]),
});
export const ExtractSubject = t.union([MemberSubject, NonMemberSubject], "ExtractSubject");
export type ExtractSubject = t.TypeOf<typeof ExtractSubject>;

export const ExtractConsistency = strict("ConsistencyEntry", {
  checkpoint: NoteText,
  proof: bounded(Base64Hash, 128, "Proof"),
});

const Required = {
  format: t.literal(EXTRACT_FORMAT),
  ledgerId: Origin,
  checkpoint: NoteText,
  subjects: t.refinement(
    bounded(ExtractSubject, MAX_EXTRACT_SUBJECTS, "Subjects"),
    (xs) => xs.length > 0,
    "Subjects (at least one)",
  ),
  events: bounded(ExtractEvent, MAX_EXTRACT_EVENTS, "Events"),
  inclusion: bounded(Base64Hash, 64 * MAX_EXTRACT_EVENTS, "Inclusion"),
};
export const SubjectExtract = t.exact(
  t.intersection([
    t.type(Required),
    t.partial({ consistency: bounded(ExtractConsistency, 1000, "Consistency") }),
  ]),
  "SubjectExtract",
);
export type SubjectExtract = t.TypeOf<typeof SubjectExtract>;

const MEMBERS = new Set([...Object.keys(Required), "consistency"]);
const SUBJECT_MEMBERS = new Set(["id", "events", "mapProof", "entry", "end"]);
const NESTED: Readonly<Record<string, ReadonlySet<string>>> = {
  events: new Set(["seq", "hash", "body"]),
  consistency: new Set(["checkpoint", "proof"]),
};

const isObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u);
const onlyKeys = (o: Record<string, unknown>, allowed: ReadonlySet<string>) =>
  Object.keys(o).every((k) => allowed.has(k));

/**
 * The path of the first object holding a member the format does not list (io-ts's exact
 * codecs would drop it silently), or undefined. Member names are never echoed.
 */
function unknownMember(json: Record<string, unknown>): string | undefined {
  if (!onlyKeys(json, MEMBERS)) return "$";
  for (const [name, allowed] of Object.entries(NESTED)) {
    const list = json[name];
    if (!Array.isArray(list)) continue;
    const i = list.findIndex((x) => isObject(x) && !onlyKeys(x, allowed));
    if (i >= 0) return `$.${name}[${i}]`;
  }
  const subjects = json.subjects;
  if (!Array.isArray(subjects)) return undefined;
  for (const [i, s] of subjects.entries()) {
    if (!isObject(s)) continue;
    const at = `$.subjects[${i}]`;
    if (!onlyKeys(s, SUBJECT_MEMBERS) || ("entry" in s && "end" in s)) return at;
    if (isObject(s.entry) && !onlyKeys(s.entry, ENTRY_MEMBERS)) return `${at}.entry`;
    if (isObject(s.end) && !onlyKeys(s.end, END_MEMBERS)) return `${at}.end`;
  }
  return undefined;
}
const ENTRY_MEMBERS = new Set(["count", "lastSeq", "lastHash"]);
const END_MEMBERS = new Set(["key", "valueHash"]);

const malformed = (reason: string, path = "$") =>
  E.left(new DaichoError("DECODE_ERROR", `extract: ${reason}`, { path }));

/**
 * Parse an extract strictly (spec §12.6 step 1): at most {@link MAX_EXTRACT_BYTES} of
 * UTF-8, one JSON object, no member name twice in any object, no member the format does
 * not list, every member of its type and within its bounds. Left(DECODE_ERROR) naming
 * the path otherwise; nothing in the file is trusted until `verifyExtract` checked it.
 */
export function parseExtract(input: string | Uint8Array): E.Either<DaichoError, SubjectExtract> {
  let text: string;
  if (typeof input === "string") {
    if (input.length > MAX_EXTRACT_BYTES)
      return malformed(`larger than ${MAX_EXTRACT_BYTES} bytes`);
    text = input;
  } else {
    if (!(input instanceof Uint8Array)) return malformed("not text");
    if (input.length > MAX_EXTRACT_BYTES)
      return malformed(`larger than ${MAX_EXTRACT_BYTES} bytes`);
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(input);
    } catch {
      return malformed("not UTF-8");
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return malformed("not JSON (truncated or damaged?)");
  }
  return decodeExtract(json, () => repeatsMemberName(text));
}

/**
 * Decode an already parsed extract value (for example the `extract` member of an access
 * report) with the checks of `parseExtract`; `repeats` says whether the source text named
 * a member twice.
 */
export function decodeExtract(
  json: unknown,
  repeats: () => boolean = () => false,
): E.Either<DaichoError, SubjectExtract> {
  if (typeof json !== "object" || json === null || Array.isArray(json))
    return malformed("not a JSON object");
  if (repeats()) return malformed("a member name appears twice in one object");
  const extra = unknownMember(json as Record<string, unknown>);
  if (extra !== undefined)
    return malformed("an unknown member, or a subject with both `entry` and `end`", extra);
  const decoded = decodeWith(SubjectExtract, json, "$");
  if (E.isLeft(decoded)) return malformed(decoded.left.reason, decoded.left.path);
  return decoded;
}

/** The bytes `daicho extract --json` writes: two-space indented JSON and one line feed. */
export function formatExtract(extract: SubjectExtract): string {
  return `${JSON.stringify(extract, null, 2)}\n`;
}

/** `parseExtract` that returns the extract or throws its `DaichoError`. */
export function parseExtractOrThrow(input: string | Uint8Array): SubjectExtract {
  const r = parseExtract(input);
  if (E.isLeft(r)) throw r.left;
  return r.right;
}

/** Plain form of {@link decodeExtract} (no fp-ts needed): the result, or throws its `DaichoError`. */
export const decodeExtractOrThrow = throwing(decodeExtract);
