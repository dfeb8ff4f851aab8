/**
 * A generated but realistic six-week history for the console to show: five staff
 * members reading and exporting 120 contacts on working days, consents given and
 * withdrawn, an agency entrusted with some contacts, a mass export, a leaver who tries
 * again after offboarding, denied attempts, erasure requests in every state, and two
 * signed checkpoints (the older one being "last month's"). Deterministic apart from "now".
 */
import { randomBytes } from "node:crypto";
import { type EventInput, uuidv7 } from "@daicho/core";
import { ed25519Signer, emitCheckpoint } from "@daicho/core/checkpoint";
import {
  type ErasureService,
  erasureService,
  ed25519Signer as erasureSigner,
} from "@daicho/core/erasure";
import { incidentsService } from "@daicho/core/incidents";
import { Monitor } from "@daicho/core/monitor";
import { accessEvent, decide } from "@daicho/core/policy";
import { requestsService } from "@daicho/core/requests";
import { ContactBook } from "../crm-service/contacts";
import { crmMonitor, crmPolicy, crmStaff } from "../crm-service/policy";
import { type ExampleLedger, openExampleLedger } from "../shared/ledger";
import { cards, prng } from "../shared/people";

const DAY = 24 * 60 * 60 * 1000;
export const LEDGER_ID = "crm.example.com/ledger";
const DEVICES: Record<string, { device: string; ip: string }> = {
  "sales-tanaka": { device: "laptop-114", ip: "192.0.2.14" },
  "sales-kobayashi": { device: "laptop-117", ip: "192.0.2.17" },
  "sales-yamada": { device: "laptop-121", ip: "192.0.2.21" },
  "manager-suzuki": { device: "laptop-020", ip: "192.0.2.20" },
  "support-ito": { device: "desk-031", ip: "192.0.2.31" },
};

/** Who reads how many contacts on a working day (min + up to spread), why, and which fields. */
const HABITS = [
  {
    actor: "sales-tanaka",
    min: 6,
    spread: 8,
    purpose: "sales-follow-up",
    fields: ["name", "company", "email", "phone"],
  },
  {
    actor: "sales-kobayashi",
    min: 4,
    spread: 8,
    purpose: "sales-follow-up",
    fields: ["name", "company", "phone"],
  },
  {
    actor: "sales-yamada",
    min: 3,
    spread: 6,
    purpose: "sales-follow-up",
    fields: ["name", "company", "email"],
  },
  {
    actor: "manager-suzuki",
    min: 1,
    spread: 4,
    purpose: "account-management",
    fields: ["name", "company", "notes"],
  },
  {
    actor: "support-ito",
    min: 2,
    spread: 5,
    purpose: "account-management",
    fields: ["name", "email"],
  },
];

export interface SeededConsole extends ExampleLedger {
  readonly erasure: ErasureService;
  /** The erasure service acting as another staff member (same signer, same clock). */
  erasureFor(actor: { id: string; role: string }): ErasureService;
  /** The scenario's "now" (the end of the generated history). */
  readonly now: Date;
  /** The public key text auditors use for checkpoints. */
  readonly verifierKey: string;
}

