import * as E from "fp-ts/lib/Either.js";
import type { TrustPolicy } from "../checkpoint/policy";
import { DaichoError } from "../errors";
import { exportExtract } from "../extract/build";
import { decodeExtract, type SubjectExtract } from "../extract/format";
import { type ExtractReport, verifyDecodedExtract } from "../extract/verify";
import type { Ledger } from "../ledger";
import type { MapStore } from "../map/store";
import type { LedgerTree } from "../merkle/ledger-tree";
import { throwing } from "../plain";
import { type SubjectAccessOptions, subjectAccess } from "./access";
import type { SubjectAccessReport } from "./report";

/** The format of a subject access report that carries its extract (docs/erasure.md). */
export const VERIFIABLE_ACCESS_FORMAT = "daicho/verifiable-subject-access/v1" as const;

/** The report's sections, labelled in English and Japanese for the person reading it. */
export const ACCESS_LABELS = {
  personalData: { en: "Personal data held", ja: "保有する個人データ" },
  consents: { en: "Consents", ja: "同意" },
  accesses: { en: "Who viewed the data", ja: "閲覧の記録" },
  exports: { en: "Exports", ja: "エクスポートの記録" },
  disclosures: { en: "Disclosures to third parties", ja: "第三者提供の記録" },
  sources: { en: "Where the data came from", ja: "取得元" },
  erasureRequests: { en: "Erasure requests", ja: "消去請求" },
  legalHolds: { en: "Legal holds", ja: "訴訟ホールド（保存義務）" },
  events: { en: "Every event about you", ja: "あなたに関するすべての記録" },
  extract: { en: "Proof of completeness", ja: "完全性の証明" },
} as const;

/** A subject access report with its verifiable extract (spec §12.6). */
export interface VerifiableAccessReport {
  readonly format: typeof VERIFIABLE_ACCESS_FORMAT;
  /** What the report proves, in English and Japanese; recomputed by the verifier. */
  readonly summary: { readonly en: string; readonly ja: string };
  readonly labels: typeof ACCESS_LABELS;
  readonly report: SubjectAccessReport;
  readonly extract: SubjectExtract;
}

export interface VerifiableAccessOptions extends SubjectAccessOptions {
  /** The ledger's Merkle tree (the extract is anchored to its latest stored checkpoint). */
  readonly tree: LedgerTree;
  /** The keys the checkpoint must verify under before the report is returned. */
  readonly policy: TrustPolicy;
  readonly map?: MapStore;
  /** As for `exportExtract`; default `"refuse"`: a shared event would reveal another id. */
  readonly shared?: "refuse" | "reveal";
}

/**
 * `subjectAccess` with its proof: the report plus an extract anchored to the latest signed
 * checkpoint, and a summary in English and Japanese, so the person, their lawyer or a
 * regulator can check with `verifyAccessReport` (public keys only) that the report lists
 * every event the ledger held about them up to that checkpoint. Events after the checkpoint
 * are in the report but not yet proven; the summary says how many. Rejects as
 * `subjectAccess` and `exportExtract` do.
 */
export async function verifiableSubjectAccess(
  ledger: Ledger,
  subject: string,
  options: VerifiableAccessOptions,
): Promise<VerifiableAccessReport> {
  const { tree, policy, map, shared, ...access } = options;
  const extract = await exportExtract(tree, ledger.ledgerId, {
    subjects: [subject],
    policy,
    ...(map === undefined ? {} : { map }),
    ...(shared === undefined ? {} : { shared }),
  });
  const report = await subjectAccess(ledger, subject, access);
  const checked = verifyDecodedExtract(extract, { policy, expectSubjects: [subject] });
  if (E.isLeft(checked)) throw checked.left;
  const summary = consistent(report, checked.right, extract);
  if (E.isLeft(summary)) throw summary.left;
  return {
    format: VERIFIABLE_ACCESS_FORMAT,
    summary: summary.right,
    labels: ACCESS_LABELS,
    report,
    extract,
  };
}

/** What a verified access report established. */
export interface AccessReportCheck {
  readonly subject: string;
  readonly ledgerId: string;
  readonly checkpointSize: number;
  /** Events the extract proves (all before the checkpoint). */
  readonly proven: number;
  /** Events the report lists after the checkpoint (not yet proven). */
  readonly unproven: number;
  readonly summary: { readonly en: string; readonly ja: string };
  readonly extract: ExtractReport;
}

const invalid = (reason: string, path: string) =>
  E.left(new DaichoError("PROOF_INVALID", reason, { path }));

