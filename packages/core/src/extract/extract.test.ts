import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { beforeAll, describe, expect, it } from "vitest";
import { emitCheckpoint } from "../checkpoint/emit";
import { ed25519Signer } from "../checkpoint/signer";
import type { EventInput } from "../events/input";
import { openLedger } from "../ledger";
import { memoryMapStore } from "../map/memory-store";
import type { MapStore } from "../map/store";
import { catchUp } from "../merkle/ledger-tree";
import { memoryTreeStore } from "../merkle/memory-tree-store";
import type { TreeStore } from "../merkle/tree-store";
import { memoryStore } from "../store/memory";
import { accessInput as access } from "../testing/fixtures";
import { overrideStore } from "../testing/override-store";
import { buildExtract, exportExtract } from "./build";
import { parseExtract, type SubjectExtract } from "./format";
import { verifyExtract } from "./verify";

const ledgerId = "crm.example.com/extract";
const log = ed25519Signer(ledgerId, new Uint8Array(32).fill(7));
const stranger = ed25519Signer(ledgerId, new Uint8Array(32).fill(8));
const policy = { keys: [log.verifier] };

/** The seqs of `inputs()` about `id`, below `to`. */
function seqsOf(id: string, to = 120): number[] {
  const all = inputs(0, to);
  return all.flatMap((e, seq) => ((e.subjects as string[]).includes(id) ? [seq] : []));
}

/** 120 events: alice every 5th, bob every 7th (with carol on every 14th), dave the rest. */
function inputs(from = 0, to = 120): EventInput[] {
  const out: EventInput[] = [];
  for (let n = from; n < to; n++) {
    if (n % 5 === 0) out.push(access(n, "alice"));
    else if (n % 14 === 0) out.push(access(n, "bob", "carol"));
    else if (n % 7 === 0) out.push(access(n, "bob"));
    else out.push(access(n, `dave-${n % 11}`));
  }
  return out;
}

async function setup(map: MapStore = memoryMapStore()) {
  const store = memoryStore();
  const ledger = await openLedger({ store, ledgerId });
  await ledger.appendBatch(inputs(0, 60));
  const tree = await catchUp(memoryTreeStore(), ledger.store);
  const cp60 = (await emitCheckpoint(tree, log, ledgerId, { map })).note;
  await ledger.appendBatch(inputs(60, 120));
  const cp120 = (await emitCheckpoint(tree, log, ledgerId, { map })).note;
  return { ledger, tree, map, cp60, cp120, store };
}

// biome-ignore lint/suspicious/noExplicitAny: extracts are edited loosely in tests
type Loose = any;
const code = (r: E.Either<{ code: string }, unknown>) => (E.isLeft(r) ? r.left.code : "OK");
const text = (x: unknown) => JSON.stringify(x);
/** A deep copy to edit. */
const edit = (x: SubjectExtract): Loose => JSON.parse(JSON.stringify(x));

