/**
 * Run `f` after every earlier call for the same `key` has settled (within this process),
 * so steps on one object (a subject, an incident) never interleave. A rejected step does
 * not block the next; the map forgets a key once its queue is empty.
 */
export function serialised<A>(
  locks: Map<string, Promise<unknown>>,
  key: string,
  f: () => Promise<A>,
): Promise<A> {
  const prev = locks.get(key) ?? Promise.resolve();
  const next = prev.then(f, f);
  const tail = next.catch(() => undefined);
  locks.set(key, tail);
  void tail.then(() => {
    if (locks.get(key) === tail) locks.delete(key);
  });
  return next;
}
