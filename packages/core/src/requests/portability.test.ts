import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { csvCell } from "./portability";
import { requestsService } from "./service";
import { rejectsWith as rejects } from "./test-support";

const T0 = new Date("2026-03-01T09:00:00.000Z");
const dpo = { id: "dpo-1", role: "dpo" };

function record(subject: string, field: string, value: string): EventInput {
  return {
    type: "record.updated",
    actor: { id: "crm" },
    subjects: [subject],
    payload: { resource: { type: "contact", id: subject }, fields: [field] },
    personal: [{ subject, field, value }],
  } as EventInput;
}

/** RFC 4180 parser for the round trip (quoted cells, doubled quotes, CRLF rows). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  return rows;
}

async function setup() {
  const ledger = await openLedger({
    store: memoryStore(),
    ledgerId: "portability.test/l",
    keys: { store: memoryKeyStore(), kek: { id: "kek-1", key: new Uint8Array(32).fill(8) } },
    clock: () => T0,
  });
  await ledger.append(record("c-1", "email", "hanako@example.jp"));
  await ledger.append(record("c-1", "note", '=HYPERLINK("http://evil.example/?x=1","click")'));
  await ledger.append(record("c-1", "address", '1-2-3 Shibuya, Tokyo\n"Building A"'));
  await ledger.append(record("c-2", "email", "taro@example.jp"));
  const requests = requestsService({ ledger, actor: dpo, clock: () => T0 });
  return { ledger, requests };
}

describe("portability exports (GDPR Art. 20)", () => {
  it("answers a portability request with a CSV, recorded as an export and used as evidence", async () => {
    const { ledger, requests } = await setup();
    const r = await requests.receive("c-1", {
      right: "gdpr.portability",
      requestedBy: "c-1",
      channel: "web",
    });
    await requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" });
    const { request, export: out } = await requests.answerWithExport(r.requestId, "csv");
    const rows = parseCsv(out.body);
    expect(rows[0]).toEqual(["field", "value", "status", "recorded_at", "event_id", "event_type"]);
    const byField = Object.fromEntries(rows.slice(1).map((x) => [x[0], x[1]]));
    expect(byField.email).toBe("hanako@example.jp");
    expect(byField.address).toBe('1-2-3 Shibuya, Tokyo\n"Building A"');
    // A formula typed into the CRM is not a formula in the export.
    expect(byField.note).toBe(`'=HYPERLINK("http://evil.example/?x=1","click")`);
    expect(out.body).not.toContain("taro");
    expect(out.event.payload).toMatchObject({
      format: "csv",
      destination: { kind: "data-subject", id: "c-1" },
      recordCount: 3,
      purpose: "portability",
    });
    expect(request.status).toBe("completed");
    expect(request.completion?.evidence[0]?.id).toBe(out.event.id);
    expect((await ledger.head())?.seq).toBe(request.events[request.events.length - 1]?.seq);
  });

  it("answers in JSON with only the subject's own values", async () => {
    const { requests } = await setup();
    const r = await requests.receive("c-1", {
      right: "appi.disclosure",
      requestedBy: "c-1",
      channel: "web",
    });
    await requests.verifyIdentity(r.requestId, { method: "id-document", verifiedBy: "dpo-1" });
    const { export: out } = await requests.answerWithExport(r.requestId, "json");
    const doc = JSON.parse(out.body) as {
      format: string;
      subject: string;
      values: { field: string; value: string }[];
    };
    expect(doc.format).toBe("daicho/portability/v1");
    expect(doc.subject).toBe("c-1");
    expect(doc.values.map((v) => v.field).sort()).toEqual(["address", "email", "note"]);
    expect(out.body).not.toContain("taro@example.jp");
  });

  it("decrypts nothing and records nothing before the identity is verified, or for a right not answered by a copy", async () => {
    const { ledger, requests } = await setup();
    const r = await requests.receive("c-1", {
      right: "gdpr.portability",
      requestedBy: "c-1",
      channel: "web",
    });
    const fix = await requests.receive("c-1", {
      right: "gdpr.rectification",
      requestedBy: "c-1",
      channel: "web",
    });
    await requests.verifyIdentity(fix.requestId, { method: "login", verifiedBy: "dpo-1" });
    const before = await ledger.head();
    await rejects(requests.answerWithExport(r.requestId, "csv"), "IDENTITY_UNVERIFIED");
    await rejects(requests.answerWithExport(fix.requestId, "json"), "INVALID_ARGUMENT");
    await rejects(requests.answerWithExport(r.requestId, "xml" as never), "INVALID_ARGUMENT");
    expect(await ledger.head()).toEqual(before);
  });

  it("quotes and defuses every cell a spreadsheet could misread", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    for (const f of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
      expect(csvCell(f).replace(/^"/, "")[0]).toBe("'");
  });
});