/** Generate the history into `dir`, ending at `end` (default: now). */
export async function seedConsole(dir: string, end = new Date()): Promise<SeededConsole> {
  const rnd = prng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const start = Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate()) - 45 * DAY;
  let now = start;
  const crm = await openExampleLedger(dir, { ledgerId: LEDGER_ID, clock: () => new Date(now) });
  const { ledger, projector, tree } = crm;
  const views = projector.views;
  const monitor = new Monitor({ config: crmMonitor, views, ledger });
  monitor.attach(projector);
  const signer = ed25519Signer(LEDGER_ID, new Uint8Array(randomBytes(32)));
  const certificateSigner = erasureSigner(
    "crm.example.com/erasure",
    new Uint8Array(randomBytes(32)),
  );
  const erasure = erasureService({
    ledger,
    signer: certificateSigner,
    actor: { id: "dpo-kato", role: "dpo" },
    clock: () => new Date(now),
  });
  // Other staff act through the same service (one folded view, shared locks).
  const erasureFor = (actor: { id: string; role: string }) => erasure.as(actor);
  const contacts = new ContactBook(ledger);
  const people = cards(120);
  const known: string[] = [];
  const iso = (ms = now) => new Date(ms).toISOString();
  const at = (day: number, hour: number, minute = 0) =>
    start + day * DAY + (hour - 9) * 3600_000 + minute * 60_000;

  // Day 0: the team, two more sales reps, and the policy's grants.
  await ledger.appendBatch([
    ...crmStaff(iso()),
    ...["sales-kobayashi", "sales-yamada"].map(
      (actorId): EventInput => ({
        type: "actor.onboarded",
        actor: { id: "admin-sato", role: "admin" },
        occurredAt: iso(),
        payload: { actorId, roles: ["sales"], teams: ["osaka"], clearance: "internal" },
      }),
    ),
  ]);

  /** A working day's reads, decided against the views and written in one batch. */
  const readsOf = (actor: string, count: number, day: number, purpose: string, fields: string[]) =>
    Array.from({ length: count }, (_, i) => {
      const when = at(day, 9 + Math.floor((i * 8) / count), Math.floor(rnd() * 50));
      const request = {
        actor,
        action: "read" as const,
        resource: { type: "contact", id: pick(known) },
        fields,
        purpose,
        context: { ...DEVICES[actor], session: `sess-${actor}-${day}`, at: when },
      };
      return accessEvent(request, decide(views, crmPolicy, request), uuidv7(when));
    });

  for (let day = 0; day < 45; day++) {
    const weekday = new Date(start + day * DAY).getUTCDay();
    if (weekday === 0 || weekday === 6) {
      await special(day); // requests and incidents do not wait for Monday
      continue;
    }
    now = at(day, 8, 30);
    // Cards scanned after meetings (first month), each with a newsletter choice on the web form.
    if (day <= 30) {
      for (const { id, ...values } of people.slice(known.length, known.length + 5)) {
        await contacts.create({ id: "sales-tanaka", role: "sales" }, id, values, {
          occurredAt: iso(),
        });
        known.push(id);
        if (rnd() < 0.55) await ledger.append(consent("consent.granted", id, iso()));
      }
    }
    now = at(day, 9);
    const reads = HABITS.filter((x) => x.actor !== "sales-yamada" || day < 38)
      .flatMap((x) =>
        readsOf(x.actor, x.min + Math.floor(rnd() * x.spread), day, x.purpose, x.fields),
      )
      .sort((a, b) => Date.parse(a.occurredAt as string) - Date.parse(b.occurredAt as string));
    await ledger.appendBatch(reads);
    if (weekday === 5)
      await ledger.append(exportOf("sales-tanaka", known.slice(-15), at(day, 17, 40)));
    if (day > 15 && rnd() < 0.35) {
      now = at(day, 12);
      await ledger.append(consent("consent.withdrawn", pick(known), iso()));
    }
    await special(day);
    now = at(day, 18);
    if (day === 30) await emitCheckpoint(tree, signer, LEDGER_ID); // "last month's" checkpoint
  }

  /** The events that make the story: each on its own day. */
  async function special(day: number): Promise<void> {
    if (day === 3) {
      now = at(3, 11);
      const held = await erasure.request("contact-0007", {
        requestedBy: "contact-0007",
        channel: "e-mail",
      });
      await erasure.placeHold(["contact-0007"], {
        holdId: "hold-dispute-0007",
        reason: "Invoice dispute pending in court",
      });
      await erasure.execute(held.requestId).catch(() => undefined); // refused: legal hold
    }
    if (day === 10) {
      now = at(10, 14);
      await ledger.append({
        type: "data.shared",
        actor: { id: "manager-suzuki", context: DEVICES["manager-suzuki"] },
        subjects: known.slice(0, 20),
        occurredAt: iso(),
        payload: {
          recipient: { kind: "organisation", id: "hoshi-sales" },
          relationship: "entrusted",
          legalBasis: "contract",
          fields: ["name", "company", "phone"],
          purpose: "sales-follow-up",
          contractRef: "contract-hoshi-2026",
          recordCount: 20,
        },
      });
    }
    if (day === 14) {
      now = at(14, 10);
      const r = await erasure.request("contact-0012", {
        requestedBy: "contact-0012",
        channel: "web-form",
      });
      now = at(16, 10);
      await erasure.execute(r.requestId);
    }
    if (day === 21) {
      // Support keeps trying to edit records it may only read: three denials in ten minutes.
      const tries = [0, 3, 6].map((m) => {
        const request = {
          actor: "support-ito",
          action: "update" as const,
          resource: { type: "contact", id: "contact-0040" },
          fields: ["phone"],
          purpose: "account-management",
          context: { ...DEVICES["support-ito"], at: at(21, 15, m) },
        };
        return accessEvent(request, decide(views, crmPolicy, request), uuidv7(at(21, 15, m)));
      });
      await ledger.appendBatch(tries);
    }
    if (day === 24) {
      now = at(24, 16);
      await erasure.request("contact-0031", { requestedBy: "contact-0031", channel: "web-form" });
    }
    if (day === 36) {
      // A leaver-to-be downloads the whole contact list on the evening before notice.
      await ledger.append(
        exportOf("sales-yamada", [...known], at(day, 19, 12), "usb-unregistered"),
      );
    }
    if (day === 38) {
      // Offboarded in the morning; the old session tries again in the afternoon.
      now = at(38, 9);
      await ledger.append({
        type: "actor.offboarded",
        actor: { id: "admin-sato", role: "admin" },
        occurredAt: iso(),
        payload: { actorId: "sales-yamada", reason: "Resigned" },
      });
      await ledger.appendBatch(
        readsOf("sales-yamada", 2, 38, "sales-follow-up", ["name", "email"]).map((e) => ({
          ...e,
          occurredAt: iso(at(38, 15)),
        })),
      );
    }
    if (day === 42 || day === 44) {
      now = at(day, 10);
      const subject = day === 42 ? "contact-0057" : "contact-0088";
      await erasure.request(subject, { requestedBy: subject, channel: "phone" });
    }
  }

  now = Math.min(end.getTime(), start + 45 * DAY);
  // Requests of other rights and an incident, for the request and incident queues.
  const intake = { id: "dpo-kato", role: "dpo" };
  const requests = requestsService({ ledger, actor: intake, clock: () => new Date(now) });
  for (const [subject, right, daysAgo] of [
    ["contact-0040", "gdpr.access", 3],
    ["contact-0041", "gdpr.rectification", 12],
    ["contact-0042", "appi.disclosure", 2],
  ] as const)
    await requests.receive(subject, {
      right,
      requestedBy: subject,
      channel: "web-form",
      receivedAt: iso(now - daysAgo * DAY),
    });
  await incidentsService({ ledger, actor: intake, clock: () => new Date(now) }).detect({
    awareAt: iso(now - 20 * 3600_000),
    regimes: ["gdpr", "appi"],
    category: "lost-device",
    summary: "A sales laptop with the CRM client was lost on a train",
  });
  await monitor.flush();
  await emitCheckpoint(tree, signer, LEDGER_ID);
  return { ...crm, erasure, erasureFor, now: new Date(now), verifierKey: signer.verifierKey };
}

