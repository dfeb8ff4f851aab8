import { isDaichoError } from "@daicho/core";
import { storeConformance } from "@daicho/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromEventData, kurrentError, kurrentEventId, streamNames, toEventData } from "./mapping";
import { kurrentdbStore } from "./store";

// The conformance suite needs a KurrentDB server, which cannot run on this project's
// machines: it runs only when DAICHO_KURRENTDB_URL is set (see docs/kurrentdb.md).
const url = process.env.DAICHO_KURRENTDB_URL ?? "";
let counter = 0;

describe.runIf(url !== "")("KurrentDB server", () => {
  storeConformance("kurrentdb", async () => {
    const tenant = `conformance-${Date.now()}-${process.pid}-${++counter}`;
    return {
      store: kurrentdbStore({ connectionString: url, tenant }),
      reopen: async () => kurrentdbStore({ connectionString: url, tenant }),
      dispose: async () => {},
    };
  });
});

describe("KurrentDB mapping (no server needed)", () => {
  const event = {
    seq: 7,
    id: "evt-7",
    type: "record.updated",
    recordedAt: "2026-11-25T00:00:00.000Z",
    subjects: ["contact-1", "contact-2"],
    prevHash: "a".repeat(64),
    hash: "b".repeat(64),
    body: '{"a":"\\u0000 é 😀","v":1}',
  };

  it("round-trips a stored event through its JSON data byte for byte", () => {
    const data = JSON.parse(JSON.stringify(toEventData(event)));
    expect(fromEventData(data, 7n)).toEqual(event);
  });

  it("refuses an event whose stream revision is not its sequence number", () => {
    const e = (() => {
      try {
        fromEventData(toEventData(event), 8n);
      } catch (x) {
        return x;
      }
    })();
    expect(isDaichoError(e, "STORE_CORRUPT")).toBe(true);
    expect(() => fromEventData({ seq: 7 }, 7n)).toThrow(/not a Daichō event/);
  });

  it("derives stable RFC 9562 version-8 UUIDs from event hashes", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9a-f]{64}$/),
        fc.stringMatching(/^[0-9a-f]{64}$/),
        (a, b) => {
          const id = kurrentEventId(a);
          expect(id).toMatch(
            /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
          );
          expect(kurrentEventId(a)).toBe(id);
          if (a !== b) expect(kurrentEventId(b)).not.toBe(id);
        },
      ),
    );
  });

  it("names one meta and one events stream per tenant and refuses odd names", () => {
    expect(streamNames("daicho", "tenant-a")).toEqual({
      meta: "daicho-tenant-a-meta",
      events: "daicho-tenant-a-events",
    });
    expect(() => streamNames("daicho", "a b")).toThrow();
    expect(() => streamNames("daicho", "$all")).toThrow();
  });

  it("maps a wrong expected version to a retryable conflict and outages to STORE_UNAVAILABLE", () => {
    const conflict = kurrentError({ type: "wrong-expected-version" }, "s");
    expect(conflict).toMatchObject({ code: "CONCURRENCY_CONFLICT", retryable: true });
    expect(kurrentError({ type: "unavailable" }, "s")).toMatchObject({
      code: "STORE_UNAVAILABLE",
      retryable: true,
    });
    expect(kurrentError({ type: "not-leader" }, "s")).toMatchObject({
      code: "STORE_UNAVAILABLE",
      retryable: true,
    });
    expect(kurrentError({ type: "stream-deleted" }, "s")).toMatchObject({
      code: "STORE_CORRUPT",
      retryable: false,
    });
  });

  it("needs a client or a connection string", () => {
    expect(() => kurrentdbStore({})).toThrow(/client or a connectionString/);
  });
});
