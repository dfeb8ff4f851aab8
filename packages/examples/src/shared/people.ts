/**
 * Made-up business cards for the scenarios: deterministic (a seeded generator), so tests
 * and screenshots are stable. Every name, company and address here is fictitious
 * (`example.jp` is reserved for examples).
 */

const FAMILY = [
  "Sato",
  "Suzuki",
  "Takahashi",
  "Tanaka",
  "Watanabe",
  "Ito",
  "Yamamoto",
  "Nakamura",
  "Kobayashi",
  "Kato",
  "Yoshida",
  "Yamada",
  "Sasaki",
  "Matsumoto",
  "Inoue",
  "Kimura",
];
const GIVEN = [
  "Hanako",
  "Taro",
  "Yui",
  "Haruto",
  "Aoi",
  "Sota",
  "Mei",
  "Ren",
  "Sakura",
  "Kaito",
  "Hina",
  "Riku",
  "Yuna",
  "Daiki",
  "Emi",
  "Kenji",
];
const COMPANIES = [
  "Kiso Trading",
  "Mirai Foods",
  "Aozora Logistics",
  "Hikari Systems",
  "Sakura Textiles",
  "Fuji Precision",
  "Umi Pharma",
  "Kaze Mobility",
];

/** One card's values, keyed by the CRM's field names. */
export interface Card {
  readonly id: string;
  readonly name: string;
  readonly company: string;
  readonly email: string;
  readonly phone: string;
  readonly notes: string;
}

/** A small deterministic PRNG (mulberry32), so generated scenarios repeat exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` fictitious cards with ids `contact-0001`…; the id is the data-subject id. */
export function cards(count: number, seed = 7, prefix = "contact"): Card[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const family = pick(FAMILY);
    const given = pick(GIVEN);
    const company = pick(COMPANIES);
    const domain = `${company.toLowerCase().replace(/\s+/g, "-")}.example.jp`;
    return {
      id: `${prefix}-${String(i + 1).padStart(4, "0")}`,
      name: `${family} ${given}`,
      company,
      email: `${given.toLowerCase()}.${family.toLowerCase()}${i + 1}@${domain}`,
      phone: `+81-3-${String(1000 + Math.floor(rnd() * 9000))}-${String(1000 + i)}`,
      notes: `Met at trade fair; budget review in Q${1 + Math.floor(rnd() * 4)}`,
    };
  });
}
