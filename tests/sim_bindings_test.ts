/**
 * The sim's rings and pool through the TypeScript bindings: what the ported
 * test relies on, checked call by call.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { type Channel, SlotProp } from "../ffi/spi.ts";
import { ChannelAttr, IfStat, Ring, SyncMode } from "../ffi/constants.ts";
import { SpiError } from "../ffi/errors.ts";
import {
  FrameBuffer,
  type FrameBuilder,
  framePacketNumber,
  processFrame,
} from "../scenarios/netifdirect/frame.ts";
import { simPair } from "./sim_helpers.ts";

/** Queues up to n frames on ch's TX ring (numbers from first); returns how many, without syncing. */
function queueFrames(ch: Channel, builder: FrameBuilder, first: number, n: number): number {
  let last = -1;
  let queued = 0;
  for (; queued < n; queued++) {
    const slot = ch.getNextSlot(Ring.tx, last, null);
    if (slot < 0) break;
    const pkt = ch.packetAlloc();
    const len = builder.build(first + queued);
    ch.bufletSetDataOffset(pkt, 0, 0);
    ch.bufletWrite(pkt, 0, 0, builder.frame.bytes, len);
    ch.bufletSetDataLength(pkt, 0, len);
    ch.packetSetLinkHeaderLength(pkt, 14);
    ch.packetFinalize(pkt);
    ch.slotAttachPacket(Ring.tx, slot, pkt);
    last = slot;
  }
  if (last >= 0) ch.advanceSlot(Ring.tx, last);
  return queued;
}

function sendFrames(ch: Channel, builder: FrameBuilder, first: number, n: number): void {
  let sent = 0;
  while (sent < n) {
    sent += queueFrames(ch, builder, first + sent, Math.min(8, n - sent));
    ch.sync(SyncMode.tx);
  }
}

/** Receives everything ready on ch, verifying each frame; returns the packet numbers. */
function receiveAll(ch: Channel): number[] {
  ch.sync(SyncMode.rx);
  const prop = new SlotProp();
  const frame = new FrameBuffer();
  const numbers: number[] = [];
  let last = -1;
  while (true) {
    const slot = ch.getNextSlot(Ring.rx, last, prop);
    if (slot < 0) break;
    const pkt = ch.slotGetPacket(Ring.rx, slot);
    ch.slotDetachPacket(Ring.rx, slot, pkt);
    const len = ch.packetGetDataLength(pkt);
    assertEquals(len, prop.len);
    ch.bufletRead(pkt, 0, ch.bufletGetDataOffset(pkt, 0), frame.bytes, len);
    processFrame(frame, len, ch.packetGetLinkHeaderLength(pkt), 0);
    numbers.push(framePacketNumber(frame));
    ch.packetFree(pkt);
    last = slot;
  }
  if (last >= 0) {
    ch.advanceSlot(Ring.rx, last);
    ch.sync(SyncMode.rx);
  }
  return numbers;
}

Deno.test("sim: an empty RX ring has no next slot", () => {
  using p = simPair();
  assertEquals(p.ch1.getNextSlot(Ring.rx, -1, null), -1);
  assertEquals(receiveAll(p.ch1), []);
});

Deno.test("sim: TX/RX slot attributes are the provider's (2), not the rings' sizes", () => {
  using p = simPair();
  // os_channel_info2attr copies nxp_tx_slots / nxp_rx_slots, which
  // nx_netif_prov_params_adjust sets to NX_NETIF_MINSLOTS for feth's llink netif
  assertEquals(Number(p.ch0.attr(ChannelAttr.txSlots)), 2);
  assertEquals(Number(p.ch0.attr(ChannelAttr.rxSlots)), 2);
});

Deno.test("sim: the TX ring (512 slots) fills up at 511 and frees its slots after a sync", () => {
  using p = simPair();
  assertEquals(p.ch0.availableSlots(Ring.tx), 511);
  const queued = queueFrames(p.ch0, p.builder0, 0, 10_000);
  assertEquals(queued, 511);
  assertEquals(p.ch0.availableSlots(Ring.tx), 0);
  assertEquals(p.ch0.getNextSlot(Ring.tx, -1, null), -1);
  p.ch0.sync(SyncMode.tx);
  assert(p.ch0.getNextSlot(Ring.tx, -1, null) >= 0);
});

