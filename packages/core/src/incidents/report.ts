import type { Incident, IncidentDetailKey } from "./model";

/** A report as language-tagged sections, rendered to Markdown or HTML from the same content. */
export interface IncidentReport {
  readonly lang: "ja" | "en";
  readonly title: string;
  readonly sections: readonly { readonly heading: string; readonly body: readonly string[] }[];
}

/** Who the authority may contact (GDPR Art. 33(3)(b)); given at render time, never recorded. */
export interface ContactPoint {
  readonly name: string;
  readonly contact: string;
}

const JST = new Intl.DateTimeFormat("ja-JP", {
  timeZone: "Asia/Tokyo",
  year: "numeric",
  month: "long",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

function jst(iso: string | undefined): string {
  return iso === undefined ? "—" : `${JST.format(new Date(iso))}（日本時間）`;
}

function utc(iso: string | undefined): string {
  return iso === undefined ? "—" : `${iso.slice(0, 16).replace("T", " ")} UTC`;
}

function item(i: Incident, key: IncidentDetailKey, missing: string): string {
  return i.details[key] ?? missing;
}

/**
 * The content of the report to the Personal Information Protection Commission
 * (個人情報保護委員会への報告), in Japanese: the nine items the form asks for (APPI Art.
 * 26(1); Enforcement Rules Art. 8(1)(i)–(ix), as listed in COMPLIANCE.md "Breach
 * reporting"), from the ledger: the number of people and the data items from the frozen
 * breach-impact report, the free-text items from `describe`, the response to the persons
 * and the reports made from the recorded notifications. `stage` chooses 速報 or 確報.
 * Items not yet known are marked 未確定 (the 速報 may leave them open).
 */
export function ppcReport(i: Incident, stage: "preliminary" | "final"): IncidentReport {
  const none = "未確定（確報までに記載）";
  const scope = i.scope;
  const subjectsTold = i.notifications.filter((n) => n.to === "subjects");
  const ppc = i.notifications.filter((n) => n.to === "ppc");
  const fields = scope?.fields.length ? scope.fields.join("、") : "—";
  const sealed = scope?.sealedFields.filter((f) => scope.fields.includes(f)) ?? [];
  return {
    lang: "ja",
    title: `個人データの漏えい等の事案に関する報告（${stage === "preliminary" ? "速報" : "確報"}）`,
    sections: [
      {
        heading: "報告の概要",
        body: [
          `事案番号: ${i.incidentId}`,
          `発覚日時: ${jst(i.awareAt)}`,
          `不正の目的をもって行われたおそれ: ${i.improperPurpose ? "あり（確報は60日以内）" : "なし（確報は30日以内）"}`,
          `速報の期限: ${jst(i.deadlines.appiPreliminary)}〜${jst(i.deadlines.appiPreliminaryLatest)}`,
          `確報の期限: ${jst(i.deadlines.appiFinal)}`,
          `これまでの報告: ${ppc.length === 0 ? "なし" : ppc.map((n) => `${n.stage === "final" ? "確報" : "速報"} ${jst(n.at)}`).join("、")}`,
        ],
      },
      { heading: "1. 概要", body: [i.summary, ...(i.details.summary ? [i.details.summary] : [])] },
      {
        heading: "2. 漏えい等が発生し、又は発生したおそれがある個人データの項目",
        body: [
          item(i, "dataItems", `台帳の記録による項目: ${fields}`),
          ...(scope === undefined
            ? []
            : [
                sealed.length === 0
                  ? "本人ごとの鍵で暗号化された項目: なし"
                  : `本人ごとの鍵で暗号化された項目: ${sealed.join("、")}（鍵の流出: ${scope.keysLeft ? "あり" : "なし"}）`,
              ]),
        ],
      },
      {
        heading: "3. 漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数",
        body: [
          scope === undefined
            ? none
            : `${scope.subjects}人（${jst(scope.at)}時点の影響調査による）`,
        ],
      },
      { heading: "4. 原因", body: [item(i, "cause", none)] },
      {
        heading: "5. 二次被害又はそのおそれの有無及びその内容",
        body: [item(i, "secondaryHarm", none)],
      },
      {
        heading: "6. 本人への対応の実施状況",
        body: [
          item(i, "responseToPersons", subjectsTold.length === 0 ? "未実施" : "下記のとおり通知"),
          ...subjectsTold.map((n) => `${jst(n.at)} ${n.count}人に通知（${n.channel}）`),
        ],
      },
      { heading: "7. 公表の実施状況", body: [item(i, "publication", none)] },
      {
        heading: "8. 再発防止のための措置",
        body: [
          item(i, "prevention", none),
          ...(i.measures ? [`封じ込めの措置: ${i.measures}`] : []),
        ],
      },
      { heading: "9. その他参考となる事項", body: [item(i, "other", "なし")] },
    ],
  };
}

/**
 * The content of a notification to a GDPR supervisory authority, in English, with the
 * minimum content of Art. 33(3): (a) the nature of the breach with the categories and
 * approximate numbers of people and records, (b) the contact point, (c) the likely
 * consequences, (d) the measures taken or proposed; and the reasons for a delay past 72
 * hours (Art. 33(1)). Information not yet known is marked as to follow (Art. 33(4)).
 */
export function gdprNotification(i: Incident, contact: ContactPoint): IncidentReport {
  const later = "To follow (Art. 33(4): information provided in phases).";
  const scope = i.scope;
  const initial = i.notifications.find((n) => n.to === "gdpr-authority" && n.stage === "initial");
  return {
    lang: "en",
    title: "Notification of a personal data breach (GDPR Art. 33)",
    sections: [
      {
        heading: "Timing",
        body: [
          `Reference: ${i.incidentId}`,
          `Controller became aware: ${utc(i.awareAt)}`,
          `72-hour deadline: ${utc(i.deadlines.gdprAuthority)}`,
          ...(initial?.lateReason ? [`Reasons for the delay: ${initial.lateReason}`] : []),
        ],
      },
      {
        heading: "(a) Nature of the breach",
        body: [
          i.summary,
          ...(i.details.summary ? [i.details.summary] : []),
          scope === undefined
            ? `Categories and numbers of data subjects and records: ${later}`
            : `Approximately ${scope.subjects} data subjects and ${scope.events} records concerned; categories of data: ${scope.fields.join(", ") || "—"}.`,
          ...(scope !== undefined && scope.sealedFields.length > 0
            ? [
                `Fields held encrypted under per-subject keys: ${scope.sealedFields.join(", ")}; keys left the key store: ${scope.keysLeft ? "yes" : "no"}.`,
              ]
            : []),
        ],
      },
      { heading: "(b) Contact point", body: [`${contact.name}, ${contact.contact}`] },
      { heading: "(c) Likely consequences", body: [item(i, "consequences", later)] },
      {
        heading: "(d) Measures taken or proposed",
        body: [
          ...(i.measures ? [`Containment: ${i.measures}`] : []),
          item(i, "measures", i.measures ? "" : later),
        ].filter((s) => s !== ""),
      },
    ],
  };
}

/** Characters that would change the meaning of a Markdown or HTML rendering of free text. */
function escapeText(s: string, markdown: boolean): string {
  const html = s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
  return markdown ? html.replace(/([\\`*_[\]#|])/g, "\\$1") : html;
}

/** The report as Markdown; free text is escaped so a Note cannot inject markup or HTML. */
export function reportMarkdown(r: IncidentReport): string {
  const out = [`# ${escapeText(r.title, true)}`, ""];
  for (const s of r.sections) {
    out.push(`## ${escapeText(s.heading, true)}`, "");
    for (const line of s.body) out.push(escapeText(line, true), "");
  }
  return out.join("\n");
}

/**
 * The report as a standalone HTML page with its language set (`lang="ja"` lets the
 * browser pick a Japanese font), printable to PDF by the host's browser; all text escaped.
 */
export function reportHtml(r: IncidentReport): string {
  const body = r.sections
    .map(
      (s) =>
        `<section><h2>${escapeText(s.heading, false)}</h2>${s.body.map((l) => `<p>${escapeText(l, false)}</p>`).join("")}</section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="${r.lang}"><head><meta charset="utf-8"><title>${escapeText(r.title, false)}</title>
<style>body{font-family:system-ui,"Noto Sans JP","Hiragino Sans","Yu Gothic",sans-serif;max-width:48rem;margin:2rem auto;line-height:1.6}h2{font-size:1.1rem;border-bottom:1px solid #999}</style>
</head><body><h1>${escapeText(r.title, false)}</h1>
${body}
</body></html>
`;
}
