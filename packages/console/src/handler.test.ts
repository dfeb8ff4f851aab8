/// <reference lib="dom" />
import { verifyBundle } from "@daicho/core/bundle";
import Database from "better-sqlite3";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { consoleHandler } from "./handler";
import { EMAIL, type Fixture, openFixture } from "./test-fixture";

let fx: Fixture;
beforeEach(async () => {
  fx = await openFixture();
});
afterEach(async () => {
  await fx.close();
});

const headSeq = async () => (await fx.ledger.head())?.seq;
const eventsSince = async (seq: number) => {
  const out = [];
  for await (const e of fx.ledger.read({ from: seq + 1 })) out.push(e);
  return out;
};
const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body: JSON.stringify(body),
  headers,
});

describe("construction and authentication", () => {
  it("refuses to construct without the host's authenticate callback", () => {
    const base = { ledger: fx.ledger, erasureFor: () => undefined as never };
    expect(() => consoleHandler(base as never)).toThrow(/authenticate/);
    expect(() => consoleHandler({ ...base, authenticate: "yes" } as never)).toThrow(/authenticate/);
  });

  it("answers 401 to a request the host does not authenticate, page and API alike", async () => {
    const h = fx.handler();
    expect((await fx.call(h, null, "/api/status")).status).toBe(401);
    expect((await fx.call(h, null, "/")).status).toBe(401);
  });

  it("refuses a user whose roles are none of the console's", async () => {
    const h = fx.handler({
      authenticate: () => ({ actor: "sales-tanaka", roles: ["sales" as never] }),
    });
    const res = await fx.call(h, null, "/api/status");
    expect(res.status).toBe(403);
  });
});

describe("CSRF: only the console's own page can call it", () => {
  it("refuses an API read without the console header, and records nothing", async () => {
    const h = fx.handler();
    const before = await headSeq();
    const res = await fx.call(h, "dpo", "/api/subjects/contact-0001?purpose=audit", {
      headers: { "x-daicho-console": "" },
    });
    expect(res.status).toBe(403);
    expect(await headSeq()).toBe(before);
  });

  it("refuses a state change from another origin, without an origin, or not as JSON", async () => {
    const h = fx.handler();
    const before = await headSeq();
    const path = `/api/queue/erasure/${fx.requestId}/execute`;
    expect(
      (await fx.call(h, "dpo", path, post({}, { origin: "https://evil.example" }))).status,
    ).toBe(403);
    expect((await fx.call(h, "dpo", path, post({}, { origin: "null" }))).status).toBe(403);
    expect((await fx.call(h, "dpo", path, post({}, { "content-type": "text/plain" }))).status).toBe(
      415,
    );
    expect(await headSeq()).toBe(before);
  });

  it("accepts an origin named in allowedOrigins (behind a proxy)", async () => {
    const h = fx.handler({ allowedOrigins: ["https://crm.example.com"] });
    const path = `/api/queue/erasure/${fx.requestId}/refuse`;
    const body = { ground: "legal-claims", reason: "Pending litigation" };
    expect((await fx.call(h, "dpo", path, post(body))).status).toBe(403); // own origin no longer listed
    const ok = await fx.call(h, "dpo", path, post(body, { origin: "https://crm.example.com" }));
    expect(ok.status).toBe(200);
  });
});

