/** The receiving half of the port: skt_netif_channel_receive and its frame process. */
import { SlotProp } from "../../ffi/spi.ts";
import { Ring, SyncMode } from "../../ffi/constants.ts";
import { check, TestFailure } from "./assert.ts";
import {
  FRAME_LEN,
  FrameBuffer,
  FrameCheckError,
  framePacketNumber,
  HDR_LEN,
  PAYLOAD_LEN,
  processFrame,
  sequenceGap,
} from "./frame.ts";
import type { ChannelPort, Log } from "./defs.ts";

/** skt_netif_channel_receive and skt_netif_ipv6_udp_frame_process, over one channel. */
export class Receiver {
  receiveCount = 0;
  receiveIndex = 0;
  /** sum of every call's *pkts_dropped (upstream resets it per call and never reads it) */
  gapsTotal = 0;
  /** skt: each forward gap as [first missing packet number, count] */
  readonly gapRanges: [number, number][] = [];
  lastReceived = -1;
  readonly #prop = new SlotProp();
  readonly #frame = new FrameBuffer();
  readonly #debug: boolean;

  constructor(readonly port: ChannelPort, readonly child: number, readonly log: Log) {
    this.#debug = log.debugEnabled ?? true;
  }

  receive(limit: number, errorsOk: boolean): void {
    const { chan, userPacketPool } = this.port;
    const prop = this.#prop;
    const frameLength = FRAME_LEN;
    check(this.receiveIndex < limit, "*receive_index < limit");
    let lastSlot = -1;
    while (true) {
      const slot = chan.getNextSlot(Ring.rx, lastSlot, prop);
      if (slot < 0) break;
      check(prop.bufPtr !== 0n, "prop.sp_buf_ptr != 0");
      const pkt = chan.slotGetPacket(Ring.rx, slot);
      check(pkt !== 0, "pkt != 0");
      if (userPacketPool) chan.slotDetachPacket(Ring.rx, slot, pkt);
      const buflet = chan.packetGetNextBuflet(pkt, -1);
      check(buflet >= 0, "buflet != NULL");
      const bdoff = chan.bufletGetDataOffset(pkt, buflet);
      const buf = chan.bufletGetObjectAddress(pkt, buflet) + BigInt(bdoff);
      const pktLen = chan.packetGetDataLength(pkt);
      check(buf === prop.bufPtr, "buf == prop.sp_buf_ptr");
      check(pktLen === prop.len, "pkt_len == prop.sp_len");
      check(pktLen <= frameLength, "pkt_len <= frame_length");
      const packetNumber = this.#processFrame(pkt, pktLen);
      if (this.#debug) this.log.debug(`\nPort ${this.port.port} received ${pktLen} bytes:`);
      lastSlot = slot;
      if (this.receiveIndex !== packetNumber) {
        const dropped = this.#sequenceGap(packetNumber, errorsOk);
        this.gapsTotal += dropped;
        if (packetNumber > this.receiveIndex) this.gapRanges.push([this.receiveIndex, dropped]);
        if (this.#debug) {
          this.log.debug(
            `child ${this.child} dropped ${dropped} (received #${packetNumber}, expected #${this.receiveIndex})`,
          );
        }
        this.receiveIndex = packetNumber;
      }
      if (userPacketPool) chan.packetFree(pkt);
      this.lastReceived = packetNumber;
      this.receiveCount++;
      this.receiveIndex++;
      if (this.receiveIndex === limit) break;
    }
    if (lastSlot >= 0) {
      chan.advanceSlot(Ring.rx, lastSlot);
      chan.sync(SyncMode.rx);
    }
  }

  /** The order check: frames missing before this one (a backwards one fails the test). */
  #sequenceGap(packetNumber: number, errorsOk: boolean): number {
    try {
      return sequenceGap(packetNumber, this.receiveIndex, errorsOk);
    } catch (e) {
      if (!(e instanceof FrameCheckError)) throw e;
      throw this.#refused(e, ` carrying packet number ${packetNumber}`);
    }
  }

  #refused(e: FrameCheckError, carried: string): TestFailure {
    return new TestFailure(
      `frame #${this.receiveCount} received by child ${this.child} (expected packet #${this.receiveIndex}${carried}) ` +
        `failed the ${e.check} check: ${e.message}`,
    );
  }

  /** skt_netif_ipv6_udp_frame_process, returning the payload's packet number. */
  #processFrame(pkt: number, pktLen: number): number {
    const { chan } = this.port;
    check(chan.packetGetBufletCount(pkt) === 1, "os_packet_get_buflet_count(ph) == 1");
    const buflet = chan.packetGetNextBuflet(pkt, -1);
    check(buflet >= 0, "buflet != NULL");
    const offset = chan.bufletGetDataOffset(pkt, buflet);
    const linkHeaderLength = chan.packetGetLinkHeaderLength(pkt);
    chan.bufletRead(pkt, buflet, offset, this.#frame.bytes, pktLen);
    try {
      processFrame(this.#frame, pktLen, linkHeaderLength, PAYLOAD_LEN);
    } catch (e) {
      if (!(e instanceof FrameCheckError)) throw e;
      const carried = pktLen >= HDR_LEN + 4
        ? ` carrying packet number ${framePacketNumber(this.#frame)}`
        : "";
      throw this.#refused(e, carried);
    }
    return framePacketNumber(this.#frame);
  }
}
