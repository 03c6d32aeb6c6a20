/**
 * The fake driver's device pools through the TypeScript bindings: the IfStat
 * names read the counters skt_shim.h appends, and each pool mode moves frames
 * the way if_fake does (xnu-feth.md 1.2, 5.1).
 */
import { assertEquals } from "@std/assert";
import type { Channel } from "../ffi/spi.ts";
import { IfStat, Ring, SyncMode } from "../ffi/constants.ts";
import {
  FrameBuffer,
  type FrameBuilder,
  framePacketNumber,
} from "../scenarios/netifdirect/frame.ts";
import { simPair } from "./sim_helpers.ts";

function send(ch: Channel, builder: FrameBuilder, n: number): void {
  for (let i = 0; i < n; i += 8) {
    let last = -1;
    for (let k = i; k < Math.min(i + 8, n); k++) {
      const slot = ch.getNextSlot(Ring.tx, last, null);
      const pkt = ch.packetAlloc();
      const len = builder.build(k);
      ch.bufletWrite(pkt, 0, 0, builder.frame.bytes, len);
      ch.bufletSetDataLength(pkt, 0, len);
      ch.packetFinalize(pkt);
      ch.slotAttachPacket(Ring.tx, slot, pkt);
      last = slot;
    }
    ch.advanceSlot(Ring.tx, last);
    ch.sync(SyncMode.tx);
  }
}

function receive(ch: Channel): number[] {
  ch.sync(SyncMode.rx);
  const frame = new FrameBuffer();
  const got: number[] = [];
  let last = -1;
  for (let slot; (slot = ch.getNextSlot(Ring.rx, last, null)) >= 0; last = slot) {
    const pkt = ch.slotGetPacket(Ring.rx, slot);
    ch.slotDetachPacket(Ring.rx, slot, pkt);
    ch.bufletRead(pkt, 0, 0, frame.bytes, ch.packetGetDataLength(pkt));
    got.push(framePacketNumber(frame));
    ch.packetFree(pkt);
  }
  if (last >= 0) {
    ch.advanceSlot(Ring.rx, last);
    ch.sync(SyncMode.rx);
  }
  return got;
}

const N = 500;

for (
  const [mode, name, rxAlloc, fromTxPool] of [
    [0, "global: the sender's device packet is handed over", 0, N],
    [1, "private: copied into the peer's pool, which also serves TX", N, N],
    [2, "split: copied into the peer's RX pool, never a TX pool's packet", N, 0],
  ] as const
) {
  Deno.test(`fake driver pools, pktpool_mode ${mode} (${name})`, () => {
    using p = simPair({ "net.link.fake.pktpool_mode": mode });
    send(p.ch0, p.builder0, N);
    assertEquals(receive(p.ch1), Array.from({ length: N }, (_, i) => i));
    const tx = p.shim.ifnetStats("feth0");
    const rx = p.shim.ifnetStats("feth1");
    assertEquals(tx.length, IfStat.count);
    assertEquals(tx[IfStat.devTxAlloc], BigInt(N));
    assertEquals(tx[IfStat.txPackets], BigInt(N));
    assertEquals(tx[IfStat.txDelivered], BigInt(N));
    assertEquals(rx[IfStat.devRxFrames], BigInt(N));
    assertEquals(rx[IfStat.devRxAlloc], BigInt(rxAlloc));
    assertEquals(rx[IfStat.rxFromTxPool], BigInt(fromTxPool));
    assertEquals(tx[IfStat.dropDevNoMem] + rx[IfStat.dropDevNoMem], 0n);
    // nothing went the other way
    assertEquals(rx[IfStat.devTxAlloc], 0n);
    assertEquals(tx[IfStat.devRxFrames], 0n);
  });
}
