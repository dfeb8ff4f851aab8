/**
 * The console's two languages. The user's locale (from the host) picks the default; the
 * switch button overrides it for this browser. Dates are shown in the user's time zone
 * with `Intl`, numbers with the locale's grouping.
 */

const EN = {
  title: "Daichō compliance console",
  skip: "Skip to content",
  sections: "Sections",
  ledger: "Ledger",
  switchTo: "日本語",
  signedIn: "Signed in as {actor} ({roles})",
  overview: "Overview",
  subjects: "Subjects",
  queue: "Request queue",
  alerts: "Alerts",
  exports: "Evidence exports",
  integrity: "Ledger integrity",
  verified: "✓ Verified",
  broken: "✗ Broken at event {seq}",
  verifiedDetail:
    "{count} events, hashes and links checked up to event {head} (incremental, {ms} ms)",
  fullVerify: "Run full verification",
  fullVerifyOk: "Full verification passed: {count} events, every stored copy checked.",
  fullVerifyBad: "Full verification failed at event {seq}: {kind}",
  checkpoint: "Latest checkpoint",
  noCheckpoint: "none yet",
  checkpointEvents: "{size} events",
  signatureValid: "signature valid ({by})",
  signatureInvalid: "signature INVALID",
  signatureUnchecked: "signature not checked (no verifier key)",
  signedAt: "signed {at}",
  counts: "Activity",
  countsDetail:
    "{accesses} accesses · {exports} exports · {alerts} alerts · {erased} erasures completed",
  searchLabel: "Subject id or pseudonym",
  searchHint:
    "Exact id only: names, e-mail addresses and other personal values are never searched.",
  purpose: "Purpose",
  search: "Search",
  noMatch: "No subject with this id.",
  open: "Open {subject}",
  recorded: "This view was recorded in the ledger as event {seq}.",
  erased: "erased",
  active: "active",
  summary: "Summary",
  timeline: "Timeline",
  consent: "Consent",
  grants: "Grants",
  provenance: "Provenance",
  erasureRequests: "Erasure requests",
  holds: "Legal holds",
  accessReport: "Access report",
  personalData: "Personal data",
  when: "When",
  event: "Event",
  actor: "Actor",
  status: "Status",
  since: "Since",
  channel: "Channel",
  source: "Source",
  fields: "Fields",
  field: "Field",
  value: "Value",
  redacted: "redacted ({reason})",
  none: "None.",
  kind: "Kind",
  subject: "Subject",
  received: "Received",
  dueBy: "Due by",
  deadline: "Deadline",
  actions: "Actions",
  daysLeft: "{n} days left",
  daysOverdue: "{n} days overdue",
  execute: "Approve and erase",
  executeConfirm: "Erase {subject} now? Keys are destroyed; this cannot be undone.",
  executed: "Erased {subject}: certificate {id}.",
  refuse: "Refuse",
  refuseGround: "Legal ground",
  refuseReason: "Reason (no personal data)",
  refused: "Refusal recorded as event {seq}.",
  placeHold: "Place a legal hold",
  holdId: "Hold id",
  holdReason: "Reason (no personal data)",
  holdPlaced: "Hold {id} placed (event {seq}).",
  release: "Lift hold {id}",
  holdReleased: "Hold {id} lifted (event {seq}).",
  queueEmpty: "No open requests.",
  severity: "Severity",
  rule: "Rule",
  alertDetail: "Details",
  triggeredBy: "Triggered by events",
  threshold: "{count} (limit {threshold})",
  destination: "Destination",
  noAlerts: "No alerts.",
  alertsShown: "{shown} of {total} alerts, newest first",
  bundle: "Audit bundle",
  bundleFrom: "From event",
  bundleTo: "To event (exclusive)",
  download: "Download",
  checkpointFile: "Signed checkpoint",
  art30: "Records of processing (GDPR Art. 30)",
  provision: "Provision records (APPI Art. 29)",
  downloaded: "Downloaded {name}; the export was recorded in the ledger.",
  exportsHint: "Every export is derived from verified events and recorded as an export by you.",
  error: "Error: {reason}",
  loading: "Loading…",
};

