/**
 * The per-frame cost on one CPU, without the other process: feth0 sends a
 * batch, a kevent publishes what arrived on feth1, feth1 receives. The
 * C side is `ref_child --self`; the TS side is the port's own Sender and
 * Receiver over a sim pair in this process (after a warm-up, so the JIT has
 * compiled them). Times are ns per frame.
 */
import { ip0, ip1, simPair } from "../tests/sim_helpers.ts";
import { type ChannelPort, type Log, Receiver, Sender } from "../scenarios/netifdirect.ts";
import { FETH0_UDP_PORT, FETH1_UDP_PORT } from "../scenarios/addresses.ts";
import { EvFilter, EvFlag } from "../ffi/constants.ts";
import { REF_CHILD } from "./pairs.ts";

export interface FrameCost {
  txNs: number;
  keventNs: number;
  rxNs: number;
  totalNs: number;
}

const WARMUP_FRAMES = 100_000;
const quiet: Log = { info: () => {}, debug: () => {}, debugEnabled: false };

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
  const mac0 = pair.shim.ifnetLladdr("feth0");
  const mac1 = pair.shim.ifnetLladdr("feth1");
  const port = (chan: typeof pair.ch0, mac: Uint8Array, ip6: Uint8Array): ChannelPort => ({
    chan,
    fd: chan.fd,
    port: 0,
    userPacketPool: true,
    mac,
    ip6,
  });
  const p1 = port(pair.ch1, mac1, ip1);
  const tx = new Sender(port(pair.ch0, mac0, ip0), {
    srcMac: mac0,
    dstMac: mac1,
    srcIp: ip0,
    dstIp: ip1,
    srcPort: FETH0_UDP_PORT,
    dstPort: FETH1_UDP_PORT,
  }, quiet);
  const rx = new Receiver(p1, 1, quiet);
  using kq = pair.shim.kqueue();
  kq.change([{
    ident: p1.fd,
    filter: EvFilter.read,
    flags: EvFlag.add | EvFlag.enable,
    fflags: 0,
  }]);
  const limit = WARMUP_FRAMES + frames;
  const step = () => {
    tx.send(Math.min(tx.packetNumber + batch, limit), null);
    if (kq.wait(0n) > 0) rx.receive(limit, false);
  };
  while (tx.packetNumber < WARMUP_FRAMES) step();
  let txMs = 0;
  let kevMs = 0;
  let rxMs = 0;
  const started = performance.now();
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
  const total = performance.now() - started;
  if (rx.receiveCount !== limit || rx.gapsTotal !== 0) {
    throw new Error(`TS loop received ${rx.receiveCount} of ${limit} with ${rx.gapsTotal} gaps`);
  }
  const ns = (ms: number) => ms * 1e6 / frames;
  return { txNs: ns(txMs), keventNs: ns(kevMs), rxNs: ns(rxMs), totalNs: ns(total) };
}
