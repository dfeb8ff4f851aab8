import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { decodeWith } from "../decode";
import type { DaichoError } from "../errors";
import { AlertSeverity } from "../events/catalogue";
import { Id, Label, type LabelBrand, strictStruct } from "../events/primitives";
import { orThrow, throwing } from "../plain";
import { WorkingHoursCodec } from "../policy/config";
import { compileWorkingHours } from "../policy/hours";
import { type CidrRange, parseCidr } from "../policy/ip";

const Positive = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n > 0, "PositiveInteger");
const Window = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n > 0, "WindowMs");
/**
 * Rule name → severity. Typed by name so the published declaration spells the key brand
 * `LabelBrand` (inferred, the bundled `.d.ts` pointed at an undeclared namespace).
 */
const Severities: t.RecordC<t.BrandC<t.StringC, LabelBrand>, typeof AlertSeverity> = t.record(
  Label,
  AlertSeverity,
);

/**
 * Monitoring thresholds (SOC 2 CC7.2, ISO 27001 A.8.16). Every rule is off unless
 * configured. "More than N" rules fire on N + 1; "N times" rules fire on the N-th.
 */
export const MonitorConfig = strictStruct(
  "MonitorConfig",
  {},
  {
    /** Fires when one actor exports more than `maxSubjects` distinct subjects or `maxRecords` records within `windowMs`. */
    massExport: strictStruct(
      "MassExportRule",
      { windowMs: Window },
      { maxSubjects: Positive, maxRecords: Positive },
    ),
    /** Fires when one actor is denied `count` times within `windowMs`. */
    repeatedDenials: strictStruct("RepeatedDenialsRule", { count: Positive, windowMs: Window }),
    /** Fires on any access, export or share outside these hours. */
    workingHours: WorkingHoursCodec,
    /** Fires on any event whose request context IP is outside these CIDR ranges. */
    ipAllowList: t.array(t.refinement(t.string, (s) => parseCidr(s) !== undefined, "Cidr")),
    /** Fires on exports and shares to any other destination; `id: "*"` approves a whole kind. */
    approvedDestinations: t.array(
      strictStruct("ApprovedDestination", { kind: Label, id: t.union([Id, t.literal("*")]) }),
    ),
    /** Fires on any action by an actor offboarded at the time (default on). */
    offboardedAccess: t.boolean,
    /** Severity per rule name, overriding the defaults. */
    severities: Severities,
    /** Actor id written on `alert.raised` events (default `daicho-monitor`). */
    monitorActor: Id,
    /**
     * Quiet period after an alert for the same rule, actor and IP or destination, while it
     * is unresolved (default one hour; 0 = every firing alerts). Acknowledged problems stay
     * quiet until resolved.
     */
    cooldownMs: t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, "CooldownMs"),
    /** Fires when one account fails to log in `count` times within `windowMs` (brute force). */
    bruteForce: strictStruct("BruteForceRule", { count: Positive, windowMs: Window }),
    /** Fires when one IP address fails logins for `accounts` distinct accounts within `windowMs`. */
    credentialStuffing: strictStruct("CredentialStuffingRule", {
      accounts: Positive,
      windowMs: Window,
    }),
    /** Fires when an actor logs in from a device or IP address not seen for them before (default off). */
    firstSeen: t.boolean,
    /** Fires when an actor reaches a volume limit's `warnAtPercent` (default on). */
    volumeApproaching: t.boolean,
  },
);
export type MonitorConfigInput = t.OutputOf<typeof MonitorConfig>;

export interface CompiledMonitorConfig {
  readonly massExport?: {
    readonly windowMs: number;
    readonly maxSubjects?: number;
    readonly maxRecords?: number;
  };
  readonly repeatedDenials?: { readonly count: number; readonly windowMs: number };
  readonly withinHours?: (at: number) => boolean;
  readonly ipAllowList?: readonly CidrRange[];
  readonly approvedDestinations?: readonly { readonly kind: string; readonly id: string }[];
  readonly offboardedAccess: boolean;
  readonly severities: Readonly<Record<string, "info" | "warning" | "critical">>;
  readonly monitorActor: string;
  /** See `MonitorConfig.cooldownMs`. */
  readonly cooldownMs: number;
  readonly bruteForce?: { readonly count: number; readonly windowMs: number };
  readonly credentialStuffing?: { readonly accounts: number; readonly windowMs: number };
  readonly firstSeen?: boolean;
  readonly volumeApproaching?: boolean;
}

/** Decode monitor thresholds; `DECODE_ERROR` names the path of the first bad member. */
export function decodeMonitorConfig(input: unknown): E.Either<DaichoError, CompiledMonitorConfig> {
  return pipe(
    decodeWith(MonitorConfig, input, "$monitor"),
    E.map((c) => ({
      ...(c.massExport ? { massExport: c.massExport } : {}),
      ...(c.repeatedDenials ? { repeatedDenials: c.repeatedDenials } : {}),
      ...(c.workingHours ? { withinHours: compileWorkingHours(c.workingHours) } : {}),
      ...(c.ipAllowList
        ? { ipAllowList: c.ipAllowList.map((s) => parseCidr(s) as CidrRange) }
        : {}),
      ...(c.approvedDestinations ? { approvedDestinations: c.approvedDestinations } : {}),
      offboardedAccess: c.offboardedAccess ?? true,
      severities: { ...DEFAULT_SEVERITIES, ...c.severities },
      monitorActor: c.monitorActor ?? "daicho-monitor",
      cooldownMs: c.cooldownMs ?? DEFAULT_COOLDOWN_MS,
      ...(c.bruteForce ? { bruteForce: c.bruteForce } : {}),
      ...(c.credentialStuffing ? { credentialStuffing: c.credentialStuffing } : {}),
      firstSeen: c.firstSeen ?? false,
      volumeApproaching: c.volumeApproaching ?? true,
    })),
  );
}

/** One hour: a person gets one alert per open problem per hour at most. */
export const DEFAULT_COOLDOWN_MS = 3_600_000;

export const DEFAULT_SEVERITIES: Readonly<Record<string, "info" | "warning" | "critical">> = {
  "mass-export": "critical",
  "out-of-hours": "warning",
  "repeated-denials": "warning",
  "offboarded-actor": "critical",
  "ip-not-allowed": "warning",
  "unapproved-destination": "critical",
  "brute-force": "warning",
  "credential-stuffing": "critical",
  "first-seen-device-or-ip": "info",
  "volume-approaching": "warning",
};

/**
 * Compile monitor thresholds written in code: the input is typed
 * ({@link MonitorConfigInput}), so a misspelt member or a value of the wrong type is a
 * compile error; it is still decoded at run time, throwing the `DaichoError` of
 * {@link decodeMonitorConfig}. For thresholds read from a file, use
 * `decodeMonitorConfigOrThrow`.
 */
export function compileMonitorConfig(input: MonitorConfigInput): CompiledMonitorConfig {
  return orThrow(decodeMonitorConfig(input));
}

/**
 * Plain form of {@link decodeMonitorConfig} (no fp-ts needed): returns the compiled
 * thresholds from untyped input (a JSON file), or throws `DECODE_ERROR` naming the path
 * and what was expected.
 */
export const decodeMonitorConfigOrThrow = throwing(decodeMonitorConfig);