/** @type {typeof EN} */
const JA = {
  title: "台帳 コンプライアンス・コンソール",
  skip: "本文へ移動",
  sections: "セクション",
  ledger: "台帳",
  switchTo: "English",
  signedIn: "{actor}（{roles}）としてログイン中",
  overview: "概要",
  subjects: "本人（データ主体）",
  queue: "請求の処理待ち",
  alerts: "アラート",
  exports: "証跡のエクスポート",
  integrity: "台帳の完全性",
  verified: "✓ 検証済み",
  broken: "✗ イベント {seq} で破損",
  verifiedDetail:
    "{count} 件のイベント、イベント {head} までハッシュと連結を検証（差分検証、{ms} ミリ秒）",
  fullVerify: "完全な検証を実行",
  fullVerifyOk: "完全な検証に合格：{count} 件、保存されたすべての複製を確認しました。",
  fullVerifyBad: "完全な検証がイベント {seq} で失敗：{kind}",
  checkpoint: "最新のチェックポイント",
  noCheckpoint: "まだありません",
  checkpointEvents: "{size} 件のイベント",
  signatureValid: "署名は有効（{by}）",
  signatureInvalid: "署名が無効",
  signatureUnchecked: "署名は未確認（検証鍵なし）",
  signedAt: "{at} に署名",
  counts: "活動",
  countsDetail:
    "閲覧 {accesses} 件・エクスポート {exports} 件・アラート {alerts} 件・消去完了 {erased} 件",
  searchLabel: "本人 ID または仮名 ID",
  searchHint: "ID の完全一致のみ。氏名・メールアドレスなどの個人の値では検索しません。",
  purpose: "利用目的",
  search: "検索",
  noMatch: "この ID の本人は見つかりません。",
  open: "{subject} を開く",
  recorded: "この閲覧はイベント {seq} として台帳に記録されました。",
  erased: "消去済み",
  active: "有効",
  summary: "概要",
  timeline: "タイムライン",
  consent: "同意",
  grants: "権限の付与",
  provenance: "取得元",
  erasureRequests: "消去請求",
  holds: "訴訟ホールド",
  accessReport: "アクセス報告",
  personalData: "個人データ",
  when: "日時",
  event: "イベント",
  actor: "実行者",
  status: "状態",
  since: "開始",
  channel: "経路",
  source: "取得元",
  fields: "項目",
  field: "項目",
  value: "値",
  redacted: "非表示（{reason}）",
  none: "ありません。",
  kind: "種類",
  subject: "本人",
  received: "受付",
  dueBy: "期限",
  deadline: "残り",
  actions: "操作",
  daysLeft: "残り {n} 日",
  daysOverdue: "{n} 日超過",
  execute: "承認して消去",
  executeConfirm: "{subject} を今すぐ消去しますか？鍵が破棄され、元に戻せません。",
  executed: "{subject} を消去しました：証明書 {id}。",
  refuse: "拒否",
  refuseGround: "法的根拠",
  refuseReason: "理由（個人データを含めない）",
  refused: "拒否をイベント {seq} として記録しました。",
  placeHold: "訴訟ホールドを設定",
  holdId: "ホールド ID",
  holdReason: "理由（個人データを含めない）",
  holdPlaced: "ホールド {id} を設定しました（イベント {seq}）。",
  release: "ホールド {id} を解除",
  holdReleased: "ホールド {id} を解除しました（イベント {seq}）。",
  queueEmpty: "未処理の請求はありません。",
  severity: "重大度",
  rule: "ルール",
  alertDetail: "詳細",
  triggeredBy: "発生元のイベント",
  threshold: "{count}（上限 {threshold}）",
  destination: "送信先",
  noAlerts: "アラートはありません。",
  alertsShown: "{total} 件中 {shown} 件（新しい順）",
  bundle: "監査バンドル",
  bundleFrom: "開始イベント",
  bundleTo: "終了イベント（含まない）",
  download: "ダウンロード",
  checkpointFile: "署名付きチェックポイント",
  art30: "処理活動の記録（GDPR 第30条）",
  provision: "第三者提供記録（個人情報保護法 第29条）",
  downloaded: "{name} をダウンロードしました。エクスポートは台帳に記録されました。",
  exportsHint:
    "エクスポートはすべて検証済みのイベントから作成され、あなたのエクスポートとして記録されます。",
  error: "エラー：{reason}",
  loading: "読み込み中…",
};

const STORE_KEY = "daicho-console-lang";

/** The console's language state: `lang` ("ja" | "en"), the user's time zone, formatters. */
export const i18n = {
  lang: "ja",
  timeZone: "Asia/Tokyo",
  /** @param {string | undefined} locale @param {string | undefined} timeZone */
  init(locale, timeZone) {
    const saved = safeStorage()?.getItem(STORE_KEY);
    this.lang =
      saved === "ja" || saved === "en"
        ? saved
        : (locale ?? "ja").toLowerCase().startsWith("ja")
          ? "ja"
          : "en";
    this.timeZone = validZone(timeZone) ? timeZone : "Asia/Tokyo";
  },
  toggle() {
    this.lang = this.lang === "ja" ? "en" : "ja";
    safeStorage()?.setItem(STORE_KEY, this.lang);
  },
  /** @param {keyof typeof EN} key @param {Record<string, string | number>} [vars] */
  t(key, vars = {}) {
    const text = (this.lang === "ja" ? JA : EN)[key] ?? EN[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
  },
  /** @param {string | number} iso */
  date(iso) {
    return new Intl.DateTimeFormat(this.lang === "ja" ? "ja-JP" : "en-GB", {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: this.timeZone,
    }).format(new Date(iso));
  },
  /** @param {number} n */
  num(n) {
    return new Intl.NumberFormat(this.lang === "ja" ? "ja-JP" : "en-GB").format(n);
  },
};

function validZone(zone) {
  if (typeof zone !== "string") return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function safeStorage() {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
