import { appendSection } from "./append";
import { extractSection } from "./extract";
import { merkleSection } from "./merkle";
import { postgresSection } from "./postgres";
import type { Report } from "./report";
import { shreddingSection } from "./shredding";
import { sqliteSection } from "./sqlite";
import { verifySection } from "./verify";
import { viewsSection } from "./views";

export interface Section {
  readonly name: string;
  run(): Promise<Report>;
}

/** Every benchmark section, in run order. Add yours here. */
export const SECTIONS: Section[] = [
  postgresSection,
  sqliteSection,
  merkleSection,
  shreddingSection,
  viewsSection,
  verifySection,
  extractSection,
  appendSection,
];