describe("roles", () => {
  it("support cannot approve an erasure: 403, the denial recorded, nothing erased", async () => {
    const h = fx.handler();
    const before = (await headSeq()) as number;
    const res = await fx.call(h, "support", `/api/queue/erasure/${fx.requestId}/execute`, post({}));
    expect(res.status).toBe(403);
    const after = await eventsSince(before);
    expect(after.map((e) => e.type)).toEqual(["data.accessed"]);
    const denial = after[0] as {
      actor: { id: string };
      payload: { outcome: string; reasons: string[] };
    };
    expect(denial.actor.id).toBe("support-ito");
    expect(denial.payload.outcome).toBe("denied");
    expect(denial.payload.reasons).toEqual(["erasure.execute"]);
    const queue = await (await fx.call(h, "support", "/api/queue")).json();
    expect(queue.items[0].status).toBe("open");
  });

  it("support and auditor cannot place holds, refuse or execute; support cannot export", async () => {
    const h = fx.handler();
    const before = (await headSeq()) as number;
    const tries: [string, string, RequestInit?][] = [
      ["auditor", `/api/queue/erasure/${fx.requestId}/execute`, post({})],
      [
        "auditor",
        `/api/queue/erasure/${fx.requestId}/refuse`,
        post({ ground: "archiving", reason: "Archive" }),
      ],
      [
        "auditor",
        "/api/holds",
        post({ subject: "contact-0002", holdId: "h1", reason: "Court order" }),
      ],
      [
        "support",
        "/api/holds",
        post({ subject: "contact-0002", holdId: "h1", reason: "Court order" }),
      ],
      ["support", "/api/exports/bundle"],
      ["support", "/api/exports/records-of-processing"],
      ["support", "/api/alerts"],
    ];
    for (const [user, path, init] of tries)
      expect((await fx.call(h, user, path, init)).status).toBe(403);
    const after = await eventsSince(before);
    expect(after.every((e) => e.type === "data.accessed")).toBe(true);
    expect(after).toHaveLength(tries.length);
  });

  it("shows support no personal value, no access report and no actors; the DPO sees them", async () => {
    const h = fx.handler();
    const support = await (
      await fx.call(h, "support", "/api/subjects/contact-0001?purpose=support-inquiry")
    ).json();
    expect(JSON.stringify(support)).not.toContain(EMAIL);
    expect(support.personalData).toBeUndefined();
    expect(support.accessReport).toBeUndefined();
    expect(support.timeline.some((e: { actor?: string }) => e.actor !== undefined)).toBe(false);
    expect(support.consents.current[0].purpose).toBe("newsletter");
    const auditor = await (
      await fx.call(h, "auditor", "/api/subjects/contact-0001?purpose=audit")
    ).json();
    expect(JSON.stringify(auditor)).not.toContain(EMAIL);
    expect(auditor.accessReport.accesses.length).toBeGreaterThan(0);
    const dpo = await (
      await fx.call(h, "dpo", "/api/subjects/contact-0001?purpose=dsr-response")
    ).json();
    expect(dpo.personalData.map((p: { value: string }) => p.value)).toContain(EMAIL);
  });
});

describe("every read of personal data is recorded", () => {
  it("records the drill-down as an access event with the actor and purpose, before answering", async () => {
    const h = fx.handler();
    const before = (await headSeq()) as number;
    const view = await (
      await fx.call(h, "dpo", "/api/subjects/contact-0001?purpose=dsr-response")
    ).json();
    const [event, ...rest] = await eventsSince(before);
    expect(rest).toEqual([]);
    expect(event?.seq).toBe(view.recordedAs.seq);
    expect(event?.type).toBe("data.accessed");
    expect(event?.actor).toEqual({ id: "dpo-kato", role: "dpo" });
    expect(event?.subjects?.map((s) => s.id)).toEqual(["contact-0001"]);
    expect(event?.payload).toMatchObject({
      purpose: "dsr-response",
      fields: ["email"],
      outcome: "allowed",
    });
  });

  it("refuses a purpose outside the host's list, and an id that is free text, recording nothing", async () => {
    const h = fx.handler();
    const before = await headSeq();
    for (const path of [
      "/api/subjects/contact-0001?purpose=curiosity",
      "/api/subjects/contact-0001",
      `/api/subjects?q=${encodeURIComponent(EMAIL)}`,
      `/api/subjects?q=${encodeURIComponent("Sato Hanako")}`,
      `/api/subjects/${encodeURIComponent(EMAIL)}?purpose=audit`,
    ]) {
      const res = await fx.call(h, "dpo", path);
      expect(res.status, path).toBe(400);
      const body = await res.json();
      expect(body.error.code).toBe("DECODE_ERROR");
      expect(JSON.stringify(body)).not.toContain("hanako");
    }
    expect(await headSeq()).toBe(before);
  });

  it("search finds a subject by exact id only and records nothing", async () => {
    const h = fx.handler();
    const before = await headSeq();
    const hit = await (await fx.call(h, "support", "/api/subjects?q=contact-0003")).json();
    expect(hit.subjects.map((s: { subject: string }) => s.subject)).toEqual(["contact-0003"]);
    const miss = await (await fx.call(h, "support", "/api/subjects?q=contact-000")).json();
    expect(miss.subjects).toEqual([]);
    expect(await headSeq()).toBe(before);
  });
});

