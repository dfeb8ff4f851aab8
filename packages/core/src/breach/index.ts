/**
 * @daicho/core/breach — breach impact from recorded events: affected subjects, fields,
 * levels and purposes, with GDPR Art. 33 and APPI Art. 26 deadlines, as JSON and Markdown.
 *
 * @module @daicho/core/breach
 */
export {
  type AffectedSubject,
  type ImpactOptions,
  type ImpactQuery,
  type ImpactReport,
  impact,
} from "./impact";
export { impactMarkdown } from "./markdown";
