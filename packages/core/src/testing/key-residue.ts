import { framed } from "../crypto/encoding";
import { type Kek, WRAP_AD_TAG, WRAP_VERSION, WRAPPED_BYTES } from "../crypto/key-wrap";

/** A data key's binding in the key store: which key, of whom, under which KEK id. */
export interface WrappedKeyBinding {
  readonly keyId: string;
  readonly subject: string;
  readonly kekId: string;
}

/** Bytes to scan, named for the report (a file path). */
export interface ScannedBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * Every byte range in `inputs` that unwraps as a data key under `kek` for one of
 * `bindings` (docs/spec.md §10.5): each offset holding the version byte 0x01 is tried as
 * `0x01 ‖ nonce(24) ‖ ciphertext(32) ‖ tag(16)`, the tag recomputed with
 * XChaCha20-Poly1305 over the binding's associated data. For residue tests: after an
 * erasure no file a key store wrote may yield a range for the destroyed key under the KEK
 * in use. With `firstOnly`, stops at the first range found. Names each as `name@offset`.
 *
 * A test-only verifier (no decryption, no exception per miss) so that tens of megabytes
 * (a PostgreSQL data directory) scan in seconds; every range it reports is one that
 * `unwrapDataKey` accepts.
 */
export function unwrappingRanges(
  inputs: Iterable<ScannedBytes>,
  kek: Kek,
  bindings: readonly WrappedKeyBinding[],
  options: { readonly firstOnly?: boolean } = {},
): string[] {
  const keyWords = words(kek.key, 0, 8);
  const macs = bindings.map((b) => macInput(b));
  const hits: string[] = [];
  const subkey = new Uint32Array(8);
  const block = new Uint32Array(16);
  for (const { name, bytes } of inputs) {
    const last = bytes.length - WRAPPED_BYTES;
    for (let o = bytes.indexOf(WRAP_VERSION); o !== -1 && o <= last; ) {
      // XChaCha20: subkey from the nonce's first 16 bytes; Poly1305 key from block 0.
      hchacha(keyWords, bytes, o + 1, subkey);
      chachaBlock(subkey, bytes, o + 17, block);
      polyKey(block);
      limbs(bytes, o + 25, 1, CT, 0);
      limbs(bytes, o + 41, 1, CT, 10);
      for (const mac of macs) {
        if (poly1305Matches(mac, bytes, o + 57)) {
          hits.push(`${name}@${o}`);
          if (options.firstOnly === true) return hits;
        }
      }
      o = bytes.indexOf(WRAP_VERSION, o + 1);
    }
  }
  return hits;
}

/**
 * What Poly1305 authenticates (RFC 8439 §2.8), AD ‖ pad16 ‖ ciphertext(32) ‖ le64(|AD|) ‖
 * le64(32), as 13-bit limbs of its fixed blocks: the AD blocks and the length block.
 */
function macInput(b: WrappedKeyBinding): {
  readonly ad: Float64Array;
  readonly lengths: Float64Array;
} {
  const ad = framed(WRAP_AD_TAG, [b.keyId, b.subject, b.kekId]);
  const blocks = Math.ceil(ad.length / 16);
  const padded = new Uint8Array(blocks * 16);
  padded.set(ad, 0);
  const adLimbs = new Float64Array(blocks * 10);
  for (let i = 0; i < blocks; i++) limbs(padded, 16 * i, 1, adLimbs, 10 * i);
  const len = new Uint8Array(16);
  new DataView(len.buffer).setUint32(0, ad.length, true);
  new DataView(len.buffer).setUint32(8, 32, true);
  const lengths = new Float64Array(10);
  limbs(len, 0, 1, lengths, 0);
  return { ad: adLimbs, lengths };
}

function words(b: Uint8Array, at: number, n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = le32(b, at + 4 * i);
  return out;
}