describe("the erasure queue", () => {
  it("the DPO approves an erasure: erased with a certificate, the fence and completion name the DPO", async () => {
    const h = fx.handler();
    const before = (await headSeq()) as number;
    const res = await fx.call(h, "dpo", `/api/queue/erasure/${fx.requestId}/execute`, post({}));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.outcome).toBe("erased");
    expect(body.certificate.certificate.subject).toBe("contact-0002");
    const written = await eventsSince(before);
    expect(written.map((e) => [e.type, e.actor.id])).toEqual([
      ["erasure.fenced", "dpo-kato"],
      ["erasure.completed", "dpo-kato"],
    ]);
    const queue = await (await fx.call(h, "dpo", "/api/queue")).json();
    expect(queue.items).toEqual([]);
  });

  it("a refusal needs a legal ground and a reason without contact data; bad bodies change nothing", async () => {
    const h = fx.handler();
    const before = await headSeq();
    const path = `/api/queue/erasure/${fx.requestId}/refuse`;
    const bad: unknown[] = [
      {},
      { ground: "because", reason: "x" },
      { ground: "legal-claims" },
      { ground: "legal-claims", reason: `Asked by ${EMAIL}` },
      { ground: "legal-claims", reason: "ok", extra: 1 },
      JSON.parse('{"__proto__": {"admin": true}, "ground": "legal-claims", "reason": "ok"}'),
    ];
    for (const b of bad) {
      const res = await fx.call(h, "dpo", path, post(b));
      expect(res.status, JSON.stringify(b)).toBe(400);
      expect(JSON.stringify(await res.json())).not.toContain(EMAIL);
    }
    const notJson = await fx.call(h, "dpo", path, { method: "POST", body: "{ground:" });
    expect(notJson.status).toBe(400);
    const huge = await fx.call(
      h,
      "dpo",
      path,
      post({ ground: "legal-claims", reason: "x".repeat(20_000) }),
    );
    expect(huge.status).toBe(413);
    expect(
      (
        await fx.call(
          h,
          "dpo",
          "/api/queue/erasure/no-such-request/refuse",
          post({ ground: "archiving", reason: "Archive" }),
        )
      ).status,
    ).toBe(404);
    expect(
      (await fx.call(h, "dpo", `/api/queue/erasure/${fx.requestId}/toString`, post({}))).status,
    ).toBe(404);
    expect(
      (await fx.call(h, "dpo", `/api/queue/erasure/${encodeURIComponent("a b")}/execute`, post({})))
        .status,
    ).toBe(400);
    expect(await headSeq()).toBe(before);
    const ok = await fx.call(
      h,
      "dpo",
      path,
      post({ ground: "legal-claims", reason: "Pending litigation" }),
    );
    expect(ok.status).toBe(200);
    const queue = await (await fx.call(h, "dpo", "/api/queue")).json();
    expect(queue.items[0]).toMatchObject({
      status: "refused",
      history: [{ what: "refused", ground: "legal-claims" }],
    });
  });

  it("a hold placed from the console stops approval; lifted, the erasure goes through", async () => {
    const h = fx.handler();
    const hold = { subject: "contact-0002", holdId: "hold-court-1", reason: "Court order 12/2026" };
    expect((await fx.call(h, "dpo", "/api/holds", post(hold))).status).toBe(200);
    expect((await fx.call(h, "dpo", "/api/holds", post(hold))).status).toBe(400); // already active
    const held = await fx.call(h, "dpo", `/api/queue/erasure/${fx.requestId}/execute`, post({}));
    expect(held.status).toBe(409);
    expect((await held.json()).error.code).toBe("LEGAL_HOLD");
    const wrong = { subject: "contact-0001", holdId: "hold-court-1" };
    expect((await fx.call(h, "dpo", "/api/holds/release", post(wrong))).status).toBe(404);
    const unknown = { subject: "contact-9999", holdId: "hold-x", reason: "Court order" };
    expect((await fx.call(h, "dpo", "/api/holds", post(unknown))).status).toBe(404);
    const release = { subject: "contact-0002", holdId: "hold-court-1" };
    expect((await fx.call(h, "dpo", "/api/holds/release", post(release))).status).toBe(200);
    const ok = await fx.call(h, "dpo", `/api/queue/erasure/${fx.requestId}/execute`, post({}));
    expect(ok.status).toBe(200);
  });
});

