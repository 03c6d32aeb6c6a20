/**
 * The per-frame cost on one CPU, without the other process: feth0 sends a
 * batch, a kevent publishes what arrived on feth1, feth1 receives. The
 * C side is `ref_child --self`; the TS side is the port's own Sender and
 * Receiver over a sim pair in this process (after a warm-up, so the JIT has
 * compiled them). Times are ns per frame.
 */
import { ip0, ip1, type SimPair, simPair } from "../sim_helpers.ts";
import {
  FRAME_LEN,
  FrameBuilder,
  PAYLOAD_LEN,
  processFrame,
} from "../../scenarios/netifdirect/frame.ts";
import { poolMemory } from "../../scenarios/netifdirect/pool_memory.ts";
import { loopback } from "./loopback.ts";
import { REF_CHILD } from "./pairs.ts";

export interface FrameCost {
  txNs: number;
  keventNs: number;
  rxNs: number;
  totalNs: number;
  /** one receive-side verify (frame checks + full UDP checksum) of a 1514-byte frame */
  verifyNs: number;
}

const WARMUP_FRAMES = 100_000;

/** The C loop: one `ref_child --self` process. */
export async function cFrameCost(frames: number, batch: number): Promise<FrameCost> {
  const out = await new Deno.Command(REF_CHILD, {
    args: ["--self", "--packets", String(frames), "--batch", String(batch)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(`ref_child --self failed: ${text} ${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(text) as FrameCost;
}

/** The TS loop, in this process. */
export function tsFrameCost(frames: number, batch: number): FrameCost {
  using pair = simPair();
  const { tx, rx, kq: queue } = loopback(pair);
  using kq = queue;
  let limit = WARMUP_FRAMES;
  const step = () => {
    tx.send(Math.min(tx.packetNumber + batch, limit), null);
    if (kq.wait(0n) > 0) rx.receive(limit, false);
  };
  while (tx.packetNumber < limit) step();
  // the total from a pass with no clock inside it: performance.now costs 90 ns here (an
  // op), clock_gettime 20 ns in C, and the loop would be charged for the clock; the split
  // from a pass that reads the clock around each phase, scaled to that total (ref_child
  // --self does the same)
  limit += frames;
  const started = performance.now();
  while (tx.packetNumber < limit) step();
  const total = performance.now() - started;
  limit += frames;
  let txMs = 0;
  let kevMs = 0;
  let rxMs = 0;
  while (tx.packetNumber < limit) {
    const a = performance.now();
    tx.send(Math.min(tx.packetNumber + batch, limit), null);
    const b = performance.now();
    const n = kq.wait(0n);
    const c = performance.now();
    if (n > 0) rx.receive(limit, false);
    const d = performance.now();
    txMs += b - a;
    kevMs += c - b;
    rxMs += d - c;
  }
  const scale = total / (txMs + kevMs + rxMs);
  if (rx.receiveCount !== limit || rx.gapsTotal !== 0) {
    throw new Error(`TS loop received ${rx.receiveCount} of ${limit} with ${rx.gapsTotal} gaps`);
  }
  const ns = (ms: number) => ms * 1e6 / frames;
  return {
    txNs: ns(txMs * scale),
    keventNs: ns(kevMs * scale),
    rxNs: ns(rxMs * scale),
    totalNs: ns(total),
    verifyNs: verifyNs(pair),
  };
}

/**
 * The port's verify (processFrame, as the Receiver calls it) of 64 frames built in
 * feth1's pool (its buffers are all free by now), 128 KiB, as ref_child's verify_ns:
 * the fastest of 20 rounds, so that other work on the machine does not count.
 */
function verifyNs(pair: SimPair): number {
  const FRAMES = 64, PASSES = 200, ROUNDS = 20;
  const pool = poolMemory(pair.ch1);
  const builder = new FrameBuilder({
    srcMac: new Uint8Array(6),
    dstMac: new Uint8Array(6),
    srcIp: ip0,
    dstIp: ip1,
    srcPort: 0x1234,
    dstPort: 0x5678,
  });
  for (let i = 0; i < FRAMES; i++) builder.buildInto(pool, i * 2048, i);
  const verify = () => {
    let sum = 0;
    for (let i = 0; i < FRAMES; i++) {
      sum += processFrame(pool, FRAME_LEN, 14, PAYLOAD_LEN, i * 2048);
    }
    return sum;
  };
  for (let r = 0; r < 200; r++) verify(); // warm-up: the JIT compiles the loop
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const started = performance.now();
    for (let k = 0; k < PASSES; k++) verify();
    best = Math.min(best, (performance.now() - started) * 1e6 / (FRAMES * PASSES));
  }
  return best;
}