function le32(b: Uint8Array, at: number): number {
  return (
    ((b[at] as number) |
      ((b[at + 1] as number) << 8) |
      ((b[at + 2] as number) << 16) |
      ((b[at + 3] as number) << 24)) >>>
    0
  );
}

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];
const state = new Int32Array(16);
const work = new Int32Array(16);

/** One ChaCha quarter round on `x` (RFC 8439 §2.1). */
function quarter(x: Int32Array, a: number, b: number, c: number, d: number): void {
  let t: number;
  x[a] = ((x[a] as number) + (x[b] as number)) | 0;
  t = (x[d] as number) ^ (x[a] as number);
  x[d] = (t << 16) | (t >>> 16);
  x[c] = ((x[c] as number) + (x[d] as number)) | 0;
  t = (x[b] as number) ^ (x[c] as number);
  x[b] = (t << 12) | (t >>> 20);
  x[a] = ((x[a] as number) + (x[b] as number)) | 0;
  t = (x[d] as number) ^ (x[a] as number);
  x[d] = (t << 8) | (t >>> 24);
  x[c] = ((x[c] as number) + (x[d] as number)) | 0;
  t = (x[b] as number) ^ (x[c] as number);
  x[b] = (t << 7) | (t >>> 25);
}

/** The twenty ChaCha20 rounds of `state` into `work` (RFC 8439 §2.3), without the feed-forward. */
function rounds(): void {
  work.set(state);
  for (let i = 0; i < 10; i++) {
    quarter(work, 0, 4, 8, 12);
    quarter(work, 1, 5, 9, 13);
    quarter(work, 2, 6, 10, 14);
    quarter(work, 3, 7, 11, 15);
    quarter(work, 0, 5, 10, 15);
    quarter(work, 1, 6, 11, 12);
    quarter(work, 2, 7, 8, 13);
    quarter(work, 3, 4, 9, 14);
  }
}

/** HChaCha20(key, nonce[0..16]) → 8-word subkey (draft-irtf-cfrg-xchacha §2.2). */
function hchacha(key: Uint32Array, b: Uint8Array, at: number, out: Uint32Array): void {
  state.set(SIGMA, 0);
  state.set(key, 4);
  for (let i = 0; i < 4; i++) state[12 + i] = le32(b, at + 4 * i);
  rounds();
  for (let i = 0; i < 4; i++) {
    out[i] = work[i] as number;
    out[4 + i] = work[12 + i] as number;
  }
}

/** ChaCha20 block 0 under `key` with nonce 0x00000000 ‖ b[at..at+8] (XChaCha20's inner nonce). */
function chachaBlock(key: Uint32Array, b: Uint8Array, at: number, out: Uint32Array): void {
  state.set(SIGMA, 0);
  state.set(key, 4);
  state[12] = 0;
  state[13] = 0;
  state[14] = le32(b, at);
  state[15] = le32(b, at + 4);
  rounds();
  for (let i = 0; i < 16; i++) out[i] = ((work[i] as number) + (state[i] as number)) >>> 0;
}

// Poly1305 with ten 13-bit limbs: every product and sum stays below 2^53, exact in a double.
const R = new Float64Array(10);
const R5 = new Float64Array(10);
const S = new Uint32Array(4);
const H = new Float64Array(10);
const D = new Float64Array(10);
const G = new Float64Array(10);
const CT = new Float64Array(20);
const TAG = new Uint32Array(4);
const CLAMPED = new Uint32Array(4);
const CLAMPED_BYTES = new Uint8Array(CLAMPED.buffer);
const POW2 = Array.from({ length: 64 }, (_, i) => 2 ** i);

/** 16 bytes of `b` at `at` (and `hibit` as bit 128) as ten 13-bit limbs into `out` at `to`. */
function limbs(b: Uint8Array, at: number, hibit: number, out: Float64Array, to: number): void {
  for (let i = 0; i < 10; i++) {
    const bit = 13 * i;
    const k = at + (bit >>> 3);
    const b0 = b[k] as number;
    const b1 = k + 1 < at + 16 ? (b[k + 1] as number) : hibit;
    const b2 = k + 2 < at + 16 ? (b[k + 2] as number) : k + 2 === at + 16 ? hibit : 0;
    out[to + i] = ((b0 | (b1 << 8) | (b2 << 16)) >>> (bit & 7)) & 0x1fff;
  }
}