describe("decisions rest on verified bytes", () => {
  it("a stored byte edited after the verified head: status shows it, and approval is refused", async () => {
    const h = fx.handler();
    const st = await (await fx.call(h, "dpo", "/api/status")).json();
    expect(st.verify.ok).toBe(true);
    const e = await fx.ledger.append({
      type: "data.accessed",
      actor: { id: "sales-tanaka" },
      subjects: ["contact-0003"],
      payload: {
        resource: { type: "contact", id: "contact-0003" },
        fields: ["email"],
        purpose: "sales-follow-up",
        outcome: "allowed",
      },
    });
    const db = new Database(fx.path);
    db.prepare(
      "UPDATE daicho_events SET body = replace(body, 'sales-follow-up', 'sales-follow-uq') WHERE seq = ?",
    ).run(e.seq);
    db.close();
    const before = await headSeq();
    const res = await fx.call(h, "dpo", `/api/queue/erasure/${fx.requestId}/execute`, post({}));
    expect(res.status).toBe(500);
    expect((await res.json()).error.code).toBe("STORE_CORRUPT");
    expect(await headSeq()).toBe(before);
    const broken = await (await fx.call(h, "dpo", "/api/status")).json();
    expect(broken.verify).toMatchObject({
      ok: false,
      failure: { seq: e.seq, kind: "content-changed" },
    });
  });

  it("the verified head's own event rewritten (hash and body): head-mismatch, changes refused", async () => {
    const h = fx.handler();
    const st = await (await fx.call(h, "auditor", "/api/status")).json();
    const head = st.verify.head.seq as number;
    const db = new Database(fx.path);
    db.prepare("UPDATE daicho_events SET hash = ? WHERE seq = ?").run("0".repeat(64), head);
    db.close();
    const again = await (await fx.call(h, "auditor", "/api/status")).json();
    expect(again.verify).toMatchObject({
      ok: false,
      failure: { seq: head, kind: "head-mismatch" },
    });
    const hold = { subject: "contact-0002", holdId: "hold-x", reason: "Court order" };
    expect((await fx.call(h, "dpo", "/api/holds", post(hold))).status).toBe(500);
  });

  it("status verifies incrementally: the second call reads only what was appended since", async () => {
    let read = 0;
    const store = fx.ledger.store;
    const original = store.read.bind(store);
    store.read = (range) => {
      const it = original(range);
      return (async function* () {
        for await (const e of it) {
          read++;
          yield e;
        }
      })();
    };
    const h = fx.handler();
    const [report] = await h.catchUp(); // at start-up: the one full pass
    expect(report?.ok).toBe(true);
    const first = read;
    read = 0;
    await fx.call(h, "dpo", "/api/status");
    expect(read).toBe(1); // only the verified head, re-checked
    read = 0;
    expect(first).toBe(((await headSeq()) as number) + 1);
    read = 0;
    await fx.ledger.append({
      type: "actor.offboarded",
      actor: { id: "admin" },
      payload: { actorId: "sales-tanaka" },
    });
    const st = await (await fx.call(h, "dpo", "/api/status")).json();
    expect(read).toBe(2); // the verified head again, and the new event
    expect(st.verify).toMatchObject({ ok: true, count: first + 1 });
  });
});

