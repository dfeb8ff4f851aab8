/**
 * An outsourced sales agency (委託, APPI Art. 25) working on two clients' contacts in one
 * CRM. Agency staff get grants scoped to one client's contacts that expire after two
 * weeks; one agent is offboarded mid-run and is refused at once; Globex terminates its
 * outsourcing contract (委託契約) on day 5 and every grant tied to it lapses at that
 * instant; at the end Acme receives the agency's access log restricted to Acme's own
 * contacts, and each client a supervision report (委託先の監督, APPI Art. 25).
 */
import type { EventInput } from "@daicho/core";
import { AccessPolicy, compilePolicy, type Decision } from "@daicho/core/policy";
import {
  type ActorAction,
  actorHistory,
  provisionRecords,
  type SupervisionReport,
  supervisionReports,
} from "@daicho/core/reports";
import { ContactBook } from "../crm-service/contacts";
import { type ExampleLedger, openExampleLedger } from "../shared/ledger";
import { cards } from "../shared/people";

const DAY = 24 * 60 * 60 * 1000;
/** The scenario runs on its own clock, starting Monday 2 November 2026, 09:00 JST. */
export const START = Date.parse("2026-11-02T00:00:00Z");

const ACME = cards(8, 11, "acme-contact");
const GLOBEX = cards(5, 12, "globex-contact");
export const ACME_CONTACTS = ACME.map((c) => c.id);
export const GLOBEX_CONTACTS = GLOBEX.map((c) => c.id);
export const AGENTS = ["agent-kimura", "agent-abe", "agent-mori"] as const;

const policy = compilePolicy({
  purposes: { "sales-follow-up": { basis: "legitimate-interests", perSubject: false } },
});

/** One attempt in the run, as the agency's CRM client saw it. */
export interface Attempt {
  readonly at: string;
  readonly agent: string;
  readonly contact: string;
  readonly decision: Decision;
}

export interface AgencyRun {
  readonly attempts: Attempt[];
  /** What Acme receives: every agency action on Acme's contacts, other clients' ids removed. */
  readonly acmeLog: (ActorAction & { agent: string })[];
  readonly entrustments: Awaited<ReturnType<typeof provisionRecords>>["entrusted"];
  /** One supervision report per contract, as of the end of the run. */
  readonly supervision: SupervisionReport[];
  readonly verified: boolean;
}

/** Run the whole scenario in `dir` and return what happened. */
export async function runAgency(dir: string): Promise<AgencyRun> {
  let now = START;
  const at = (ms = now) => new Date(ms).toISOString();
  const crm: ExampleLedger = await openExampleLedger(dir, { ledgerId: "crm.example.com/clients" });
  const { ledger, projector } = crm;
  const access = new AccessPolicy(projector.views, policy, () => now);
  const contacts = new ContactBook(ledger);
  const attempts: Attempt[] = [];
  try {
    // Each client's contacts are imported by the client's own account.
    for (const [client, list] of [
      ["client-acme", ACME],
      ["client-globex", GLOBEX],
    ] as const) {
      for (const { id, ...values } of list) {
        await contacts.create({ id: client }, id, values, {
          source: "manual",
          occurredAt: at(),
        });
      }
    }
    await ledger.appendBatch(agencySetup(at(), at(START + 14 * DAY)));

    const read = async (agent: string, contact: string) => {
      const { decision } = await access.decideAndRecord(ledger, {
        actor: agent,
        action: "read",
        resource: { type: "contact", id: contact },
        fields: ["name", "company", "phone"],
        purpose: "sales-follow-up",
        context: { ip: "198.51.100.40", device: `${agent}-pc` },
      });
      attempts.push({ at: at(), agent, contact, decision });
      now += 2 * 60 * 1000; // a call takes a couple of minutes
    };

    // Day 1: the agents call their client's contacts; Kimura strays into Globex's.
    now = START + 60 * 60 * 1000;
    for (const id of ACME_CONTACTS.slice(0, 4)) await read("agent-kimura", id);
    for (const id of ACME_CONTACTS.slice(4)) await read("agent-abe", id);
    for (const id of GLOBEX_CONTACTS.slice(0, 2)) await read("agent-mori", id);
    await read("agent-kimura", GLOBEX_CONTACTS[0] as string); // not in Kimura's grant

    // Day 3, 14:00: Kimura leaves the agency. The next attempt is refused, no cache to expire.
    now = START + 2 * DAY + 5 * 60 * 60 * 1000;
    await read("agent-kimura", ACME_CONTACTS[0] as string);
    await ledger.append({
      type: "actor.offboarded",
      actor: { id: "agency-admin-hoshi" },
      occurredAt: at(),
      payload: { actorId: "agent-kimura", reason: "Left the agency" },
    });
    await read("agent-kimura", ACME_CONTACTS[1] as string);
    await read("agent-abe", ACME_CONTACTS[1] as string); // Abe's grant is unaffected

    // Day 5, 10:00: Globex terminates its contract with the agency. Mori's grant has nine
    // days left, but it is tied to the contract and lapses with it.
    now = START + 4 * DAY + 60 * 60 * 1000;
    await read("agent-mori", GLOBEX_CONTACTS[2] as string);
    await ledger.append({
      type: "contract.terminated",
      actor: { id: "globex-dpo" },
      occurredAt: at(),
      payload: {
        contractId: "contract-globex-2026-11",
        terminatedBy: "globex-dpo",
        reason: "Globex ends the outsourcing engagement",
      },
    });
    await read("agent-mori", GLOBEX_CONTACTS[3] as string);

    // Day 16: the two-week grants have expired.
    now = START + 15 * DAY + 60 * 60 * 1000;
    await read("agent-abe", ACME_CONTACTS[2] as string);

    // Acme's copy of the access log: only Acme's contacts, whatever else the agency touched.
    const acme = new Set(ACME_CONTACTS);
    const acmeLog: AgencyRun["acmeLog"] = [];
    for (const agent of AGENTS) {
      for (const action of await actorHistory(ledger.read(), agent, { from: START })) {
        const own = action.subjects.filter((s) => acme.has(s));
        if (own.length > 0) acmeLog.push({ ...action, subjects: own, agent });
      }
    }
    acmeLog.sort((a, b) => a.seq - b.seq);
    const { entrusted } = await provisionRecords(ledger.read());
    const supervision = await supervisionReports(ledger.read(), { asOf: now });
    return {
      attempts,
      acmeLog,
      entrustments: entrusted,
      supervision,
      verified: (await ledger.verify()).ok,
    };
  } finally {
    await crm.close();
  }
}

