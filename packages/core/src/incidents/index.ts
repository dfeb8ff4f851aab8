/**
 * @daicho/core/incidents — personal-data incidents as event-sourced objects with the GDPR
 * (Art. 33, 72 hours) and APPI (速報 / 確報) deadlines, and the content of the PPC report
 * (Japanese) and of a GDPR Art. 33 notification (English) as Markdown, HTML and PDF.
 * See docs/requests.md.
 *
 * @module @daicho/core/incidents
 */
export { APPI_TIME_ZONE, type IncidentDeadlines, incidentDeadlines } from "./deadlines";
export {
  applyIncidentEvent,
  type Incident,
  type IncidentDetailKey,
  type IncidentNotification,
  type IncidentScope,
  overdueReports,
  type RegulatorStage,
} from "./model";
export {
  type ContactPoint,
  gdprNotification,
  type IncidentReport,
  ppcReport,
  reportHtml,
  reportMarkdown,
} from "./report";
export {
  ReportExportOptions,
  type ReportFile,
  renderReportFile,
} from "./report-export";
export {
  type ReportPdfOptions,
  renderGdprNoticePdf,
  renderPpcReportPdf,
  reportPdf,
} from "./report-pdf";
export {
  IncidentsService,
  type IncidentsServiceOptions,
  type IncidentWithDeadlines,
  impactReportHash,
  incidentsService,
} from "./service";
export { IncidentsView } from "./view";
