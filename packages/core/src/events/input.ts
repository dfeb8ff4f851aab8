import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { decodeWith } from "../decode";
import { DaichoError } from "../errors";
import { throwing } from "../plain";
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
/** The allowed `type` values, from the catalogue itself. */
const KNOWN_TYPES = `EventType: ${Object.keys(EVENT_PAYLOADS).join(" | ")}`;

/**
 * Decode untrusted input into an {@link EventInput}; the error names the path and reason.
 * Written with plain tag checks rather than `pipe`/`E.chain`: it runs once per appended
 * event, and fp-ts's dual-arity combinators copy their arguments on every call.
 */
export function decodeEventInput(
  input: unknown,
  root = "$",
  options: DecodeInputOptions = {},
): E.Either<DaichoError, EventInput> {
  const screen = options.allowPhoneLikeIds !== true;
  const shaped = decodeWith(screen ? SCREENED_INPUT : InputShape, input, root);
  if (E.isLeft(shaped)) return shaped;
  const shape = shaped.right;
  if (!isEventType(shape.type)) {
    return E.left(
      new DaichoError("DECODE_ERROR", `unknown event type: expected ${KNOWN_TYPES}`, {
        path: `${root}.type`,
        details: { known: Object.keys(EVENT_PAYLOADS) },
      }),
    );
  }
  const payload = EVENT_PAYLOADS[shape.type] as t.Type<unknown, unknown, unknown>;
  const decoded = decodeWith(
    screen ? screenPhoneLikeIds(payload) : payload,
    shape.payload,
    `${root}.payload`,
  );
  if (E.isLeft(decoded)) return decoded;
  const event = { ...shape, type: shape.type, payload: decoded.right } as EventInput;
  return checkPersonalSubjects(event, root);
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

/**
 * Plain form of {@link decodeEventInput} (no fp-ts needed): returns a typed
 * {@link EventInput} from untrusted input (a request body, a file), or throws
 * `DECODE_ERROR` naming the path and what was expected. Pass the result to
 * `ledger.append`.
 */
export const decodeEventInputOrThrow = throwing(decodeEventInput);
