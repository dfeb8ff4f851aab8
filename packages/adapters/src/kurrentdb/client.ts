import type { KurrentDBClient } from "@kurrent/kurrentdb-client";

/**
 * The part of the real client's API (`@kurrent/kurrentdb-client`, its own type
 * declarations) the store uses. A `KurrentDBClient` is one; so is the in-process fake in
 * `testing/`, which is how the store's logic is tested where no server can run.
 */
export type KurrentClient = Pick<
  KurrentDBClient,
  "appendToStream" | "multiStreamAppend" | "readStream" | "getStreamMetadata" | "dispose"
>;

/** The client's constants (`constants.d.ts`), as literals so the store needs no runtime import. */
export const NO_STREAM = "no_stream" as const;
export const ANY = "any" as const;
export const START = "start" as const;
export const END = "end" as const;
export const FORWARDS = "forwards" as const;
export const BACKWARDS = "backwards" as const;

/** A JSON event as the client's `jsonEvent` builds it. */
export function jsonRecord(id: string, type: string, data: Record<string, unknown>) {
  return { id, contentType: "application/json" as const, type, data, metadata: undefined };
}

/** A binary event as the client's `binaryEvent` builds it (used for `$>` links). */
export function binaryRecord(id: string, type: string, data: Uint8Array) {
  return { id, contentType: "application/octet-stream" as const, type, data, metadata: undefined };
}

type Kurrent = typeof import("@kurrent/kurrentdb-client");

/** Load the optional peer dependency; the caller maps a failure to a typed error. */
export async function loadClientModule(): Promise<Kurrent> {
  return await import("@kurrent/kurrentdb-client");
}