describe("extracts (spec §12.6)", () => {
  it("proves every event about a subject, and only those, with a map entry and one multi-proof", async () => {
    const { tree, map } = await setup();
    const x = await exportExtract(tree, ledgerId, { subjects: ["alice"], policy, map });
    const r = verifyExtract(text(x), { policy });
    expect(code(r)).toBe("OK");
    const report = (r as E.Right<Loose>).right;
    const alice = seqsOf("alice");
    expect(alice.length).toBe(24);
    expect(report.subjects).toEqual([{ id: "alice", member: true, count: 24, events: alice }]);
    expect(report.checkpoint.size).toBe(120);
    expect(x.events.map((e) => e.seq)).toEqual(alice);
    // Shared upper nodes: fewer hashes than 24 separate audit paths (24 · 7).
    expect(x.inclusion.length).toBeLessThan(24 * 7);
  });

  it("reads from the map store or, without its version, rebuilds the map from the events: same extract", async () => {
    const { tree, map } = await setup();
    const fromStore = await exportExtract(tree, ledgerId, { subjects: ["alice"], policy, map });
    const rebuilt = await exportExtract(tree, ledgerId, { subjects: ["alice"], policy });
    expect(rebuilt).toEqual(fromStore);
  });

  it("uses the map that checkpoint emission kept for the tree, without rereading every event", async () => {
    const store = memoryStore();
    const ledger = await openLedger({ store, ledgerId });
    await ledger.appendBatch(inputs(0, 60));
    let reads = 0;
    const counted = overrideStore(store, {
      async *read(r) {
        for await (const e of store.read(r)) {
          reads++;
          yield e;
        }
      },
    });
    const tree = await catchUp(memoryTreeStore(), counted);
    await emitCheckpoint(tree, log, ledgerId); // no map option: the per-tree in-memory store
    const before = reads;
    const x = await exportExtract(tree, ledgerId, { subjects: ["alice"], policy });
    expect(code(verifyExtract(text(x), { policy }))).toBe("OK");
    expect(reads).toBe(before);
  });

  it("proves non-membership of an id the ledger never saw, in O(log n) hashes", async () => {
    const { tree, map } = await setup();
    const x = await exportExtract(tree, ledgerId, { subjects: ["nobody-at-all"], policy, map });
    const r = verifyExtract(text(x), { policy });
    expect(code(r)).toBe("OK");
    expect((r as E.Right<Loose>).right.subjects).toEqual([
      { id: "nobody-at-all", member: false, count: 0, events: [] },
    ]);
    // 14 subjects in the map: a path of a handful of hashes.
    expect(x.subjects[0]?.mapProof.length).toBeLessThanOrEqual(8);
    expect(x.events).toEqual([]);
    expect(x.inclusion).toEqual([]);
  });

  it("refuses by default to reveal a co-subject's id, and writes it when told to", async () => {
    const { tree, map } = await setup();
    const refused = exportExtract(tree, ledgerId, { subjects: ["bob"], policy, map });
    await expect(refused).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      details: { sharedEvents: seqsOf("carol").length },
    });
    await expect(refused).rejects.not.toThrow(/carol/);
    const shown = await exportExtract(tree, ledgerId, {
      subjects: ["bob"],
      policy,
      map,
      shared: "reveal",
    });
    expect(code(verifyExtract(text(shown), { policy }))).toBe("OK");
    // Extracting both people shares nothing with a third: no refusal.
    const both = await exportExtract(tree, ledgerId, { subjects: ["carol", "bob"], policy, map });
    const r = verifyExtract(text(both), { policy, expectSubjects: ["bob", "carol"] });
    expect(code(r)).toBe("OK");
    expect((r as E.Right<Loose>).right.subjects.map((s: Loose) => s.events)).toEqual([
      seqsOf("bob"),
      seqsOf("carol"),
    ]);
  });

  it("anchors to an older checkpoint when asked, and a verifier holding a newer one refuses it", async () => {
    const { tree, map, cp60, cp120 } = await setup();
    const old = await exportExtract(tree, ledgerId, {
      subjects: ["alice"],
      checkpoint: cp60,
      policy,
      map,
    });
    expect(code(verifyExtract(text(old), { policy }))).toBe("OK");
    expect(old.events.map((e) => e.seq)).toEqual(seqsOf("alice", 60));
    expect(code(verifyExtract(text(old), { policy, held: cp120 }))).toBe("PROOF_INVALID");
    const current = await exportExtract(tree, ledgerId, {
      subjects: ["alice"],
      older: [cp60],
      policy,
      map,
    });
    expect(code(verifyExtract(text(current), { policy, held: cp60 }))).toBe("OK");
  });
});