/** r (clamped, RFC 8439 §2.5) and s from the first 32 bytes of ChaCha20 block 0. */
function polyKey(block: Uint32Array): void {
  CLAMPED[0] = (block[0] as number) & 0x0fffffff;
  CLAMPED[1] = (block[1] as number) & 0x0ffffffc;
  CLAMPED[2] = (block[2] as number) & 0x0ffffffc;
  CLAMPED[3] = (block[3] as number) & 0x0ffffffc;
  limbs(CLAMPED_BYTES, 0, 0, R, 0);
  for (let i = 0; i < 10; i++) R5[i] = (R[i] as number) * 5;
  for (let i = 0; i < 4; i++) S[i] = block[4 + i] as number;
}

/** h ← (h + m)·r mod (2^130 − 5) for the block whose limbs are `m[at..at+10]`. */
function absorb(m: Float64Array, at: number): void {
  for (let i = 0; i < 10; i++) H[i] = (H[i] as number) + (m[at + i] as number);
  for (let i = 0; i < 10; i++) {
    let d = 0;
    for (let j = 0; j <= i; j++) d += (H[j] as number) * (R[i - j] as number);
    for (let j = i + 1; j < 10; j++) d += (H[j] as number) * (R5[i - j + 10] as number);
    D[i] = d;
  }
  let c = 0;
  for (let i = 0; i < 10; i++) {
    const d = (D[i] as number) + c;
    c = Math.floor(d / 8192);
    H[i] = d - c * 8192;
  }
  const h0 = (H[0] as number) + c * 5;
  c = Math.floor(h0 / 8192);
  H[0] = h0 - c * 8192;
  H[1] = (H[1] as number) + c;
}

/** Poly1305 of the binding's blocks around the candidate's ciphertext (`CT`), against the tag at `tagAt`. */
function poly1305Matches(
  mac: { readonly ad: Float64Array; readonly lengths: Float64Array },
  b: Uint8Array,
  tagAt: number,
): boolean {
  H.fill(0);
  for (let at = 0; at < mac.ad.length; at += 10) absorb(mac.ad, at);
  absorb(CT, 0);
  absorb(CT, 10);
  absorb(mac.lengths, 0);
  // Carry fully, then take h mod p: h + 5 reaching 2^130 means h ≥ p.
  let c = 0;
  for (let i = 0; i < 10; i++) {
    const d = (H[i] as number) + c;
    c = Math.floor(d / 8192);
    H[i] = d - c * 8192;
  }
  H[0] = (H[0] as number) + c * 5;
  c = 5;
  for (let i = 0; i < 10; i++) {
    const d = (H[i] as number) + c;
    c = Math.floor(d / 8192);
    G[i] = d - c * 8192;
  }
  const h = c > 0 ? G : H;
  // (h + s) mod 2^128, as four little-endian words, against the tag.
  let acc = 0;
  let bits = 0;
  let w = 0;
  for (let i = 0; i < 10 && w < 4; i++) {
    acc += (h[i] as number) * (POW2[bits] as number);
    bits += 13;
    while (bits >= 32 && w < 4) {
      TAG[w++] = acc % 4294967296;
      acc = Math.floor(acc / 4294967296);
      bits -= 32;
    }
  }
  if (w < 4) TAG[w] = acc;
  let carry = 0;
  for (let i = 0; i < 4; i++) {
    const sum = (TAG[i] as number) + (S[i] as number) + carry;
    carry = sum >= 4294967296 ? 1 : 0;
    if (sum >>> 0 !== le32(b, tagAt + 4 * i)) return false;
  }
  return true;
}
