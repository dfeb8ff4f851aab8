/**
 * The CRM's contact book, kept in the ledger itself: each create or update is a
 * `record.*` event whose field *names* are in the payload and whose *values* are sealed
 * under the contact's own data key. Reading a contact opens the sealed values; once the
 * contact is erased (keys destroyed) every value reads as a `Redacted` marker.
 */
import { type EventInput, type Ledger, type Redacted, toLedgerEvent } from "@daicho/core";
import { isEvent } from "../shared/events";
import { CONTACT_FIELDS, type ContactField } from "./policy";

export type ContactValues = Partial<Record<ContactField, string>>;

/** A contact as stored: each field's latest value, or `Redacted` once erased. */
export interface Contact {
  readonly id: string;
  readonly fields: Partial<Record<ContactField, string | Redacted>>;
}

/** Who acts, with where the request came from (staff equipment, never the contact). */
export type ActorInput = EventInput["actor"];

/** Contacts over a ledger opened with `keys`. Contact ids are the data-subject ids. */
export class ContactBook {
  private readonly known = new Set<string>();

  constructor(private readonly ledger: Ledger) {}

  /** Contact ids in creation order (rebuilt from the ledger by {@link ContactBook.load}). */
  ids(): string[] {
    return [...this.known];
  }

  /** Learn the contacts already recorded (after a restart). */
  async load(): Promise<void> {
    for await (const e of this.ledger.read()) {
      if (isEvent(e, "record.created") && e.payload.resource.type === "contact")
        this.known.add(e.payload.resource.id);
    }
  }

  /**
   * Record a new contact and where its data came from (a scanned card), in one atomic
   * batch. The values are sealed before hashing; the ledger holds only ciphertext.
   */
  async create(
    actor: ActorInput,
    id: string,
    values: ContactValues,
    options: { source?: "card-scan" | "web-form" | "manual"; occurredAt?: string } = {},
  ): Promise<void> {
    const fields = fieldNames(values);
    const at = options.occurredAt === undefined ? {} : { occurredAt: options.occurredAt };
    await this.ledger.appendBatch([
      {
        type: "provenance.recorded",
        actor,
        subjects: [id],
        ...at,
        payload: { source: options.source ?? "card-scan", fields },
      },
      {
        type: "record.created",
        actor,
        subjects: [id],
        ...at,
        payload: { resource: { type: "contact", id }, fields },
        personal: sealed(id, values),
      },
    ]);
    this.known.add(id);
  }

  /** Record new values for some fields of a contact. */
  async update(
    actor: ActorInput,
    id: string,
    values: ContactValues,
    occurredAt?: string,
  ): Promise<void> {
    await this.ledger.append({
      type: "record.updated",
      actor,
      subjects: [id],
      ...(occurredAt === undefined ? {} : { occurredAt }),
      payload: { resource: { type: "contact", id }, fields: fieldNames(values) },
      personal: sealed(id, values),
    });
  }

  /** The contact's current values (latest write wins), or undefined if never created. */
  async read(id: string): Promise<Contact | undefined> {
    if (!this.known.has(id)) return undefined;
    const fields: Contact["fields"] = {};
    for await (const stored of this.ledger.store.readSubject(id)) {
      const event = toLedgerEvent(stored);
      if (event.type !== "record.created" && event.type !== "record.updated") continue;
      for (const f of await this.ledger.openPersonal(event)) {
        if (f.subject === id) fields[f.field as ContactField] = f.value;
      }
    }
    return { id, fields };
  }
}

function fieldNames(values: ContactValues): ContactField[] {
  return CONTACT_FIELDS.filter((f) => values[f] !== undefined);
}

function sealed(subject: string, values: ContactValues) {
  return fieldNames(values).map((field) => ({ subject, field, value: values[field] as string }));
}
