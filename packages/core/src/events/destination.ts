import * as t from "io-ts";
import { Id, strictStruct } from "./primitives";

/**
 * Where exported or shared data goes (issue 14 item 2). The kind is a closed list so an
 * allow-list can name it and an unknown kind is refused at the boundary; the id names the
 * one target (a printer, a USB device class, a mail domain's id, a storage bucket, an API
 * client, a partner organisation) — an opaque id, never an e-mail address.
 */
export const DestinationKind = t.keyof(
  {
    download: null,
    usb: null,
    print: null,
    email: null,
    "cloud-storage": null,
    api: null,
    partner: null,
  },
  "DestinationKind",
);
export type DestinationKind = t.TypeOf<typeof DestinationKind>;

export const Destination = strictStruct("Destination", { kind: DestinationKind, id: Id });
export type Destination = t.TypeOf<typeof Destination>;
