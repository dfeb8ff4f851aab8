import { randomUUID } from "node:crypto";

/**
 * A UUID version 7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then random bits, so ids
 * sort roughly by creation time and index well. The random part comes from
 * `crypto.randomUUID` (a CSPRNG with a cached entropy pool, much cheaper per id than a
 * fresh `getRandomValues` call); its variant bits are already RFC 9562's `10`.
 */
export function uuidv7(now: number = Date.now()): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx
  const ts = now.toString(16).padStart(12, "0").slice(-12);
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${random.slice(15)}`;
}
