/**
 * Property tests of the receive-side verifier (scenarios/frame.ts): random
 * valid frames are accepted; random and mutated ones (truncated, wrong lengths,
 * wrong ethertype, wrong next header, bad checksum, wrong link header length,
 * too long a payload) are refused with the right FrameCheckError.check; and a
 * frame out of sequence is refused by the order check. Nothing but the
 * verifier's own error may ever be thrown.
 *
 * The expected verdict comes from an oracle written separately here (byte-wise
 * big-endian fields, a plain 16-bit one's complement sum), not from frame.ts.
 * The PRNG is seeded; the seed is printed, and SKT_FUZZ_SEED=N replays a run.
 */
import { assert, assertEquals } from "@std/assert";
import {
  FrameBuffer,
  FrameBuilder,
  type FrameCheck,
  FrameCheckError,
  HDR_LEN,
  processFrame,
  sequenceGap,
} from "../../scenarios/netifdirect/frame.ts";

const SEED = Number(Deno.env.get("SKT_FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 32));
console.log(`frame fuzz seed ${SEED} (replay with SKT_FUZZ_SEED=${SEED})`);
const CASES = 20_000;

/** mulberry32: small, fast, and good enough to pick mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(0, 255));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
  /** a 16-bit value different from `not` */
  other16(not: number): number {
    const v = this.int(0, 0xfffe);
    return v >= not ? v + 1 : v;
  }
}

// ---------------------------------------------------------------- oracle

const be16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];