describe("extract tampering is detected (spec §12.6)", () => {
  let good: SubjectExtract;
  let other: SubjectExtract;
  beforeAll(async () => {
    const { tree, map } = await setup();
    good = await exportExtract(tree, ledgerId, {
      subjects: ["alice", "carol", "nobody"],
      policy,
      map,
      shared: "reveal",
    });
    other = await exportExtract(tree, ledgerId, { subjects: ["dave-3"], policy, map });
  });
  const alice = () => edit(good).subjects.findIndex((s: Loose) => s.id === "alice");

  const cases: [string, (x: Loose) => void, string][] = [
    [
      "a dropped event (kept out of the list and the file)",
      (x) => {
        const a = x.subjects[alice()];
        const seq = a.events.splice(3, 1)[0];
        x.events = x.events.filter((e: Loose) => e.seq !== seq);
      },
      "PROOF_INVALID",
    ],
    [
      "the last event dropped and the entry set back to the one before (a forged map entry)",
      (x) => {
        const a = x.subjects[alice()];
        const last = a.events.pop();
        const prev = x.events.find((e: Loose) => e.seq === a.events[a.events.length - 1]);
        a.entry = { count: a.entry.count - 1, lastSeq: prev.seq, lastHash: prev.hash };
        x.events = x.events.filter((e: Loose) => e.seq !== last);
      },
      "PROOF_INVALID",
    ],
    [
      "an extra event about none of the subjects",
      (x) => {
        x.events.push((other as SubjectExtract).events[0]);
        x.events.sort((a: Loose, b: Loose) => a.seq - b.seq);
      },
      "PROOF_INVALID",
    ],
    [
      "an event of another subject in place of one of alice's (same seq, other bytes)",
      (x) => {
        const i = x.events.findIndex((e: Loose) => e.seq === 10);
        x.events[i] = { ...(other as SubjectExtract).events[0], seq: 10 };
      },
      "PROOF_INVALID",
    ],
    [
      "one byte of a body edited",
      (x) => {
        const e = x.events[2];
        e.body = e.body.replace("sales-follow-up", "sales-follow-uq");
      },
      "PROOF_INVALID",
    ],
    [
      "a body edited and its hash recomputed",
      (x) => {
        x.events[2].body = x.events[2].body.replace('"name"', '"nama"');
        x.events[2].hash = "0".repeat(64);
      },
      "PROOF_INVALID",
    ],
    [
      "a member claimed to be a non-member",
      (x) => {
        const a = x.subjects[alice()];
        x.subjects[alice()] = { id: a.id, events: [], mapProof: a.mapProof, end: "empty" };
        x.events = x.events.filter((e: Loose) => !a.events.includes(e.seq));
      },
      "PROOF_INVALID",
    ],
    [
      "a proof for another key (alice's entry under another id)",
      (x) => {
        x.subjects[alice()].id = "alicf";
      },
      "PROOF_INVALID",
    ],
    [
      "a subject left out (the client expects it)",
      (x) => {
        x.subjects = x.subjects.filter((s: Loose) => s.id !== "nobody");
      },
      "PROOF_INVALID",
    ],
    [
      "the same event twice",
      (x) => {
        x.events.splice(1, 0, x.events[1]);
      },
      "PROOF_INVALID",
    ],
    [
      "a map proof one hash short",
      (x) => {
        x.subjects[alice()].mapProof.pop();
      },
      "PROOF_INVALID",
    ],
    [
      "an inclusion multi-proof one hash short",
      (x) => {
        x.inclusion.pop();
      },
      "PROOF_INVALID",
    ],
    [
      "a subject's event list reordered",
      (x) => {
        x.subjects[alice()].events.reverse();
      },
      "PROOF_INVALID",
    ],
    [
      "a 257-hash map proof",
      (x) => x.subjects[0].mapProof.push(...Array(257).fill(z)),
      "DECODE_ERROR",
    ],
    ["an unknown member", (x) => (x.note = "hi"), "DECODE_ERROR"],
    ["a count of the wrong type", (x) => (x.subjects[alice()].entry.count = "24"), "DECODE_ERROR"],
    ["both an entry and an end", (x) => (x.subjects[alice()].end = "empty"), "DECODE_ERROR"],
  ];
  it.each(cases)("%s", (_name, mutate, expected) => {
    const x = edit(good);
    mutate(x);
    expect(code(verifyExtract(text(x), { policy, expectSubjects: ["nobody"] }))).toBe(expected);
  });

  it("a checkpoint signed by an untrusted key is refused", async () => {
    expect(code(verifyExtract(text(good), { policy: { keys: [stranger.verifier] } }))).toBe(
      "SIGNATURE_INVALID",
    );
  });

  it("a member name twice in one object is refused before anything is hashed", () => {
    const t = text(good).replace('"format":', '"format":"x","format":');
    expect(code(verifyExtract(t, { policy }))).toBe("DECODE_ERROR");
  });

  it("never throws and never says OK for a random value or a random edit (fast-check)", () => {
    const json = text(good);
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const r = verifyExtract(JSON.stringify(v) ?? "null", { policy });
        return E.isLeft(r);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.nat(json.length - 1), fc.string({ minLength: 1, maxLength: 1 }), (at, ch) => {
        const edited = json.slice(0, at) + ch + json.slice(at + 1);
        const r = verifyExtract(edited, { policy });
        // A changed byte is OK only where JSON allows it (white space) or it changed nothing.
        return E.isLeft(r) || edited === json || /\s/.test(ch + (json[at] as string));
      }),
      { numRuns: 150 },
    );
  });

  it("dropping Loose event of Loose subject is detected (fast-check)", () => {
    fc.assert(
      fc.property(fc.nat(good.events.length - 1), (i) => {
        const x = edit(good);
        const seq = x.events[i].seq;
        x.events.splice(i, 1);
        for (const s of x.subjects) s.events = s.events.filter((q: number) => q !== seq);
        return code(verifyExtract(text(x), { policy })) === "PROOF_INVALID";
      }),
      { numRuns: 40 },
    );
  });
});

const z = `${"A".repeat(43)}=`;

