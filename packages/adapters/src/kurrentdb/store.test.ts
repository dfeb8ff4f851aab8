import { kurrentStoreConformance, storeConformance } from "@daicho/core/testing";
import type { KurrentDBClient } from "@kurrent/kurrentdb-client";
import { describe } from "vitest";
import { streamNames } from "./mapping";
import { kurrentdbStore } from "./store";
import { fakeKurrentClient } from "./testing/fake-client";

// The shared suites run against the in-process fake of the client (testing/fake-client.ts):
// that proves the store's logic under the server behaviours the fake models, not that
// KurrentDB behaves so. With DAICHO_KURRENTDB_URL set they also run against a real server
// (docs/kurrentdb.md says what has been run where).
let counter = 0;
const BIG = 4 * 1024 * 1024;
const tenant = () => `conformance-${Date.now()}-${process.pid}-${++counter}`;

describe("KurrentDB store on the in-process fake", () => {
  // The shared suite appends raw 1000-event batches (about 2.3 MB with their index): a
  // server needs MaxAppendSize of 4 MiB for them (docs/kurrentdb.md), and so does the fake.
  storeConformance("kurrentdb (fake)", async () => {
    const server = fakeKurrentClient({ maxAppendBytes: BIG });
    const t = tenant();
    return {
      store: kurrentdbStore({ client: server.client, tenant: t, maxAppendBytes: BIG }),
      reopen: async () => kurrentdbStore({ client: server.client, tenant: t, maxAppendBytes: BIG }),
      dispose: async () => {},
    };
  });

  kurrentStoreConformance("kurrentdb (fake)", async () => {
    const server = fakeKurrentClient();
    const t = tenant();
    return {
      store: kurrentdbStore({ client: server.client, tenant: t, backoffMs: 1 }),
      open: async (o) =>
        kurrentdbStore({ client: server.clientWith(o ?? {}), tenant: t, backoffMs: 1 }),
      streams: streamNames("daicho", t),
      server: {
        softDelete: async (s) => server.softDelete(s),
        tombstone: async (s) => server.tombstone(s),
        setStreamMetadata: async (s, m) => server.setStreamMetadata(s, m),
        faults: {
          dropNextAck: () => server.failNextWrite("drop-ack"),
          landNextWriteLate: () => server.failNextWrite("land-late"),
          leaderChange: () => server.failNextWrite("not-leader"),
          setDown: (down) => server.setDown(down),
        },
      },
      dispose: async () => {},
    };
  });
});

const url = process.env.DAICHO_KURRENTDB_URL ?? "";

describe.runIf(url !== "")("KurrentDB store on a real server (DAICHO_KURRENTDB_URL)", () => {
  const clients: KurrentDBClient[] = [];
  const connect = async (lax = false) => {
    const { KurrentDBClient } = await import("@kurrent/kurrentdb-client");
    const c = KurrentDBClient.connectionString(
      lax ? `${url}${url.includes("?") ? "&" : "?"}throwOnAppendFailure=false` : url,
    );
    clients.push(c);
    return c;
  };

  storeConformance("kurrentdb", async () => {
    const t = tenant();
    return {
      store: kurrentdbStore({ connectionString: url, tenant: t, maxAppendBytes: BIG }),
      reopen: async () => kurrentdbStore({ connectionString: url, tenant: t, maxAppendBytes: BIG }),
      dispose: async () => {},
    };
  });

  kurrentStoreConformance("kurrentdb", async () => {
    const t = tenant();
    const admin = await connect();
    return {
      store: kurrentdbStore({ client: admin, tenant: t }),
      open: async (o) =>
        kurrentdbStore({ client: await connect(o?.throwOnAppendFailure === false), tenant: t }),
      streams: streamNames("daicho", t),
      server: {
        softDelete: async (s) => void (await admin.deleteStream(s)),
        tombstone: async (s) => void (await admin.tombstoneStream(s)),
        setStreamMetadata: async (s, m) => void (await admin.setStreamMetadata(s, m)),
      },
      dispose: async () => {
        for (const c of clients.splice(0)) await c.dispose();
      },
    };
  });
});
