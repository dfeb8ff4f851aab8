import type { DeviceOwnership } from "../events/device";
import type { Views } from "../views/view-set";

/** One device of a leaver, and whether customer data may still be on it. */
export interface OffboardingDevice {
  readonly deviceId: string;
  /** Registry state now: `unregistered` for a device used but never registered. */
  readonly status: "registered" | "lost" | "wiped" | "retired" | "unregistered";
  readonly ownership?: DeviceOwnership;
  readonly managed?: boolean;
  /** The actor the device was last registered to (may differ from the leaver). */
  readonly registeredTo?: string;
  /** True when an allowed access to customer data ran on it (by anyone). */
  readonly heldCustomerData: boolean;
  /** The last such access (ISO 8601). */
  readonly lastCustomerDataAt?: string;
  /** A wipe recorded at or after the last such access (ISO 8601). */
  readonly wipedAt?: string;
  /** Held customer data and no wipe since: collect and wipe it (personal devices too). */
  readonly actionNeeded: boolean;
}

/** The offboarding report for one actor. */
export interface OffboardingReport {
  readonly actorId: string;
  /** When the actor was last offboarded (ISO 8601), if they were. */
  readonly offboardedAt?: string;
  /** Devices registered to the actor or used by them for customer data; action needed first. */
  readonly devices: readonly OffboardingDevice[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Offboarding report (退職者の端末, issue 14 item 1): every device registered to the leaver
 * and every device they read customer data on (from allowed `data.accessed` events naming
 * the device), with whether it held customer data and whether a wipe was recorded after
 * the last access. A device with `actionNeeded` may still hold customer data. Pure: reads
 * the views only, identifiers and times, no personal values.
 */
export function offboardingReport(views: Views, actorId: string): OffboardingReport {
  const ids = new Set([
    ...views.devices.devicesOf(actorId),
    ...views.devices.devicesUsedBy(actorId),
  ]);
  const devices: OffboardingDevice[] = [];
  for (const deviceId of ids) {
    const history = views.devices.history(deviceId);
    const current = history[history.length - 1];
    const registration = [...history].reverse().find((e) => e.kind === "registered");
    const use = views.devices.use(deviceId);
    const wipe =
      use === undefined ? undefined : history.find((e) => e.kind === "wiped" && e.at >= use.last);
    devices.push({
      deviceId,
      status: current?.kind ?? "unregistered",
      ...(registration?.ownership !== undefined ? { ownership: registration.ownership } : {}),
      ...(registration?.managed !== undefined ? { managed: registration.managed } : {}),
      ...(registration?.owner !== undefined ? { registeredTo: registration.owner } : {}),
      heldCustomerData: use !== undefined,
      ...(use !== undefined ? { lastCustomerDataAt: iso(use.last) } : {}),
      ...(wipe !== undefined ? { wipedAt: iso(wipe.at) } : {}),
      actionNeeded: use !== undefined && wipe === undefined,
    });
  }
  devices.sort(
    (a, b) => Number(b.actionNeeded) - Number(a.actionNeeded) || (a.deviceId < b.deviceId ? -1 : 1),
  );
  const off = views.actors.offboardings(actorId);
  const last = off[off.length - 1];
  return { actorId, ...(last !== undefined ? { offboardedAt: iso(last) } : {}), devices };
}