function consent(
  type: "consent.granted" | "consent.withdrawn",
  subject: string,
  at: string,
): EventInput {
  const evidence = {
    channel: type === "consent.granted" ? "web" : "e-mail",
    wordingVersion: "2026-09",
    capturedBy: "web-form",
  };
  return type === "consent.granted"
    ? {
        type,
        actor: { id: "web-form" },
        subjects: [subject],
        occurredAt: at,
        payload: { purpose: "newsletter", lawfulBasis: "consent", evidence },
      }
    : {
        type,
        actor: { id: "web-form" },
        subjects: [subject],
        occurredAt: at,
        payload: { purpose: "newsletter", evidence },
      };
}

function exportOf(actor: string, subjects: string[], at: number, usb?: string): EventInput {
  const origin = DEVICES[actor] as { device: string; ip: string };
  return {
    type: "data.exported",
    actor: { id: actor, role: "sales", context: origin },
    subjects,
    occurredAt: new Date(at).toISOString(),
    payload: {
      format: "csv",
      destination:
        usb === undefined ? { kind: "download", id: origin.device } : { kind: "usb", id: usb },
      recordCount: subjects.length,
      fields: ["name", "company", "email", "phone"],
      purpose: "sales-follow-up",
      resourceType: "contact",
    },
  };
}
