/**
 * A small real ledger for the console's tests: SQLite events and tree in a temp dir, a
 * SQLite key store, three subjects (one with a sealed e-mail address), an open erasure
 * request, an alert, a disclosure and a signed checkpoint. Not exported from the package.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { sqliteKeyStore } from "@daicho/adapters/sqlite-keys";
import { type Ledger, type LedgerEvent, openLedger } from "@daicho/core";
import { ed25519Signer, emitCheckpoint } from "@daicho/core/checkpoint";
import { ed25519Signer as certSigner, erasureService } from "@daicho/core/erasure";
import { incidentsService } from "@daicho/core/incidents";
import { type LedgerTree, withTree } from "@daicho/core/merkle";
import { requestsService } from "@daicho/core/requests";
import { afterEach, beforeEach } from "vitest";
import { type ConsoleHandler, consoleHandler } from "./handler";
import type { ConsoleOptions, ConsoleUser } from "./options";

export const LEDGER_ID = "console.test/ledger";
export const EMAIL = "hanako.sato@mail.example.jp";
export const ORIGIN = "http://console.test";

export const USERS: Readonly<Record<string, ConsoleUser>> = {
  dpo: { actor: "dpo-kato", roles: ["dpo"], locale: "ja-JP", timeZone: "Asia/Tokyo" },
  auditor: {
    actor: "auditor-weber",
    roles: ["auditor"],
    locale: "en-GB",
    timeZone: "Europe/Berlin",
  },
  support: { actor: "support-ito", roles: ["support"], locale: "ja-JP" },
};

export interface Fixture {
  readonly dir: string;
  readonly path: string;
  readonly ledger: Ledger;
  readonly tree: LedgerTree;
  readonly verifierKey: string;
  readonly requestId: string;
  handler(extra?: Partial<ConsoleOptions>): ConsoleHandler;
  /** A request as the console page sends it, as `user` (a key of USERS, or null for none). */
  call(
    handler: ConsoleHandler,
    user: string | null,
    path: string,
    init?: RequestInit,
  ): Promise<Response>;
  emitCheckpoint(): Promise<void>;
  close(): Promise<void>;
}