/** The UDP checksum over pseudo header + datagram, summed as big-endian 16-bit words. */
function oracleChecksumOk(b: Uint8Array, udpLen: number): boolean {
  let sum = 0;
  for (let o = 22; o < 54; o += 2) sum += be16(b, o); // source and destination addresses
  sum += (udpLen >>> 16) + (udpLen & 0xffff) + 17;
  for (let i = 0; i < udpLen; i += 2) {
    sum += (b[54 + i] << 8) | (i + 1 < udpLen ? b[54 + i + 1] : 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

/** The first check a frame fails, in upstream's order, or null for a good frame. */
function oracle(b: Uint8Array, pktLen: number, llen: number, dataMax: number): FrameCheck | null {
  if (llen !== 14) return "link-header-length";
  if (pktLen < 62 || pktLen > b.length) return "truncated";
  if (be16(b, 12) !== 0x86dd) return "ethertype";
  if (pktLen !== 54 + be16(b, 18)) return "ip-length";
  if (b[20] !== 17) return "next-header";
  const udpLen = be16(b, 58);
  if (udpLen - 8 !== pktLen - 62) return "udp-length";
  if (dataMax !== 0 && udpLen - 8 > dataMax) return "payload-too-long";
  if (!oracleChecksumOk(b, udpLen)) return "checksum";
  return null;
}

// ------------------------------------------------------------ generation

interface Case {
  frame: FrameBuffer;
  pktLen: number;
  llen: number;
  dataMax: number;
  /** what the mutation must be caught as (null: a good frame, accepted) */
  expect: FrameCheck | null | "oracle";
  what: string;
}

function goodFrame(r: Random): { frame: FrameBuffer; length: number } {
  const builder = new FrameBuilder({
    srcMac: r.bytes(6),
    dstMac: r.bytes(6),
    srcIp: r.bytes(16),
    dstIp: r.bytes(16),
    srcPort: r.int(0, 0xffff),
    dstPort: r.int(0, 0xffff),
  }, r.int(4, 1452));
  const length = builder.build(r.int(0, 0xffffffff));
  const frame = new FrameBuffer();
  frame.bytes.set(builder.frame.bytes.subarray(0, length));
  return { frame, length };
}

const MUTATIONS = [
  "none",
  "truncate-headers",
  "truncate-payload",
  "extend",
  "link-header-length",
  "ethertype",
  "ip-length",
  "next-header",
  "udp-length",
  "payload-too-long",
  "flip-bit",
  "random-bytes",
] as const;

function makeCase(r: Random): Case {
  const { frame, length } = goodFrame(r);
  const v = frame.view;
  const c: Case = { frame, pktLen: length, llen: 14, dataMax: 0, expect: null, what: "" };
  const mutation = r.pick(MUTATIONS);
  c.what = mutation;
  switch (mutation) {
    case "none":
      c.dataMax = r.pick([0, length - HDR_LEN, 1452]);
      break;
    case "truncate-headers":
      c.pktLen = r.int(0, HDR_LEN - 1);
      c.expect = "truncated";
      break;
    case "truncate-payload":
      c.pktLen = r.int(HDR_LEN, length - 1);
      c.expect = "ip-length";
      break;
    case "extend":
      c.pktLen = r.int(length + 1, frame.bytes.length + 64);
      c.expect = c.pktLen > frame.bytes.length ? "truncated" : "ip-length";
      break;
    case "link-header-length":
      c.llen = r.pick([0, 13, 15, 16, 22, r.int(0, 255)].filter((n) => n !== 14));
      c.expect = "link-header-length";
      break;
    case "ethertype":
      v.setUint16(
        12,
        r.pick([0x0800, 0x0806, 0x8100, r.other16(0x86dd)].filter((t) => t !== 0x86dd)),
      );
      c.expect = "ethertype";
      break;
    case "ip-length":
      v.setUint16(18, r.other16(length - 54));
      c.expect = "ip-length";
      break;
    case "next-header":
      v.setUint8(20, r.pick([6, 58, 0, r.int(18, 255)]));
      c.expect = "next-header";
      break;
    case "udp-length":
      v.setUint16(58, r.other16(length - 54));
      c.expect = "udp-length";
      break;
    case "payload-too-long":
      c.dataMax = r.int(1, length - HDR_LEN - 1);
      c.expect = "payload-too-long";
      break;
    case "flip-bit": {
      // anywhere the checksum covers but the length fields: one bit always shows
      let off: number;
      do off = r.int(22, length - 1); while (off === 58 || off === 59);
      frame.bytes[off] ^= 1 << r.int(0, 7);
      c.what = `flip-bit at ${off}`;
      c.expect = "checksum";
      break;
    }
    case "random-bytes":
      frame.bytes.set(r.bytes(frame.bytes.length));
      c.pktLen = r.int(0, frame.bytes.length + 8);
      c.llen = r.pick([14, 14, 14, r.int(0, 255)]);
      c.expect = "oracle";
      break;
  }
  return c;
}

/** Runs the verifier; anything but its own error fails the test. */
function verdict(c: Case): FrameCheck | null {
  try {
    processFrame(c.frame, c.pktLen, c.llen, c.dataMax);
    return null;
  } catch (e) {
    if (e instanceof FrameCheckError) return e.check;
    throw new Error(`seed ${SEED}: ${c.what} threw ${(e as Error)?.stack ?? e}`);
  }
}

Deno.test(`frame fuzz: ${CASES} random and mutated frames get the right verdict`, () => {
  const r = new Random(SEED);
  const seen = new Map<string, number>();
  for (let i = 0; i < CASES; i++) {
    const c = makeCase(r);
    const got = verdict(c);
    const predicted = oracle(c.frame.bytes, c.pktLen, c.llen, c.dataMax);
    const where = `seed ${SEED}, case ${i} (${c.what}, pktLen ${c.pktLen}, llen ${c.llen})`;
    assertEquals(got, predicted, `${where}: verifier and oracle disagree`);
    if (c.expect !== "oracle") assertEquals(got, c.expect, `${where}: wrong reason`);
    seen.set(got ?? "accepted", (seen.get(got ?? "accepted") ?? 0) + 1);
  }
  // every verdict was reached (the generator is not stuck on a few)
  for (
    const check of [
      "accepted",
      "truncated",
      "link-header-length",
      "ethertype",
      "ip-length",
      "next-header",
      "udp-length",
      "payload-too-long",
      "checksum",
    ]
  ) assert((seen.get(check) ?? 0) > 0, `seed ${SEED}: no case ended as ${check}`);
});

Deno.test("frame fuzz: sequences with drops count them; a step back is refused", () => {
  const r = new Random(SEED ^ 0x5eed);
  for (let run = 0; run < 2_000; run++) {
    // increasing numbers with random gaps, then maybe one step back (reorder or repeat)
    const numbers: number[] = [];
    let n = r.int(0, 10);
    const count = r.int(1, 60);
    for (let i = 0; i < count; i++) {
      numbers.push(n);
      n += r.pick([1, 1, 1, 2, r.int(1, 50)]);
    }
    let backAt = -1;
    if (numbers.length > 1 && r.next() < 0.5) {
      backAt = r.int(1, numbers.length - 1);
      numbers[backAt] = r.int(0, numbers[backAt - 1]); // repeated or older
    }
    let expected = 0;
    let gaps = 0;
    let refusedAt = -1;
    for (let i = 0; i < numbers.length; i++) {
      try {
        gaps += sequenceGap(numbers[i], expected, false);
      } catch (e) {
        if (!(e instanceof FrameCheckError)) throw e;
        assertEquals(e.check, "sequence", `seed ${SEED}, run ${run}`);
        refusedAt = i;
        break;
      }
      expected = numbers[i] + 1;
    }
    const where = `seed ${SEED}, run ${run}: ${numbers.join(",")}`;
    if (backAt < 0) {
      assertEquals(refusedAt, -1, where);
      // every number below the last that never arrived is counted once
      assertEquals(gaps, numbers[numbers.length - 1] + 1 - numbers.length, where);
    } else {
      assertEquals(refusedAt, backAt, where);
    }
  }
});

Deno.test("frame fuzz: with errors allowed a step back is counted as upstream's uint32 wrap", () => {
  const r = new Random(SEED ^ 0xbac);
  for (let i = 0; i < 5_000; i++) {
    const expected = r.int(1, 0xfffffff);
    const n = r.int(0, expected - 1);
    assertEquals(sequenceGap(n, expected, true), 2 ** 32 - (expected - n), `seed ${SEED}`);
  }
});
