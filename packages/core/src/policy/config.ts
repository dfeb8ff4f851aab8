import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { decodeWith } from "../decode";
import type { DaichoError } from "../errors";
import { Action, ClassificationLevel, LawfulBasis } from "../events/catalogue";
import { Label, type LabelBrand, Note, strictStruct } from "../events/primitives";
import { described } from "../expected";
import { orThrow, throwing } from "../plain";
import { levelRank } from "../views/classification";
import { compileWorkingHours, minutesOf } from "./hours";
import { type CidrRange, parseCidr } from "./ip";

/**
 * How the host processes data for one purpose. `basis` is the GDPR Art. 6 / APPI basis the
 * host relies on. With `perSubject` (the default) each subject needs their own recorded
 * basis (`consent.granted`, whose `lawfulBasis` may be `contract` etc.) in force; without
 * it the host's blanket basis covers every subject — but a recorded withdrawal or
 * objection for the purpose still locks that subject.
 */
export const PurposeRule = strictStruct(
  "PurposeRule",
  { basis: LawfulBasis },
  { perSubject: t.boolean, description: Note },
);

/** A time of day on the 24-hour clock, `09:00` to `23:59`. */
const ClockTime = described(
  t.refinement(t.string, (s) => !Number.isNaN(minutesOf(s)), "HH:MM"),
  "24-hour time such as 09:00",
);

export const WorkingHoursCodec = strictStruct("WorkingHours", {
  timeZone: described(
    t.refinement(t.string, validTimeZone, "TimeZone"),
    "an IANA time zone name such as Asia/Tokyo",
  ),
  days: t.array(
    described(
      t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n <= 6, "Weekday"),
      "an integer from 0 (Sunday) to 6 (Saturday)",
    ),
  ),
  start: ClockTime,
  end: ClockTime,
});

/**
 * Purpose name → rule. Typed by name so the published declaration spells the key brand
 * `LabelBrand` (inferred, the bundled `.d.ts` pointed at an undeclared namespace).
 */
const PurposeRules: t.RecordC<t.BrandC<t.StringC, LabelBrand>, typeof PurposeRule> = t.record(
  Label,
  PurposeRule,
);

/** The host's access policy, decoded with {@link decodePolicyConfig}. */
export const PolicyConfig = strictStruct(
  "PolicyConfig",
  {
    /** Every purpose the host processes data for; any other purpose is denied. */
    purposes: PurposeRules,
  },
  {
    /**
     * Purposes still allowed while a subject's processing is restricted (GDPR Art. 18(2):
     * storage, legal claims, protecting another person's rights, important public
     * interest). Default `["storage", "legal-claims"]`.
     */
    restrictionExemptPurposes: t.array(Label),
    /** Level of items never classified (default `internal`). */
    defaultLevel: ClassificationLevel,
    /** Clearance of actors onboarded without one (default `internal`). */
    defaultClearance: ClassificationLevel,
    /** CIDR ranges requests must come from; absent = no IP check. */
    ipAllowList: t.array(
      described(
        t.refinement(t.string, (s) => parseCidr(s) !== undefined, "Cidr"),
        "an IPv4 or IPv6 CIDR range such as 192.0.2.0/24",
      ),
    ),
    /** Requests outside these hours are denied; absent = no time check. */
    workingHours: WorkingHoursCodec,
    /**
     * Actions for which fields the actor may not see are masked rather than denied
     * (default `["read", "export"]`). For other actions such fields deny the request.
     */
    maskActions: t.array(Action),
    /** Deny requests about resources no `record.*` event mentioned (default true). */
    requireKnownResource: t.boolean,
    /**
     * Four eyes (issue 14): grants that can reach this level or above — a `clearance` at
     * or above it, or none (the actor's own clearance then applies) — are pending, and
     * allow nothing, until a second person approves them (`permission.approved`).
     * Absent = no approval needed (the behaviour before).
     */
    fourEyesFrom: ClassificationLevel,
  },
);
export type PolicyConfigInput = t.OutputOf<typeof PolicyConfig>;

/** A decoded policy with its allow-list parsed and its working hours compiled. */
export interface CompiledPolicy {
  readonly purposes: ReadonlyMap<
    string,
    { readonly basis: LawfulBasis; readonly perSubject: boolean }
  >;
  readonly restrictionExempt: ReadonlySet<string>;
  readonly defaultLevelRank: number;
  readonly defaultClearanceRank: number;
  readonly ipAllowList?: readonly CidrRange[];
  readonly withinHours?: (at: number) => boolean;
  readonly maskActions: ReadonlySet<string>;
  readonly requireKnownResource: boolean;
  /** Rank of `fourEyesFrom` (see {@link PolicyConfig}); absent = off. */
  readonly fourEyesRank?: number;
}

/**
 * Decode and compile a host policy. Fails with `DECODE_ERROR` naming the path of the
 * first bad member (an unknown purpose label, a malformed CIDR, an unknown time zone).
 */
export function decodePolicyConfig(input: unknown): E.Either<DaichoError, CompiledPolicy> {
  return pipe(
    decodeWith(PolicyConfig, input, "$policy"),
    E.map((c) => {
      const purposes = new Map<string, { basis: LawfulBasis; perSubject: boolean }>();
      for (const [label, rule] of Object.entries(c.purposes)) {
        purposes.set(label, { basis: rule.basis, perSubject: rule.perSubject ?? true });
      }
      const policy: CompiledPolicy = {
        purposes,
        restrictionExempt: new Set(c.restrictionExemptPurposes ?? ["storage", "legal-claims"]),
        defaultLevelRank: levelRank(c.defaultLevel ?? "internal"),
        defaultClearanceRank: levelRank(c.defaultClearance ?? "internal"),
        ...(c.ipAllowList
          ? { ipAllowList: c.ipAllowList.map((s) => parseCidr(s) as CidrRange) }
          : {}),
        ...(c.workingHours ? { withinHours: compileWorkingHours(c.workingHours) } : {}),
        maskActions: new Set(c.maskActions ?? ["read", "export"]),
        requireKnownResource: c.requireKnownResource ?? true,
        ...(c.fourEyesFrom ? { fourEyesRank: levelRank(c.fourEyesFrom) } : {}),
      };
      return policy;
    }),
  );
}

/**
 * Compile a policy written in code: the input is typed ({@link PolicyConfigInput}), so a
 * misspelt member, an unknown lawful basis or action is a compile error, and it is still
 * decoded at run time (labels, CIDR ranges, time zones), throwing the `DaichoError` of
 * {@link decodePolicyConfig}. For a policy read from a file (untyped JSON), use
 * `decodePolicyConfigOrThrow`.
 */
export function compilePolicy(input: PolicyConfigInput): CompiledPolicy {
  return orThrow(decodePolicyConfig(input));
}

function validTimeZone(s: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: s });
    return true;
  } catch {
    return false;
  }
}

/**
 * Plain form of {@link decodePolicyConfig} (no fp-ts needed): returns the compiled policy
 * from untyped input (a JSON file), or throws `DECODE_ERROR` naming the path and what was
 * expected. For a policy written in code, {@link compilePolicy} also checks it at compile
 * time.
 */
export const decodePolicyConfigOrThrow = throwing(decodePolicyConfig);
