import type { Report } from "./report";

export interface Section {
  readonly name: string;
  run(): Promise<Report>;
}

/** Every benchmark section, in run order. Add yours here. */
export const SECTIONS: Section[] = [];
