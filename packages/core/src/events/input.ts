import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { decodeWith } from "../decode";
import { DaichoError } from "../errors";
import { EVENT_PAYLOADS, type EventType, isEventType, type PayloadInput } from "./catalogue";
import { Actor } from "./envelope";
import { screenPhoneLikeIds } from "./id-screen";
import { boundedList, FieldName, Id, KeepValue, strictStruct, Timestamp } from "./primitives";

/**
 * A personal value a caller wants recorded: sealed under `subject`'s data key before the
 * event is hashed, so the log holds only ciphertext (docs/spec.md §10).
 * `keep` is the host-declared non-identifying part that stays readable after erasure
 * (a birth year, the last digits); it is stored in clear, so it must not identify: at
 * most 8 characters, screened like a Note (`KeepValue`).
 */
export const PersonalInput = strictStruct(
  "PersonalInput",
  {
    subject: Id,
    field: FieldName,
    value: t.refinement(t.string, (s) => s.length <= 65536, "PersonalValue"),
  },
  { keep: KeepValue },
);
export type PersonalInput = t.TypeOf<typeof PersonalInput>;

/**
 * What a caller hands to `ledger.append`: the type, its payload, who acted and which
 * data subjects the event concerns. The ledger adds sequence number, ids, timestamps and
 * links. `occurredAt` defaults to the recording time.
 */
export type EventInput<T extends EventType = EventType> = {
  [K in T]: {
    readonly type: K;
    readonly payload: PayloadInput<K>;
    readonly actor: t.OutputOf<typeof Actor>;
    readonly subjects?: readonly string[];
    readonly occurredAt?: string;
    readonly id?: string;
    /** Personal values to seal (needs a ledger opened with `keys`); each subject must be in `subjects`. */
    readonly personal?: readonly t.OutputOf<typeof PersonalInput>[];
  };
}[T];

const InputShape = strictStruct(
  "EventInput",
  { type: t.string, payload: t.unknown, actor: Actor },
  {
    subjects: boundedList(Id, 4096, "Subjects"),
    occurredAt: Timestamp,
    id: Id,
    personal: t.refinement(t.array(PersonalInput), (xs) => xs.length <= 256, "PersonalInputs"),
  },
);

/** How the append path decodes input beyond the codecs themselves. */
export interface DecodeInputOptions {
  /**
   * Accept ids that look like phone numbers (docs/spec.md §2.3). Default false: every Id
   * in the input (event id, actor, subjects, payload references) is screened.
   */
  readonly allowPhoneLikeIds?: boolean;
}

const SCREENED_INPUT = screenPhoneLikeIds(InputShape);

/** Decode untrusted input into an {@link EventInput}; the error names the path and reason. */
export function decodeEventInput(
  input: unknown,
  root = "$",
  options: DecodeInputOptions = {},
): E.Either<DaichoError, EventInput> {
  const screen = options.allowPhoneLikeIds !== true;
  return pipe(
    decodeWith(screen ? SCREENED_INPUT : InputShape, input, root),
    E.chain((shape) => {
      if (!isEventType(shape.type)) {
        return E.left(
          new DaichoError("DECODE_ERROR", "unknown event type", {
            path: `${root}.type`,
            details: { known: Object.keys(EVENT_PAYLOADS) },
          }),
        );
      }
      const payload = EVENT_PAYLOADS[shape.type] as t.Type<unknown, unknown, unknown>;
      const codec = screen ? screenPhoneLikeIds(payload) : payload;
      return pipe(
        decodeWith(codec, shape.payload, `${root}.payload`),
        E.map((payload) => ({ ...shape, type: shape.type, payload }) as EventInput),
        E.chainFirst((decoded) => checkPersonalSubjects(decoded, root)),
      );
    }),
  );
}

/**
 * Every personal value must name one of the event's subjects (so the subject's own
 * back-linked list reaches it, for erasure and access requests), and a (subject, field)
 * pair may appear once per event.
 */
function checkPersonalSubjects(input: EventInput, root: string): E.Either<DaichoError, EventInput> {
  const subjects = new Set(input.subjects ?? []);
  const seen = new Set<string>();
  const personal = input.personal ?? [];
  for (let i = 0; i < personal.length; i++) {
    const p = personal[i] as t.OutputOf<typeof PersonalInput>;
    if (!subjects.has(p.subject)) {
      return E.left(
        new DaichoError("DECODE_ERROR", "personal value names a subject not in `subjects`", {
          path: `${root}.personal[${i}].subject`,
        }),
      );
    }
    const key = `${p.subject}\u0000${p.field}`;
    if (seen.has(key)) {
      return E.left(
        new DaichoError("DECODE_ERROR", "the same subject and field appear twice", {
          path: `${root}.personal[${i}]`,
        }),
      );
    }
    seen.add(key);
  }
  return E.right(input);
}
