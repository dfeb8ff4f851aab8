import * as t from "io-ts";
import { Id, Label, Note, strictStruct } from "./primitives";

/**
 * Device registry events (issue 14 item 1). A device is staff equipment, identified by an
 * opaque id the host's MDM or asset register gives it (never a serial number a person
 * could be traced by, never the owner's name). The envelope's `actor.context.device` of an
 * access names the device it ran on, so the devices view knows which devices held
 * customer data.
 */

/** Who owns the hardware: the company, or the member of staff (BYOD, 私物端末). */
export const DeviceOwnership = t.keyof({ company: null, personal: null }, "DeviceOwnership");
export type DeviceOwnership = t.TypeOf<typeof DeviceOwnership>;

/** A device enters service (or re-enters it after a wipe): its ownership, owner and management. */
export const DeviceRegistered = strictStruct(
  "DeviceRegistered",
  {
    deviceId: Id,
    ownership: DeviceOwnership,
    /** The actor the device is issued to; only that actor may use it. */
    owner: Id,
    /** Enrolled in the company's device management (remote wipe, disk encryption enforced). */
    managed: t.boolean,
  },
  { platform: Label },
);

/** The device was reported lost or stolen (紛失・盗難); refused from then on. */
export const DeviceLost = strictStruct(
  "DeviceLost",
  { deviceId: Id, reportedBy: Id },
  { reason: Note },
);

/** The device's data was erased (remote or local wipe). It stays out of service until registered again. */
export const DeviceWiped = strictStruct(
  "DeviceWiped",
  { deviceId: Id, wipedBy: Id },
  { method: t.keyof({ remote: null, local: null, "factory-reset": null }, "WipeMethod") },
);

/** The device left service for good (returned, scrapped). */
export const DeviceRetired = strictStruct(
  "DeviceRetired",
  { deviceId: Id, retiredBy: Id },
  { reason: Note },
);
