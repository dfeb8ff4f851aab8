import { isRedacted } from "@daicho/core";
import { verifyErasureCertificate } from "@daicho/core/erasure";
import { describe, expect, it } from "vitest";
import { eventsOf, setup, signer } from "./test-fixture";

/** The fixture's ledger with a marketing category and a marketing value for c-1. */
async function withCategory() {
  const fx = await setup();
  await fx.erasure.declareCategories([{ name: "marketing", fields: ["interests"] }]);
  const event = await fx.ledger.append({
    type: "record.updated",
    actor: { id: "sales-1" },
    subjects: ["c-1"],
    payload: { resource: { type: "contact", id: "c-1" }, fields: ["interests"] },
    personal: [{ subject: "c-1", field: "interests", value: "golf" }],
  });
  const opened = async () =>
    (await fx.ledger.openPersonal(event)).map((f) =>
      isRedacted(f.value) ? f.value.reason : f.value,
    );
  return { ...fx, opened };
}

describe("erasure by category over HTTP", () => {
  it("a data subject requests one category, staff execute it, and the certificate is the category's", async () => {
    const { call, ledger, opened } = await withCategory();
    const created = await call("POST", "/dsr/subjects/c-1/erasure", "alice", {
      body: { category: "marketing" },
    });
    expect(created.status).toBe(201);
    const { requestId, category } = created.json();
    expect(category).toBe("marketing");
    const executed = await call("POST", `/dsr/erasure-requests/${requestId}/execute`, "dpo");
    expect(executed.status).toBe(200);
    const cert = await call("GET", `/dsr/erasure-requests/${requestId}/certificate`, "alice");
    const verified = verifyErasureCertificate(cert.json(), signer.publicKey);
    expect(verified._tag === "Right" && verified.right.kind).toBe("category");
    expect(await opened()).toEqual(["erased"]);
    // The subject's other data still opens.
    const email = (await eventsOf(ledger)).find((e) => e.type === "record.created");
    expect((await ledger.openPersonal(email as never))[0]?.value).toBe("alice@example.jp");
  });

  it("refuses a category the ledger does not declare with 400, recording nothing", async () => {
    const { call, ledger } = await withCategory();
    const before = await ledger.store.head();
    for (const category of ["billing", "Marketing", 7]) {
      const res = await call("POST", "/dsr/subjects/c-1/erasure", "alice", { body: { category } });
      expect(res.status).toBe(400);
      expect(["INVALID_ARGUMENT", "DECODE_ERROR"]).toContain(res.json().error.code);
    }
    expect(await ledger.store.head()).toEqual(before);
  });

  it("a support actor without the right role, the data subject, or another person cannot execute it", async () => {
    const { call, opened } = await withCategory();
    const { requestId } = (
      await call("POST", "/dsr/subjects/c-1/erasure", "alice", { body: { category: "marketing" } })
    ).json();
    for (const who of ["intern", "alice", "bob"]) {
      const res = await call("POST", `/dsr/erasure-requests/${requestId}/execute`, who);
      expect(res.status).toBe(403);
    }
    const other = await call("POST", "/dsr/subjects/c-1/erasure", "bob", {
      body: { category: "marketing" },
    });
    expect(other.status).toBe(403);
    expect(await opened()).toEqual(["golf"]);
  });
});
