import { appendSection } from "./append";
import { checkpointerSection } from "./checkpointer";
import { envelopeSection } from "./envelope";
import { extractSection } from "./extract";
import { extractScaleSection } from "./extract-scale";
import { mapCheckpointSection } from "./map-checkpoint";
import { merkleSection } from "./merkle";
import { pdfSection } from "./pdf";
import { pgServersSection } from "./pg-servers";
import { postgresSection } from "./postgres";
import { postgresBatchSection } from "./postgres-batch";
import type { Report } from "./report";
import { scaleSection } from "./scale";
import { shreddingSection } from "./shredding";
import { sqliteSection } from "./sqlite";
import { verifySection } from "./verify";
import { verifyMemorySection } from "./verify-memory";
import { viewsSection } from "./views";

export interface Section {
  readonly name: string;
  run(): Promise<Report>;
}

/** Every benchmark section, in run order. Add yours here. */
export const SECTIONS: Section[] = [
  postgresSection,
  postgresBatchSection,
  sqliteSection,
  merkleSection,
  shreddingSection,
  viewsSection,
  verifySection,
  extractSection,
  extractScaleSection,
  envelopeSection,
  pdfSection,
  scaleSection,
  pgServersSection,
  appendSection,
  mapCheckpointSection,
  checkpointerSection,
  verifyMemorySection,
];
