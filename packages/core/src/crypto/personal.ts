import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import type { SealedField } from "../events/envelope";
import { type FieldBinding, openValue, sealValue } from "./field-seal";
import { type PersonalField, redacted } from "./redacted";

/** A personal value to seal (the decoded `personal` member of an event input). */
export interface PersonalValueInput {
  readonly subject: string;
  readonly field: string;
  readonly value: string;
  readonly keep?: string;
}

/** Where sealing and opening get data keys from (the `KeyRing` implements it). */
export interface DataKeySource {
  /**
   * The current key for sealing `field` of `subject` — the subject's own, or its key for
   * the category `field` is declared in (spec §10.11) — created on first use; rejects
   * `KEY_ERASED` for an erased subject or category.
   */
  writeKey(
    subject: string,
    field?: string,
  ): Promise<{ readonly keyId: string; readonly key: Uint8Array }>;
  /** The key `keyId` of `subject`, or why it cannot be had. */
  readKey(subject: string, keyId: string): Promise<Uint8Array | "erased" | "unavailable">;
}

/**
 * Seal an event's personal inputs, each under its own subject's data key, bound to this
 * ledger, event id, subject and field. The result is what `buildBody` writes into the
 * event's `personal` section; it holds no plaintext. Inputs are sealed in order.
 */
export async function sealPersonal(
  keys: DataKeySource,
  ledgerId: string,
  eventId: string,
  inputs: readonly PersonalValueInput[],
): Promise<SealedField[]> {
  const out: SealedField[] = [];
  for (const p of inputs) {
    const { keyId, key } = await keys.writeKey(p.subject, p.field);
    const binding: FieldBinding = {
      ledgerId,
      eventId,
      subject: p.subject,
      field: p.field,
      keyId,
      keep: p.keep,
    };
    const sealed = sealValue(key, binding, p.value);
    const field: Record<string, string> = {
      subject: p.subject,
      field: p.field,
      alg: sealed.alg,
      keyId,
      nonce: sealed.nonce,
      ct: sealed.ct,
    };
    if (p.keep !== undefined) field.keep = p.keep;
    out.push(field as unknown as SealedField);
  }
  return out;
}

/**
 * Open an event's sealed fields. A field whose key is destroyed or fenced reads as
 * `Redacted("erased")`, one whose key this key store lacks as `Redacted("key-unavailable")`;
 * a field that fails authentication under a live key rejects with `CIPHERTEXT_TAMPERED`
 * naming `personal[i]`, because that is an integrity failure, not an erasure.
 */
export async function openPersonal(
  keys: DataKeySource,
  ledgerId: string,
  event: { readonly id: string; readonly seq?: number; readonly personal?: readonly SealedField[] },
): Promise<PersonalField[]> {
  const out: PersonalField[] = [];
  const sealed = event.personal ?? [];
  for (let i = 0; i < sealed.length; i++) {
    const f = sealed[i] as SealedField;
    const key = await keys.readKey(f.subject, f.keyId);
    if (key === "erased" || key === "unavailable") {
      out.push({
        subject: f.subject,
        field: f.field,
        keyId: f.keyId,
        value: redacted(key === "erased" ? "erased" : "key-unavailable", f.keep),
      });
      continue;
    }
    const binding: FieldBinding = {
      ledgerId,
      eventId: event.id,
      subject: f.subject,
      field: f.field,
      keyId: f.keyId,
      keep: f.keep,
    };
    const opened = openValue(key, binding, f);
    if (E.isLeft(opened)) {
      throw new DaichoError("CIPHERTEXT_TAMPERED", opened.left.reason, {
        path: `personal[${i}]`,
        details: { seq: event.seq, eventId: event.id, keyId: f.keyId, field: f.field },
      });
    }
    out.push({ subject: f.subject, field: f.field, keyId: f.keyId, value: opened.right });
  }
  return out;
}
