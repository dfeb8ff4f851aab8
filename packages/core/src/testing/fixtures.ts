import type { EventInput } from "../events/input";

/**
 * A valid event input about `subject`, varied by `n` so batches are not all alike.
 * For tests and benchmarks.
 */
export function sampleInput(n: number, subject = `contact-${n % 97}`): EventInput {
  switch (n % 4) {
    case 0:
      return {
        type: "data.accessed",
        actor: { id: `user-${n % 7}`, context: { ip: "10.0.0.7", device: "laptop-3" } },
        subjects: [subject],
        payload: {
          resource: { type: "contact", id: subject },
          fields: ["name", "email"],
          purpose: "sales-follow-up",
          outcome: "allowed",
        },
      } as EventInput;
    case 1:
      return {
        type: "record.updated",
        actor: { id: `user-${n % 7}` },
        subjects: [subject],
        payload: { resource: { type: "contact", id: subject }, fields: ["phone"] },
      } as EventInput;
    case 2:
      return {
        type: "consent.granted",
        actor: { id: "web-form" },
        subjects: [subject],
        payload: {
          purpose: "newsletter",
          lawfulBasis: "consent",
          evidence: { channel: "web", wordingVersion: "v3", capturedBy: "web-form" },
        },
      } as EventInput;
    default:
      return {
        type: "data.exported",
        actor: { id: `user-${n % 7}` },
        subjects: [subject, `${subject}-co`],
        payload: {
          format: "csv",
          destination: { kind: "download", id: "browser" },
          recordCount: 2,
          fields: ["name", "company"],
          purpose: "sales-follow-up",
        },
      } as EventInput;
  }
}

export function sampleInputs(count: number, offset = 0): EventInput[] {
  return Array.from({ length: count }, (_, i) => sampleInput(offset + i));
}

/**
 * A valid `record.updated` input about `subject` carrying one sealed personal value
 * (`email` = `value`): the event tests of keys and erasure write. For tests and benchmarks.
 */
export function personalInput(subject: string, value: string): EventInput {
  return {
    type: "record.updated",
    actor: { id: "agent-1" },
    subjects: [subject],
    payload: { resource: { type: "contact", id: subject }, fields: ["email"] },
    personal: [{ subject, field: "email", value }],
  } as EventInput;
}

/**
 * A `data.accessed` input by one of three agents about `subjects` (the first is the
 * resource read): events about one person or shared by several, for extract tests.
 */
export function accessInput(n: number, ...subjects: string[]): EventInput {
  return {
    type: "data.accessed",
    actor: { id: `agent-${n % 3}` },
    subjects,
    payload: {
      resource: { type: "contact", id: subjects[0] },
      fields: ["name"],
      purpose: "sales-follow-up",
      outcome: "allowed",
    },
  } as EventInput;
}
