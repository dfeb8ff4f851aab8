import { expect } from "vitest";
import { isDaichoError } from "../errors";
import type { StoredEvent } from "../events/envelope";
import type { Store } from "../store/store";
import { overrideStore } from "../testing/override-store";

/** Await `p` and require it to reject with a `DaichoError` of `code`. (Test support.) */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isDaichoError(e)) throw new Error(`expected a DaichoError ${code}, got ${String(e)}`);
  expect(e.code).toBe(code);
}

/**
 * A store whose reads (`read`, and `readSubject` unless `subjectEdit` is false) hand out
 * events of `type` with their stored body edited by `edit` once `on()` is true: an
 * operator editing a stored byte. (Test support.)
 */
export function tamperedStore(
  inner: Store,
  type: string,
  edit: (body: string) => string,
  on: () => boolean,
): Store {
  const tamper = (s: StoredEvent): StoredEvent =>
    on() && s.type === type ? { ...s, body: edit(s.body) } : s;
  return overrideStore(inner, {
    read: (range) =>
      (async function* () {
        for await (const s of inner.read(range)) yield tamper(s);
      })(),
    readSubject: (subject) =>
      (async function* () {
        for await (const s of inner.readSubject(subject)) yield tamper(s);
      })(),
    readByType: async (types, fromSeq, limit) =>
      (await inner.readByType(types, fromSeq, limit)).map(tamper),
  });
}
