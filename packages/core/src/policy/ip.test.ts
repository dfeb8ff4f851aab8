import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CidrRange, ipInRanges, parseCidr, parseIp } from "./ip";

function cidr(s: string): CidrRange {
  const r = parseCidr(s);
  if (r === undefined) throw new Error(`bad test range ${s}`);
  return r;
}

describe("IP allow-lists", () => {
  it("matches IPv4 and IPv6 ranges, including IPv4-mapped IPv6 and the prefix edges", () => {
    const ranges = ["10.0.0.0/8", "192.168.1.128/25", "2001:db8::/32", "::1"].map((s) => cidr(s));
    expect(ipInRanges("10.255.255.255", ranges)).toBe(true);
    expect(ipInRanges("11.0.0.0", ranges)).toBe(false);
    expect(ipInRanges("192.168.1.128", ranges)).toBe(true);
    expect(ipInRanges("192.168.1.127", ranges)).toBe(false);
    expect(ipInRanges("::ffff:10.1.2.3", ranges)).toBe(true);
    expect(ipInRanges("2001:0db8:ffff::1", ranges)).toBe(true);
    expect(ipInRanges("2001:db9::1", ranges)).toBe(false);
    expect(ipInRanges("::1", ranges)).toBe(true);
    expect(ipInRanges("::2", ranges)).toBe(false);
  });

  it("rejects malformed addresses and ranges instead of matching them", () => {
    for (const bad of [
      "10.0.0",
      "10.0.0.256",
      "1::2::3",
      "12345::",
      "10.0.0.0/33",
      "::/129",
      "a.b.c.d",
      "",
    ]) {
      expect(parseCidr(bad)).toBeUndefined();
    }
    expect(ipInRanges("not-an-ip", [cidr("0.0.0.0/0")])).toBe(false);
  });

  it("every IPv4 address is inside its own /n for every n, and 0.0.0.0/0 holds all IPv4", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, n) => {
        expect(ipInRanges(ip, [cidr(`${ip}/${n}`)])).toBe(true);
        expect(ipInRanges(ip, [cidr("0.0.0.0/0")])).toBe(true);
        expect(parseIp(ip)).toBeDefined();
      }),
    );
  });
});
