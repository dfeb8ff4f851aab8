import type { Store } from "../store/store";

/**
 * A store that behaves like `inner` except for the methods in `overrides`: for tests that
 * play a hostile or failing store (a tampered subject index, a write that lands from
 * another process at a chosen moment, a store that fails), without copying every method.
 */
export function overrideStore(inner: Store, overrides: Partial<Store>): Store {
  return {
    kind: overrides.kind ?? inner.kind,
    init: overrides.init ?? ((m) => inner.init(m)),
    meta: overrides.meta ?? (() => inner.meta()),
    head: overrides.head ?? (() => inner.head()),
    append: overrides.append ?? ((e, x) => inner.append(e, x)),
    read: overrides.read ?? ((r) => inner.read(r)),
    get: overrides.get ?? ((s) => inner.get(s)),
    subjectHeads: overrides.subjectHeads ?? ((s) => inner.subjectHeads(s)),
    readSubject: overrides.readSubject ?? ((s) => inner.readSubject(s)),
    subjectIndexCounts: overrides.subjectIndexCounts ?? ((t) => inner.subjectIndexCounts(t)),
    strayIndexRows: overrides.strayIndexRows ?? ((t, l) => inner.strayIndexRows(t, l)),
    close: overrides.close ?? (() => inner.close()),
  };
}