/**
 * Check a verifiable access report offline: the extract verifies (spec §12.6) for the
 * report's subject and ledger, the report's events before the checkpoint are exactly the
 * extract's (same seqs and hashes, none missing, none added), and the summary is the one
 * these facts give. Personal values are shown opened and are not checked against their
 * ciphertexts (that needs the subject's key). DECODE_ERROR for a malformed file,
 * PROOF_INVALID (and the checkpoint errors) otherwise. Never throws.
 */
export function verifyAccessReport(
  input: string,
  options: { readonly policy: TrustPolicy; readonly held?: string },
): E.Either<DaichoError, AccessReportCheck> {
  let json: unknown;
  try {
    json = JSON.parse(input);
  } catch {
    return E.left(new DaichoError("DECODE_ERROR", "access report: not JSON"));
  }
  const x = json as Partial<VerifiableAccessReport> | null;
  if (typeof x !== "object" || x === null || x.format !== VERIFIABLE_ACCESS_FORMAT)
    return E.left(
      new DaichoError("DECODE_ERROR", `access report: not a ${VERIFIABLE_ACCESS_FORMAT} object`),
    );
  const report = x.report as SubjectAccessReport | undefined;
  if (
    typeof report !== "object" ||
    report === null ||
    typeof report.subject !== "string" ||
    !Array.isArray(report.events)
  )
    return E.left(new DaichoError("DECODE_ERROR", "access report: no report", { path: "report" }));
  const extract = decodeExtract(x.extract);
  if (E.isLeft(extract)) return extract;
  if (extract.right.ledgerId !== report.ledgerId)
    return invalid("the extract is of another ledger than the report", "extract.ledgerId");
  const checked = verifyDecodedExtract(extract.right, {
    policy: options.policy,
    expectSubjects: [report.subject],
    ...(options.held === undefined ? {} : { held: options.held }),
  });
  if (E.isLeft(checked)) return checked;
  if (checked.right.subjects.length !== 1)
    return invalid("the extract must be about the report's subject alone", "extract.subjects");
  const summary = consistent(report, checked.right, extract.right);
  if (E.isLeft(summary)) return summary;
  const s = x.summary;
  if (typeof s !== "object" || s === null || s.en !== summary.right.en || s.ja !== summary.right.ja)
    return invalid("the summary is not what the verified extract says", "summary");
  const size = checked.right.checkpoint.size;
  const proven = checked.right.subjects[0]?.count ?? 0;
  return E.right({
    subject: report.subject,
    ledgerId: report.ledgerId,
    checkpointSize: size,
    proven,
    unproven: report.events.length - proven,
    summary: summary.right,
    extract: checked.right,
  });
}

/** The report's events before the checkpoint must be the extract's; then the summary. */
function consistent(
  report: SubjectAccessReport,
  verified: ExtractReport,
  extract: SubjectExtract,
): E.Either<DaichoError, { en: string; ja: string }> {
  const hashes = new Map(extract.events.map((e) => [e.seq, e.hash]));
  const size = verified.checkpoint.size;
  const mine = verified.subjects[0];
  if (mine === undefined || mine.id !== report.subject)
    return invalid("the extract is not about the report's subject", "extract.subjects");
  const listed = report.events.filter((e) => e.seq < size);
  const later = report.events.length - listed.length;
  if (
    listed.length !== mine.events.length ||
    listed.some((e, i) => e.seq !== mine.events[i] || e.hash !== hashes.get(e.seq))
  )
    return invalid(
      "the report's events before the checkpoint are not exactly the events the extract proves",
      "report.events",
    );
  const en = `The complete list of records about ${report.subject} in ledger ${report.ledgerId} up to checkpoint ${size}: ${mine.count} event(s), proved by the extract below${later > 0 ? `; ${later} later event(s) are listed but not yet covered by a signed checkpoint` : ""}.`;
  const ja = `${report.subject} に関する記録の完全な一覧（台帳 ${report.ledgerId}、チェックポイント ${size} まで）：${mine.count} 件。下の抽出データ（extract）で証明されています${later > 0 ? `。その後の ${later} 件は一覧にありますが、まだ署名済みチェックポイントで証明されていません` : ""}。`;
  return E.right({ en, ja });
}

/**
 * Plain form of {@link verifyAccessReport} (no fp-ts needed): the check's result, or
 * throws the `DaichoError` that says why the report does not verify.
 */
export const verifyAccessReportOrThrow = throwing(verifyAccessReport);
