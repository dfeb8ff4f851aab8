import { DaichoError } from "../errors";
import { bytesToHex } from "../hash";
import { MAP_PATH_MAX_BYTES, MAP_PATH_MIN_BYTES, type MapWrite } from "./record";

/**
 * The checks every map store applies before writing a version (shared so adapters do not
 * each write their own): a safe non-negative version above the latest stored one
 * (`CONCURRENCY_CONFLICT`, retryable, otherwise), positions of 2 to 34 bytes, and no
 * position twice.
 */
export function checkVersionWrite(
  version: number,
  writes: readonly MapWrite[],
  latest: number | null,
): void {
  if (!Number.isSafeInteger(version) || version < 0)
    throw new DaichoError("INVALID_ARGUMENT", "a map version is a non-negative integer", {
      path: "version",
    });
  if (latest !== null && latest >= version) {
    throw new DaichoError(
      "CONCURRENCY_CONFLICT",
      `the map already has version ${latest}; version ${version} cannot follow it`,
      { retryable: true, details: { latest, version } },
    );
  }
  const seen = new Set<string>();
  for (const [i, w] of writes.entries()) {
    if (w.path.length < MAP_PATH_MIN_BYTES || w.path.length > MAP_PATH_MAX_BYTES)
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "a map position is a path of 2 to 34 bytes (`mapPath`)",
        { path: `writes[${i}].path` },
      );
    const key = bytesToHex(w.path);
    if (seen.has(key))
      throw new DaichoError("INVALID_ARGUMENT", "a map position is written twice in one version", {
        path: `writes[${i}]`,
      });
    seen.add(key);
  }
}
