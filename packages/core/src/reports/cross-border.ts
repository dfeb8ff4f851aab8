import { EEA } from "../events/country";

/** Whether a provision or receipt crosses a border, and which rules that brings in. */
export interface CrossBorder {
  /** The other party's country, when recorded. */
  readonly country?: string;
  /** `unknown` when the other party's country was not recorded: a DPO must find out. */
  readonly abroad: boolean | "unknown";
  /**
   * `APPI Art. 28` for a provision from Japan to a third party in a foreign country;
   * `GDPR Chapter V` for a transfer from the EEA to a country outside it.
   */
  readonly clauses: readonly string[];
}

/**
 * Classify a transfer between `home` (the host's country) and `other` (the recipient's or
 * provider's). Pure. With an unknown `other` it says `unknown` rather than guess "domestic".
 */
export function crossBorder(home: string, other: string | undefined): CrossBorder {
  if (other === undefined) return { abroad: "unknown", clauses: [] };
  const abroad = other !== home;
  const clauses: string[] = [];
  if (home === "JP" && abroad) clauses.push("APPI Art. 28");
  if (EEA.has(home) && !EEA.has(other)) clauses.push("GDPR Chapter V");
  return { country: other, abroad, clauses };
}
