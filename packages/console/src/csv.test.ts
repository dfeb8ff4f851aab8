import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvCell, toCsv } from "./csv";

/** RFC 4180 parse of one line of quoted cells (what a spreadsheet reads back). */
function parseLine(line: string): string[] {
  const cells: string[] = [];
  const re = /"((?:[^"]|"")*)"(?:,|$)/gy;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    cells.push((m[1] as string).replaceAll('""', '"'));
    if (re.lastIndex >= line.length) break;
  }
  return cells;
}

describe("CSV", () => {
  it("neutralises formulas: a cell never starts with = + - @ once read back", () => {
    for (const bad of ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]) {
      expect(parseLine(csvCell(bad))[0]?.startsWith("'")).toBe(true);
    }
  });

  it("round-trips any text without line breaks, quotes and commas included", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string().filter((s) => !/[\r\n]/.test(s)),
          { minLength: 1, maxLength: 5 },
        ),
        (cells) => {
          const [header, row] = toCsv(["h"], [cells]).split("\r\n");
          expect(header).toBe('"h"');
          const back = parseLine(row as string);
          expect(back.map((c, i) => (c === `'${cells[i]}` ? cells[i] : c))).toEqual(cells);
        },
      ),
    );
  });
});