export async function openFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), "daicho-console-"));
  const path = join(dir, "ledger.db");
  const keyStore = sqliteKeyStore(join(dir, "keys.db"));
  const ledger = await openLedger({
    store: sqliteStore(path),
    ledgerId: LEDGER_ID,
    keys: { store: keyStore, kek: { id: "kek-test", key: new Uint8Array(randomBytes(32)) } },
  });
  const treeStore = sqliteTreeStore(path);
  const { tree, detach } = await withTree(ledger, treeStore);
  const signer = ed25519Signer(LEDGER_ID, new Uint8Array(randomBytes(32)));
  const certificates = certSigner("console.test/erasure", new Uint8Array(randomBytes(32)));
  const staff = { id: "sales-tanaka", role: "sales" };
  for (const id of ["contact-0001", "contact-0002", "contact-0003"]) {
    await ledger.append({
      type: "record.created",
      actor: staff,
      subjects: [id],
      payload: { resource: { type: "contact", id }, fields: ["email"] },
      personal: [
        {
          subject: id,
          field: "email",
          value: id === "contact-0001" ? EMAIL : `${id}@x.example.jp`,
        },
      ],
    });
  }
  await ledger.append({
    type: "consent.granted",
    actor: { id: "web-form" },
    subjects: ["contact-0001"],
    payload: {
      purpose: "newsletter",
      lawfulBasis: "consent",
      evidence: { channel: "web", wordingVersion: "2026-09", capturedBy: "web-form" },
    },
  });
  await ledger.append({
    type: "data.accessed",
    actor: staff,
    subjects: ["contact-0001"],
    payload: {
      resource: { type: "contact", id: "contact-0001" },
      fields: ["email"],
      purpose: "sales-follow-up",
      outcome: "allowed",
    },
  });
  await ledger.append({
    type: "data.shared",
    actor: staff,
    subjects: ["contact-0001", "contact-0002"],
    payload: {
      recipient: { kind: "organisation", id: "hoshi-sales" },
      relationship: "third-party",
      legalBasis: "consent",
      fields: ["email"],
      purpose: "newsletter",
    },
  });
  await ledger.append({
    type: "alert.raised",
    actor: { id: "monitor" },
    payload: {
      alertId: "alert-0001",
      rule: "mass-export",
      severity: "critical",
      actorId: "sales-tanaka",
      count: 120,
      threshold: 50,
    },
  });
  const erasure = erasureService({
    ledger,
    signer: certificates,
    actor: { id: "daicho-erasure", role: "dpo" },
  });
  const erasureFor = (actor: { id: string; role: string }) => erasure.as(actor);
  const request = await erasureFor({ id: "dpo-kato", role: "dpo" }).request("contact-0002", {
    requestedBy: "contact-0002",
    channel: "web-form",
  });
  const emit = async () => {
    await tree.catchUp();
    await emitCheckpoint(tree, signer, LEDGER_ID);
  };
  await emit();
  return {
    dir,
    path,
    ledger,
    tree,
    verifierKey: signer.verifierKey,
    requestId: request.requestId,
    emitCheckpoint: emit,
    handler: (extra = {}) =>
      consoleHandler({
        ledger,
        erasureFor,
        tree,
        verifierKey: signer.verifierKey,
        authenticate: (req) => {
          const who = req.headers.get("x-test-user");
          return who !== null && Object.hasOwn(USERS, who) ? (USERS[who] as ConsoleUser) : null;
        },
        ...extra,
      }),
    call: (handler, user, p, init = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has("x-daicho-console")) headers.set("x-daicho-console", "1");
      if (user !== null) headers.set("x-test-user", user);
      if (init.method === "POST") {
        if (!headers.has("origin")) headers.set("origin", ORIGIN);
        if (!headers.has("content-type")) headers.set("content-type", "application/json");
      }
      return handler(new Request(`${ORIGIN}${p}`, { ...init, headers }));
    },
    close: async () => {
      detach();
      await tree.catchUp();
      await treeStore.close();
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Requests of other rights and an incident, for the queue and incident tests. */
export interface Work {
  /** GDPR Art. 15 access by contact-0003. */
  readonly accessId: string;
  /** GDPR Art. 16 rectification by contact-0001 (whose data went to `hoshi-sales`). */
  readonly rectifyId: string;
  /** APPI 開示 by contact-0002. */
  readonly appiId: string;
  /** An incident under GDPR and APPI, became aware an hour before it was recorded. */
  readonly incidentId: string;
  readonly awareAt: string;
}

export async function seedWork(fx: Fixture): Promise<Work> {
  const actor = { id: "daicho-intake", role: "system" };
  const requests = requestsService({ ledger: fx.ledger, actor });
  const receive = (
    subject: string,
    right: "gdpr.access" | "gdpr.rectification" | "appi.disclosure",
  ) => requests.receive(subject, { right, requestedBy: subject, channel: "web-form" });
  const access = await receive("contact-0003", "gdpr.access");
  const rectify = await receive("contact-0001", "gdpr.rectification");
  const appi = await receive("contact-0002", "appi.disclosure");
  const awareAt = new Date(Date.now() - 3_600_000).toISOString();
  const incident = await incidentsService({ ledger: fx.ledger, actor }).detect({
    awareAt,
    regimes: ["gdpr", "appi"],
    category: "lost-device",
    summary: "A sales laptop was lost on a train",
  });
  return {
    accessId: access.requestId,
    rectifyId: rectify.requestId,
    appiId: appi.requestId,
    incidentId: incident.incidentId,
    awareAt,
  };
}

/** The ledger's head sequence number. */
export const headSeqOf = async (fx: Fixture): Promise<number> =>
  (await fx.ledger.head())?.seq as number;

/** Every event after `seq`, in order. */
export async function eventsSinceOf(fx: Fixture, seq: number): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  for await (const e of fx.ledger.read({ from: seq + 1 })) out.push(e);
  return out;
}

/** A JSON POST as the console page sends it. */
export const postJson = (body: unknown): RequestInit => ({
  method: "POST",
  body: JSON.stringify(body),
});

/**
 * A fresh fixture with `seedWork` before each test of the calling file, closed after;
 * read `fx` and `work` inside the tests.
 */
export function withSeededFixture(): { readonly fx: Fixture; readonly work: Work } {
  const state = {} as { fx: Fixture; work: Work };
  beforeEach(async () => {
    state.fx = await openFixture();
    state.work = await seedWork(state.fx);
  });
  afterEach(async () => {
    await state.fx.close();
  });
  return state;
}
