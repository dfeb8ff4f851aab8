/**
 * IP addresses and CIDR ranges for host allow-lists. Every address is held as a 128-bit
 * integer; IPv4 addresses are mapped into `::ffff:0:0/96` (RFC 4291 §2.5.5.2) so one
 * comparison handles both families.
 */
export interface CidrRange {
  readonly base: bigint;
  readonly mask: bigint;
  /** The range as written in the configuration. */
  readonly text: string;
}

const V4_MAPPED = 0xffffn << 32n;
const ALL_ONES = (1n << 128n) - 1n;

function parseV4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  let text = s;
  // A dotted IPv4 tail (`::ffff:10.0.0.1`) stands for the last two 16-bit groups.
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string | undefined) => (h === undefined || h === "" ? [] : h.split(":"));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const given = head.length + rest.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const zeros: string[] = halves.length === 2 ? Array(8 - given).fill("0") : [];
  let n = 0n;
  for (const g of [...head, ...zeros, ...rest]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(`0x${g}`);
  }
  return n;
}

/** Parse an IPv4 or IPv6 address into its 128-bit form, or undefined when malformed. */
export function parseIp(s: string): bigint | undefined {
  if (s.includes(":")) return parseV6(s);
  const v4 = parseV4(s);
  return v4 === undefined ? undefined : V4_MAPPED | v4;
}

/** Parse `10.0.0.0/8`, `2001:db8::/32` or a bare address; undefined when malformed. */
export function parseCidr(text: string): CidrRange | undefined {
  const [addr, bits, extra] = text.split("/");
  if (addr === undefined || extra !== undefined) return undefined;
  const base = parseIp(addr);
  if (base === undefined) return undefined;
  const isV4 = !addr.includes(":");
  const max = isV4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  const prefix128 = isV4 ? prefix + 96 : prefix;
  const mask = prefix128 === 0 ? 0n : (ALL_ONES << BigInt(128 - prefix128)) & ALL_ONES;
  return { base: base & mask, mask, text };
}

/** True when `ip` parses and lies in one of `ranges`. A malformed address is never inside. */
export function ipInRanges(ip: string, ranges: readonly CidrRange[]): boolean {
  const n = parseIp(ip);
  if (n === undefined) return false;
  for (const r of ranges) if ((n & r.mask) === r.base) return true;
  return false;
}