/**
 * The agency relationship as events: one outsourcing contract per client (its client,
 * purpose and a one-month term), the agents onboarded as members of the agency, the
 * entrustment record (what was handed over, under which contract), and one grant per
 * agent tied to its client's contract, scoped to that client's contacts, read-only,
 * three fields, expiring `until`.
 */
function agencySetup(at: string, until: string): EventInput[] {
  const admin = { id: "admin-sato", role: "admin" };
  const onboard = (actorId: string): EventInput => ({
    type: "actor.onboarded",
    actor: { id: "agency-admin-hoshi" },
    occurredAt: at,
    payload: { actorId, roles: ["agency-sales"], organisation: "hoshi-sales" },
  });
  const contract = (contractId: string, client: string): EventInput => ({
    type: "contract.concluded",
    actor: admin,
    occurredAt: at,
    payload: {
      contractId,
      organisation: "hoshi-sales",
      scope: { purposes: ["sales-follow-up"], clients: [client], resourceTypes: ["contact"] },
      startsAt: at,
      endsAt: new Date(START + 30 * DAY).toISOString(),
      concludedBy: "admin-sato",
    },
  });
  const grant = (agent: string, subjects: readonly string[], contractId: string): EventInput => ({
    type: "permission.granted",
    actor: admin,
    occurredAt: at,
    payload: {
      grantId: `grant-${agent}`,
      grantee: { actor: agent },
      scope: { resourceType: "contact", subjects: [...subjects] },
      actions: ["read"],
      purposes: ["sales-follow-up"],
      fields: ["name", "company", "phone"],
      grantedBy: "admin-sato",
      expiresAt: until,
      contractId,
    },
  });
  const entrust = (subjects: readonly string[], contractRef: string): EventInput => ({
    type: "data.shared",
    actor: admin,
    subjects: [...subjects],
    occurredAt: at,
    payload: {
      recipient: { kind: "organisation", id: "hoshi-sales" },
      relationship: "entrusted",
      legalBasis: "contract",
      fields: ["name", "company", "phone"],
      purpose: "sales-follow-up",
      contractRef,
      recordCount: subjects.length,
    },
  });
  return [
    contract("contract-acme-2026-11", "client-acme"),
    contract("contract-globex-2026-11", "client-globex"),
    ...AGENTS.map(onboard),
    entrust(ACME_CONTACTS, "contract-acme-2026-11"),
    entrust(GLOBEX_CONTACTS, "contract-globex-2026-11"),
    grant("agent-kimura", ACME_CONTACTS, "contract-acme-2026-11"),
    grant("agent-abe", ACME_CONTACTS, "contract-acme-2026-11"),
    grant("agent-mori", GLOBEX_CONTACTS, "contract-globex-2026-11"),
  ];
}
