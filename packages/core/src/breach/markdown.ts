import type { ImpactReport } from "./impact";

/**
 * Render an impact report as Markdown for the incident file: deadlines first, then the
 * APPI report items the ledger can answer (summary, data items, number of people,
 * encryption), then the subjects to notify. Identifiers only; no personal values.
 */
export function impactMarkdown(r: ImpactReport): string {
  const q = r.query;
  const who =
    [
      q.actor && `actor \`${q.actor}\``,
      q.ip && `address \`${q.ip}\``,
      q.device && `device \`${q.device}\``,
    ]
      .filter(Boolean)
      .join(", ") || "all activity";
  const lines = [
    "# Breach impact assessment",
    "",
    `Scope: ${who}, from ${q.from} to ${q.to}. Aware at ${r.awareAt}.`,
    "",
    "## Deadlines",
    "",
    "| regulator | what | due | clause |",
    "|---|---|---|---|",
    `| Supervisory authority (GDPR) | notification | ${r.gdpr.authorityDeadline} | ${r.gdpr.clause} |`,
    `| PPC (APPI) | preliminary report | ${r.appi.preliminaryDeadline.earliest} – ${r.appi.preliminaryDeadline.latest} | ${r.appi.clause} |`,
    `| PPC (APPI) | final report | ${r.appi.finalDeadline} | ${r.appi.clause} |`,
    "",
    `APPI reportable: **${r.appi.reportable ? "yes" : "no"}**${r.appi.triggers.length > 0 ? ` (${r.appi.triggers.join(", ")})` : ""}.`,
    "",
    "## Summary",
    "",
    `- Events disclosing data: ${r.eventsMatched}; denied attempts: ${r.deniedAttempts}`,
    `- People affected: ${r.totals.subjects}`,
    `- Data items: ${r.totals.fields.join(", ") || "none recorded"}`,
    `- Classification levels: ${r.totals.levels.join(", ") || "none"} (highest: ${r.totals.highestLevel ?? "n/a"})`,
    `- Purposes: ${r.totals.purposes.join(", ") || "none"}`,
    `- Fields held encrypted under per-subject keys: ${r.encryptedFields.join(", ") || "none"}; keys left the key store: ${r.keysLeaked === null ? "not assessed" : r.keysLeaked ? "yes" : "no"}`,
    "",
    "## Affected subjects",
    "",
    "| subject | fields | levels | purposes | events | first | last | erased |",
    "|---|---|---|---|---:|---|---|---|",
    ...r.subjects.map(
      (s) =>
        `| ${s.id} | ${s.fields.join(", ")} | ${s.levels.join(", ")} | ${s.purposes.join(", ")} | ${s.events} | ${s.firstAt} | ${s.lastAt} | ${s.erased ? "yes" : "no"} |`,
    ),
    "",
    `## Subjects to notify (${r.subjectsToNotify.length})`,
    "",
    ...(r.subjectsToNotify.length > 0 ? r.subjectsToNotify.map((s) => `- ${s}`) : ["- none"]),
    "",
  ];
  return lines.join("\n");
}
