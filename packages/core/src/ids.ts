/**
 * A UUID version 7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then random bits, so ids
 * sort roughly by creation time and index well. The random part comes from
 * the Web Crypto `crypto.randomUUID` (a CSPRNG; in Node it keeps a cached entropy pool, much
 * cheaper per id than a fresh `getRandomValues` call); its variant bits are already RFC 9562's
 * `10`. It is the global `crypto`, not `node:crypto`, so browsers and other runtimes (Deno, Bun,
 * workers) load this module too.
 */
export function uuidv7(now: number = Date.now()): string {
  const random = globalThis.crypto.randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx
  const ts = now.toString(16).padStart(12, "0").slice(-12);
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${random.slice(15)}`;
}