describe("extracts are refused from stores that lie", () => {
  it("an edited map record fails authentication against the signed root", async () => {
    const { tree, map } = await setup();
    const lying: MapStore = {
      ...map,
      kind: map.kind,
      latestVersion: () => map.latestVersion(),
      hasVersion: (v) => map.hasVersion(v),
      putVersion: (v, w) => map.putVersion(v, w),
      close: () => map.close(),
      readAsOf: async (v, paths) =>
        (await map.readAsOf(v, paths)).map((r) =>
          r?.kind === "leaf" ? { ...r, state: { ...r.state, count: r.state.count - 1 } } : r,
        ),
    };
    await expect(
      exportExtract(tree, ledgerId, { subjects: ["alice"], policy, map: lying }),
    ).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });

  it("a subject index that hides the subject's latest event is caught by the signed count", async () => {
    const { store, tree, map } = await setup();
    const hiding = overrideStore(store, {
      async *readSubject(s) {
        for await (const e of store.readSubject(s)) if (e.seq < 100) yield e;
      },
    });
    const shortTree = await catchUp(memoryTreeStore(), hiding);
    await emitCheckpoint(shortTree, log, ledgerId);
    await expect(
      buildExtract(shortTree, ledgerId, { subjects: ["alice"], policy }),
    ).rejects.toMatchObject({ code: "STORE_CORRUPT" });
    // The honest store still works with the same map.
    await expect(
      exportExtract(tree, ledgerId, { subjects: ["alice"], policy, map }),
    ).resolves.toBeDefined();
  });

  it("a subject index that skips an event breaks the back-links and is refused", async () => {
    const { store } = await setup();
    const skipping = overrideStore(store, {
      async *readSubject(s) {
        for await (const e of store.readSubject(s)) if (e.seq !== 50) yield e;
      },
    });
    const t2 = await catchUp(memoryTreeStore(), skipping);
    await emitCheckpoint(t2, log, ledgerId);
    await expect(
      exportExtract(t2, ledgerId, { subjects: ["alice"], policy }),
    ).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });

  it("an edited stored event body is refused, not handed out", async () => {
    const { store } = await setup();
    const editing = overrideStore(store, {
      async *readSubject(s) {
        for await (const e of store.readSubject(s))
          yield e.seq === 50
            ? { ...e, body: e.body.replace("sales-follow-up", "sales-follow-uq") }
            : e;
      },
    });
    const t2 = await catchUp(memoryTreeStore(), editing);
    await emitCheckpoint(t2, log, ledgerId);
    await expect(
      exportExtract(t2, ledgerId, { subjects: ["alice"], policy }),
    ).rejects.toMatchObject({ code: "STORE_CORRUPT", path: "seq 50" });
    // bob's events are untouched: his extract is still given.
    await expect(
      exportExtract(t2, ledgerId, { subjects: ["bob"], policy, shared: "reveal" }),
    ).resolves.toBeDefined();
  });

  it("an edited stored tree node is refused by the self-check, whichever node it is", async () => {
    const { store } = await setup();
    const inner = memoryTreeStore();
    let lie: number | undefined;
    const lying: TreeStore = {
      kind: inner.kind,
      size: () => inner.size(),
      append: (n, e, z) => inner.append(n, e, z),
      nodeCount: () => inner.nodeCount(),
      putCheckpoint: (c) => inner.putCheckpoint(c),
      getCheckpoint: (z) => inner.getCheckpoint(z),
      latestCheckpoint: () => inner.latestCheckpoint(),
      listCheckpoints: (r) => inner.listCheckpoints(r),
      close: () => inner.close(),
      readNodes: async (ids) =>
        (await inner.readNodes(ids)).map((h, i) => {
          if (i !== lie) return h;
          const edited = Uint8Array.from(h);
          edited[31] = (edited[31] as number) ^ 1;
          return edited;
        }),
    };
    const t2 = await catchUp(lying, store);
    await emitCheckpoint(t2, log, ledgerId);
    const honest = await exportExtract(t2, ledgerId, { subjects: ["alice"], policy });
    for (let k = 0; k < honest.inclusion.length; k++) {
      lie = k;
      await expect(
        exportExtract(t2, ledgerId, { subjects: ["alice"], policy }),
      ).rejects.toMatchObject({ code: "PROOF_INVALID" });
    }
  });

  it("refuses bad subject ids and a checkpoint of another ledger", async () => {
    const { tree } = await setup();
    await expect(exportExtract(tree, ledgerId, { subjects: [], policy })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(
      exportExtract(tree, ledgerId, { subjects: ["bad id\n"], policy }),
    ).rejects.toMatchObject({ code: "DECODE_ERROR" });
    await expect(
      exportExtract(tree, "other.example/ledger", { subjects: ["alice"], policy }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("parses what it writes", async () => {
    const { tree, map } = await setup();
    const x = await exportExtract(tree, ledgerId, { subjects: ["alice"], policy, map });
    expect(code(parseExtract(JSON.stringify(x, null, 2)))).toBe("OK");
  });
});
