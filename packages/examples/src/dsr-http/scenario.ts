/**
 * A person (contact-0003, whose card a sales rep scanned) asks over HTTP what the CRM
 * holds about them, then asks for erasure; the DPO executes it and the signed certificate
 * comes back. Afterwards the CRM refuses to process the contact and its stored values
 * read as `Redacted`, while the ledger still verifies.
 */
import type { Ledger, Redacted } from "@daicho/core";
import {
  type CertificateBody,
  STATEMENT_FIELD,
  verifyCertificateOrThrow,
} from "@daicho/core/erasure";
import type { SubjectAccessReport } from "@daicho/core/subject-access";
import { type Crm, listen, openCrm } from "../crm-service/server";
import { dsrApp } from "./server";

/** What the person writes as the reason for their request: sealed under their key. */
export const PERSON_REASON = "もう連絡しないでください。I no longer want to be contacted.";

export interface DsrRun {
  /** The access report before erasure (the person's own values, in clear, for them). */
  readonly accessBefore: SubjectAccessReport;
  /** Status when asking about someone else's data. */
  readonly otherPersonStatus: number;
  /** Status when the person tries staff routes: listing requests, executing their own. */
  readonly personListStatus: number;
  readonly personExecuteStatus: number;
  /** The person's reason as the DPO reads it before erasure (sealed field `erasure.statement`). */
  readonly statementBefore: string | null;
  readonly erasureRequest: { requestId: string; dueBy: string; status: string };
  readonly openBefore: { requestId: string; dueBy: string; overdue: boolean }[];
  readonly executed: { outcome: string; certificate: unknown };
  /** The certificate, verified with the DPO's public key. */
  readonly certificate: CertificateBody | undefined;
  /** The CRM's answer to a manager reading the erased contact. */
  readonly crmAfter: { status: number; body: { reasons?: string[] } };
  /** What the contact book itself now holds for the contact. */
  readonly storedAfter: Record<string, string | Redacted>;
  readonly accessAfter: SubjectAccessReport;
  readonly verified: boolean;
}

/** Run the scenario against a real HTTP server on 127.0.0.1 in `dir`. */
export async function runDsr(dir: string, log: (line: string) => void = () => {}): Promise<DsrRun> {
  const crm: Crm = await openCrm(dir, { contacts: 10 });
  const dsr = dsrApp(crm);
  const server = await listen(dsr.app);
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    log(`${method} ${path} → ${res.status}`);
    return { status: res.status, body: json };
  };
  try {
    await call(crm.tokens.sales, "GET", "/contacts/contact-0003"); // a routine read first
    const person = "tok-person-0003";

    const accessBefore = (await call(person, "GET", "/dsr/subjects/contact-0003/access")).body;
    const other = await call(person, "GET", "/dsr/subjects/contact-0004/access");
    const requested = await call(person, "POST", "/dsr/subjects/contact-0003/erasure", {
      reason: PERSON_REASON,
    });
    const personList = await call(person, "GET", "/dsr/erasure-requests");
    const personExecute = await call(
      person,
      "POST",
      `/dsr/erasure-requests/${requested.body.requestId}/execute`,
    );
    const open = await call("tok-dpo", "GET", "/dsr/erasure-requests");
    // The DPO reads the person's words: sealed under the person's key until erasure.
    const statementBefore = await statementOf(crm.ledger, requested.body.requestId);
    const executed = await call(
      "tok-dpo",
      "POST",
      `/dsr/erasure-requests/${requested.body.requestId}/execute`,
    );
    // Throws the DaichoError (SIGNATURE_INVALID, DECODE_ERROR) unless the DPO signed it.
    const certificate = verifyCertificateOrThrow(executed.body.certificate, dsr.certificateKey);

    const crmAfter = await call(crm.tokens.manager, "GET", "/contacts/contact-0003");
    const stored = (await crm.contacts.read("contact-0003"))?.fields ?? {};
    const accessAfter = (await call("tok-dpo", "GET", "/dsr/subjects/contact-0003/access")).body;

    return {
      accessBefore,
      otherPersonStatus: other.status,
      personListStatus: personList.status,
      personExecuteStatus: personExecute.status,
      statementBefore,
      erasureRequest: requested.body,
      openBefore: open.body.requests,
      executed: executed.body,
      certificate,
      crmAfter,
      storedAfter: stored as Record<string, string | Redacted>,
      accessAfter,
      verified: (await crm.ledger.verify()).ok,
    };
  } finally {
    await server.close();
    await crm.close();
  }
}

/** The requester's statement on request `requestId`, opened with the subject's key. */
async function statementOf(ledger: Ledger, requestId: string): Promise<string | null> {
  for await (const e of ledger.read()) {
    if (e.type !== "erasure.requested" || e.payload.requestId !== requestId) continue;
    const field = (await ledger.openPersonal(e)).find((f) => f.field === STATEMENT_FIELD);
    return typeof field?.value === "string" ? field.value : null;
  }
  return null;
}