Deno.test("sim: a frame crosses the pair as a real copy", () => {
  using p = simPair();
  sendFrames(p.ch0, p.builder0, 0, 3);
  // the sender's frame buffer changes after the sync: the receiver must not see it
  p.builder0.frame.bytes.fill(0xee);
  assertEquals(receiveAll(p.ch1), [0, 1, 2]);
});

Deno.test("sim: a full RX ring drops and counts, the sender is not throttled", () => {
  using p = simPair();
  sendFrames(p.ch0, p.builder0, 0, 1100);
  const got = receiveAll(p.ch1);
  const stats = p.shim.ifnetStats("feth0");
  assertEquals(got.length + Number(stats[IfStat.dropRxRingFull]), 1100);
  assertEquals(got.length, 1023); // a 1024-slot RX ring holds 1023 (KRING_FULL_RX)
  assertEquals(got, Array.from({ length: got.length }, (_, i) => i));
});

Deno.test("sim: rings wrap around over many batches", () => {
  using p = simPair();
  const all: number[] = [];
  for (let i = 0; i < 5000; i += 8) {
    sendFrames(p.ch0, p.builder0, i, 8);
    all.push(...receiveAll(p.ch1));
  }
  assertEquals(all.length, 5000);
  assertEquals(all[4999], 4999);
});

Deno.test("sim: the user packet pool runs out at 2048 packets", () => {
  using p = simPair();
  const held: number[] = [];
  assertThrows(() => {
    while (true) held.push(p.ch0.packetAlloc());
  }, SpiError);
  assertEquals(held.length, 2048);
  const e = assertThrows(() => p.ch0.packetAlloc(), SpiError) as SpiError;
  assert(e.is("ENOMEM"));
  p.ch0.packetFree(held.pop()!);
  held.push(p.ch0.packetAlloc());
  for (const pkt of held) p.ch0.packetFree(pkt);
});

Deno.test("sim: a frame no flow matches is dropped and counted", () => {
  using p = simPair();
  p.builder0.frame.bytes[38 + 15] ^= 0xff; // IPv6 destination
  sendFrames(p.ch0, p.builder0, 0, 2);
  assertEquals(receiveAll(p.ch1), []);
  assertEquals(p.shim.ifnetStats("feth0")[IfStat.dropNoFlow], 2n);
});

Deno.test("sim: attaching a packet that is not finalized is refused, not fatal", () => {
  using p = simPair();
  const slot = p.ch0.getNextSlot(Ring.tx, -1, null);
  const pkt = p.ch0.packetAlloc();
  const e = assertThrows(() => p.ch0.slotAttachPacket(Ring.tx, slot, pkt), SpiError) as SpiError;
  assert(e.is("EINVAL"), e.message);
  p.ch0.packetFree(pkt);
});

Deno.test("sim: a buffer shorter than the copy is refused before C touches it", () => {
  using p = simPair();
  const pkt = p.ch0.packetAlloc();
  assertThrows(() => p.ch0.bufletRead(pkt, 0, 0, new Uint8Array(4), 2048), RangeError);
  assertThrows(() => p.ch0.bufletWrite(pkt, 0, 0, new Uint8Array(4), 64), RangeError);
  assertThrows(() => p.ch0.packetSetPacketId(pkt, new Uint8Array(8)), RangeError);
  p.ch0.packetFree(pkt);
});

Deno.test("sim: a buflet moved out of its buffer after finalize is dropped at TX sync", () => {
  using p = simPair();
  const slot = p.ch0.getNextSlot(Ring.tx, -1, null);
  const pkt = p.ch0.packetAlloc();
  const len = p.builder0.build(0);
  p.ch0.bufletWrite(pkt, 0, 0, p.builder0.frame.bytes, len);
  p.ch0.bufletSetDataLength(pkt, 0, len);
  p.ch0.packetFinalize(pkt);
  p.ch0.bufletSetDataOffset(pkt, 0, 0x7ffffff0); // after finalize: the kernel re-validates
  p.ch0.slotAttachPacket(Ring.tx, slot, pkt);
  p.ch0.advanceSlot(Ring.tx, slot);
  p.ch0.sync(SyncMode.tx);
  assertEquals(p.shim.ifnetStats("feth0")[IfStat.txPackets], 0n);
  assertEquals(receiveAll(p.ch1), []);
});