describe("evidence exports", () => {
  it("the auditor exports a bundle that verifies offline, and the export is recorded", async () => {
    const h = fx.handler();
    const before = (await headSeq()) as number;
    const res = await fx.call(h, "auditor", "/api/exports/bundle?from=0");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(
      /attachment; filename="bundle-0-\d+\.json"/,
    );
    const text = await res.text();
    const { parseVerifierKey } = await import("@daicho/core/checkpoint");
    const key = parseVerifierKey(fx.verifierKey);
    if (E.isLeft(key)) throw key.left;
    expect(E.isRight(verifyBundle(text, { policy: { keys: [key.right] } }))).toBe(true);
    const [recorded] = await eventsSince(before);
    expect(recorded?.type).toBe("data.exported");
    expect(recorded?.actor.id).toBe("auditor-weber");
    expect(recorded?.payload).toMatchObject({ format: "daicho-bundle", purpose: "audit-evidence" });
  });

  it("refuses a bundle range that is not numbers or not covered, recording nothing", async () => {
    const h = fx.handler();
    const before = await headSeq();
    for (const q of ["from=abc", "from=-1", "from=5&to=5", "to=99999999", "from=0&to=1e3"]) {
      const res = await fx.call(h, "auditor", `/api/exports/bundle?${q}`);
      expect(res.status, q).toBe(400);
    }
    expect(await headSeq()).toBe(before);
  });

  it("a checkpoint that does not verify under the log's key is not handed out, nor a bundle", async () => {
    const { ed25519Signer } = await import("@daicho/core/checkpoint");
    const other = ed25519Signer("console.test/ledger", new Uint8Array(32).fill(7)).verifierKey;
    const h = fx.handler({ verifierKey: other });
    const before = await headSeq();
    for (const p of ["/api/exports/checkpoint", "/api/exports/bundle"]) {
      const res = await fx.call(h, "auditor", p);
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect((await res.json()).error.code, p).toMatch(/SIGNATURE_INVALID|CHECKPOINT_INVALID/);
    }
    expect(await headSeq()).toBe(before);
    const st = await (await fx.call(h, "auditor", "/api/status")).json();
    expect(st.checkpoint.signature).toBe("invalid");
  });

  it("exports Art. 30 and APPI provision records as JSON and CSV", async () => {
    const h = fx.handler();
    const art30 = await (
      await fx.call(h, "dpo", "/api/exports/records-of-processing?format=json")
    ).json();
    expect(art30.records.map((r: { purpose: string }) => r.purpose)).toContain("sales-follow-up");
    const csv = await (
      await fx.call(h, "auditor", "/api/exports/provision-records?format=csv")
    ).text();
    expect(csv.split("\r\n")[1]).toMatch(/^"third-party",.*"organisation:hoshi-sales"/);
    expect((await fx.call(h, "dpo", "/api/exports/provision-records?format=xml")).status).toBe(400);
    expect((await fx.call(h, "dpo", "/api/exports/constructor")).status).toBe(404);
  });
});

describe("routing", () => {
  it("serves the page and its listed assets only, under the base path", async () => {
    const h = fx.handler({ basePath: "/compliance" });
    const page = await fx.call(h, "dpo", "/compliance/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect((await fx.call(h, "dpo", "/compliance/assets/app.js")).status).toBe(200);
    for (const p of [
      "/compliance/assets/../package.json",
      "/compliance/assets/%2e%2e/handler.ts",
      "/compliance/assets/handler.ts",
      "/api/status",
      "/compliancex/",
    ]) {
      expect((await fx.call(h, "dpo", p)).status, p).toBe(404);
    }
    expect((await fx.call(h, "dpo", "/compliance")).status).toBe(308);
  });

  it("a ledger the console was not given is a 404", async () => {
    const h = fx.handler();
    expect((await fx.call(h, "dpo", "/api/status?ledger=other/ledger")).status).toBe(404);
  });
});
