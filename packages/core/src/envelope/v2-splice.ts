import { canonicalForm } from "../canonical";
import type { SubjectHead } from "../chain";
import type { SealedField } from "../events/envelope";
import { HASH_TAGS, taggedHashHexOfText } from "../hash";
import { eventHashV2OfBody } from "./v2-hash";

/**
 * The envelope version 2 half of the pooled splice (`seal-parts.ts`, docs/spec.md §13): the
 * full-form text of an event from its canonical common members and its subjects' salts and
 * commitments, and its event hash computed from the same strings — each subject's part
 * `{"c","personal","prevHash","prevSeq"}` and the hashed form with `parts` — without
 * canonicalizing the body or its parts again. `seal-parts.test.ts` holds the result equal,
 * byte for byte, to `sealEvent(buildBody(…, { salts }))` by property test.
 */

/** Per subject, in `subjects` order: its salt (hex) and `c = H(salt ‖ id)` (hex). */
export interface V2Commitments {
  readonly salts: readonly string[];
  readonly commits: readonly string[];
}

/** The v2 members of one event the splice writes: `personal`, `subjects`, and the hash. */
export interface V2Splice {
  /** `,"personal":[…]` or `""`; goes after `payload`. */
  readonly personalText: string;
  readonly personalCopy: readonly unknown[] | undefined;
  /** `,"subjects":[…]` or `""`; goes after `seq`. */
  readonly subjectsText: string;
  readonly links: readonly Record<string, unknown>[] | undefined;
  /** The part hashes, sorted; undefined when two are equal (the event then has no hash). */
  readonly parts: readonly string[] | undefined;
  /** True when a sealed value names no subject of the event (never from a decoded input). */
  readonly irregular: boolean;
}

/** The v2 `personal` and `subjects` members of one event, and its sorted part hashes. */
export function spliceV2Members(
  subjects: readonly string[],
  commitments: V2Commitments,
  subjectHeads: Pick<ReadonlyMap<string, SubjectHead>, "get">,
  personal: readonly SealedField[] | undefined,
): V2Splice {
  const rank = new Map(subjects.map((s, i) => [s, i]));
  const grouped =
    personal === undefined || personal.length === 0
      ? undefined
      : [...personal].sort((a, b) => (rank.get(a.subject) ?? -1) - (rank.get(b.subject) ?? -1));
  const irregular = grouped?.some((p) => !rank.has(p.subject)) ?? false;
  let personalText = "";
  let personalCopy: readonly unknown[] | undefined;
  if (grouped !== undefined) {
    const form = canonicalForm(grouped);
    personalText = `,"personal":${form.text}`;
    personalCopy = form.copy as unknown[];
  }
  if (subjects.length === 0) {
    return { personalText, personalCopy, subjectsText: "", links: undefined, parts: [], irregular };
  }
  const links: Record<string, unknown>[] = [];
  const hashes: string[] = [];
  let subjectsText = `,"subjects":[`;
  for (let i = 0; i < subjects.length; i++) {
    const id = subjects[i] as string;
    const salt = commitments.salts[i] as string;
    const head = subjectHeads.get(id);
    const back =
      head === undefined ? "" : `,"prevHash":${JSON.stringify(head.hash)},"prevSeq":${head.seq}`;
    if (i > 0) subjectsText += ",";
    subjectsText += `{"id":${JSON.stringify(id)}${back},"salt":${JSON.stringify(salt)}}`;
    links.push(
      head === undefined ? { id, salt } : { id, prevHash: head.hash, prevSeq: head.seq, salt },
    );
    let own = "";
    for (const p of grouped ?? []) {
      if (p.subject !== id) continue;
      const { subject: _subject, ...rest } = p;
      own += `${own === "" ? "" : ","}${canonicalForm(rest).text}`;
    }
    const part = `{"c":${JSON.stringify(commitments.commits[i])}${own === "" ? "" : `,"personal":[${own}]`}${back}}`;
    hashes.push(taggedHashHexOfText(HASH_TAGS.subjectPart, part));
  }
  subjectsText += "]";
  hashes.sort();
  const unique = hashes.every((h, i) => i === 0 || hashes[i - 1] !== h);
  return {
    personalText,
    personalCopy,
    subjectsText,
    links,
    parts: unique ? hashes : undefined,
    irregular,
  };
}

/**
 * The v2 event hash from the hashed form's strings (§13.3): `before` is the text of the
 * members sorting before `parts` (`{"actor":…,"id":…,"occurredAt":…`), `after` those after
 * it (`,"payload":…,…,"v":2}`). `fullText` is the body, hashed the slow way when the splice
 * was irregular (a value naming no subject), so even that case equals the sealer's `""`.
 */
export function eventHashV2OfSplice(
  splice: V2Splice,
  before: string,
  after: string,
  fullText: string,
): string {
  if (splice.irregular) return eventHashV2OfBody(JSON.parse(fullText) as Record<string, unknown>);
  if (splice.parts === undefined) return "";
  const parts = splice.parts.map((h) => `"${h}"`).join(",");
  return taggedHashHexOfText(HASH_TAGS.eventV2, `${before},"parts":[${parts}]${after}`);
}
