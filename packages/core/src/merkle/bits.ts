/**
 * Bit arithmetic on tree sizes and indices as plain numbers. JavaScript's bitwise
 * operators truncate to 32 bits, so everything here uses division by powers of two and
 * is exact for every safe integer (sizes up to 2^53 − 1).
 */

/** The largest tree size Daichō handles: 2^52, so in-order node positions stay safe integers. */
export const MAX_TREE_SIZE = 2 ** 52;

/** True for a non-negative safe integer not above {@link MAX_TREE_SIZE}. */
export function isTreeSize(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 && n <= MAX_TREE_SIZE;
}

/** ⌊x / 2^k⌋. */
export function shr(x: number, k: number): number {
  return Math.floor(x / 2 ** k);
}

/** The lowest bit of x. */
export function lsb(x: number): number {
  return x % 2;
}

/** Number of trailing zero bits of x > 0. */
export function trailingZeros(x: number): number {
  let k = 0;
  while (x % 2 === 0 && x > 0) {
    x /= 2;
    k++;
  }
  return k;
}

/** The largest power of two strictly less than n (n ≥ 2): RFC 9162's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Number of set bits of x. */
export function popCount(x: number): number {
  let c = 0;
  while (x > 0) {
    c += x % 2;
    x = Math.floor(x / 2);
  }
  return c;
}

/** True when x is a power of two (x ≥ 1). */
export function isPowerOfTwo(x: number): boolean {
  return x >= 1 && 2 ** trailingZeros(x) === x;
}
