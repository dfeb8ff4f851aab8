import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import { DevicePolicySet } from "../events/catalogue";
import type { DeviceOwnership } from "../events/device";
import { orThrow } from "../plain";
import { compact, decodeSection, EntryProps } from "./codec";
import { ms, payloadOf, type ViewEvent } from "./event";
import { PolicyTimeline } from "./policy-timeline";
import type { SnapshotWriter } from "./snapshot-tree";
import { type Entry, entryAt, insertEntry } from "./timeline";

/** One step of a device's life: registered (in service), lost, wiped or retired. */
export interface DeviceEntry extends Entry {
  readonly kind: "registered" | "lost" | "wiped" | "retired";
  readonly ownership?: DeviceOwnership;
  readonly owner?: string;
  readonly managed?: boolean;
}

/** When a device was used for an allowed access to customer data. */
export interface DeviceUse {
  readonly first: number;
  readonly last: number;
  /** Actors that used it, in first-use order. */
  readonly actors: readonly string[];
}

const Kind = t.keyof({ registered: null, lost: null, wiped: null, retired: null });
const DeviceEntryCodec = t.intersection([
  t.type({ ...EntryProps, kind: Kind }),
  t.partial({
    ownership: t.keyof({ company: null, personal: null }),
    owner: t.string,
    managed: t.boolean,
  }),
]);
const UseCodec = t.type({ first: t.number, last: t.number, actors: t.array(t.string) });
const policyCodec = new PolicyTimeline(DevicePolicySet).codec;
const DevicesSnapshot = t.type({
  devices: t.array(t.tuple([t.string, t.array(DeviceEntryCodec)])),
  uses: t.array(t.tuple([t.string, UseCodec])),
  policy: policyCodec,
});

/**
 * The devices view: each device's registry history (`device.*` events), the device policy
 * in force over time (`device.policy-set`), and which devices held customer data — every
 * allowed `data.accessed` whose request context names a device. Identifiers only.
 */
export class DevicesView {
  private readonly devices = new Map<string, DeviceEntry[]>();
  private readonly uses = new Map<string, { first: number; last: number; actors: string[] }>();
  private readonly byOwner = new Map<string, Set<string>>();
  /** The device policy (`device.policy-set` payload) in force over time. */
  readonly policy = new PolicyTimeline(DevicePolicySet);

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    const at = ms(event.occurredAt);
    const base = { at, seq: event.seq, rec: ms(event.recordedAt) };
    switch (event.type) {
      case "device.registered": {
        const p = payloadOf(event, "device.registered");
        const entry = compact({
          ...base,
          kind: "registered" as const,
          ownership: p.ownership,
          owner: p.owner,
          managed: p.managed,
        });
        this.add(p.deviceId, entry);
        return;
      }
      case "device.lost":
      case "device.wiped":
      case "device.retired": {
        const p = event.payload as { deviceId: string };
        const kind = event.type.slice("device.".length) as "lost" | "wiped" | "retired";
        this.add(p.deviceId, { ...base, kind });
        return;
      }
      case "device.policy-set":
        this.policy.set(base, payloadOf(event, "device.policy-set"));
        return;
      case "data.accessed": {
        const device = event.actor.context?.device;
        if (device === undefined || event.payload.outcome !== "allowed") return;
        const use = this.uses.get(device);
        if (use === undefined) {
          this.uses.set(device, { first: at, last: at, actors: [event.actor.id] });
          return;
        }
        if (at < use.first) use.first = at;
        if (at > use.last) use.last = at;
        if (!use.actors.includes(event.actor.id)) use.actors.push(event.actor.id);
        return;
      }
    }
  }

  private add(deviceId: string, entry: DeviceEntry): void {
    let list = this.devices.get(deviceId);
    if (list === undefined) {
      list = [];
      this.devices.set(deviceId, list);
    }
    insertEntry(list, entry);
    if (entry.owner !== undefined) {
      let owned = this.byOwner.get(entry.owner);
      if (owned === undefined) {
        owned = new Set();
        this.byOwner.set(entry.owner, owned);
      }
      owned.add(deviceId);
    }
  }

  /** The registry entry in effect for `deviceId` at `at` (epoch ms), if any. */
  entryAt(deviceId: string, at: number): DeviceEntry | undefined {
    return entryAt(this.devices.get(deviceId), at);
  }

  /** The last `registered` entry at or before `at`: ownership, owner and management. */
  registrationAt(deviceId: string, at: number): DeviceEntry | undefined {
    const list = this.devices.get(deviceId);
    if (list === undefined) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i] as DeviceEntry;
      if (e.at <= at && e.kind === "registered") return e;
    }
    return undefined;
  }

  /** The device's whole registry history, oldest first. */
  history(deviceId: string): readonly DeviceEntry[] {
    return this.devices.get(deviceId) ?? [];
  }

  /** Devices ever registered to `owner`. */
  devicesOf(owner: string): readonly string[] {
    return [...(this.byOwner.get(owner) ?? [])];
  }

  /** When a device held customer data (allowed accesses from it), if it ever did. */
  use(deviceId: string): DeviceUse | undefined {
    return this.uses.get(deviceId);
  }

  /** Every device used by `actor` for an allowed access. */
  devicesUsedBy(actor: string): string[] {
    const out: string[] = [];
    for (const [id, u] of this.uses) if (u.actors.includes(actor)) out.push(id);
    return out;
  }

  /** JSON-safe state; identifiers, labels and times only. */
  toSnapshot(): t.TypeOf<typeof DevicesSnapshot> {
    return {
      devices: [...this.devices].map(([id, list]) => [id, list.map((e) => ({ ...e }))]),
      uses: [...this.uses].map(([id, u]) => [id, { ...u, actors: [...u.actors] }]),
      policy: this.policy.toSnapshot(),
    };
  }

  /** Write {@link DevicesView.toSnapshot} output at `depth` without building it: the same bytes. */
  writeSnapshot(w: SnapshotWriter, depth: number): void {
    w.object(3, depth);
    w.key("devices");
    w.pairs(this.devices, depth + 1);
    w.key("uses"); // `{ ...u, actors: [...u.actors] }` keeps u's members in u's order
    w.pairs(this.uses, depth + 1);
    w.key("policy");
    w.value(this.policy.toSnapshot(), depth + 1);
  }

  /** Plain form of {@link DevicesView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */

  static fromSnapshotOrThrow(data: unknown): DevicesView {
    return orThrow(DevicesView.fromSnapshot(data));
  }

  /** Rebuild the view from {@link DevicesView.toSnapshot} output, decoding it first. */
  static fromSnapshot(data: unknown): E.Either<DaichoError, DevicesView> {
    return pipe(
      decodeSection(DevicesSnapshot, data, "devices"),
      E.map((s) => {
        const view = new DevicesView();
        for (const [id, list] of s.devices) {
          for (const e of list) view.add(id, e as DeviceEntry);
        }
        for (const [id, u] of s.uses) view.uses.set(id, { ...u, actors: [...u.actors] });
        view.policy.restore(s.policy);
        return view;
      }),
    );
  }
}
