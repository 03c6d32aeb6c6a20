/** The receiving half of the port: skt_netif_channel_receive and its frame process. */
import { SlotProp } from "../../ffi/spi.ts";
import { IO_FREE_RC, IO_PROP, IO_UPP, IO_WORDS } from "../../ffi/channel.ts";
import { Ring, SyncMode } from "../../ffi/constants.ts";
import { check, TestFailure } from "./assert.ts";
import {
  FRAME_LEN,
  FrameCheckError,
  framePacketNumber,
  HDR_LEN,
  PAYLOAD_LEN,
  processFrame,
  sequenceGap,
} from "./frame.ts";
import type { ChannelPort, Log } from "./defs.ts";
import { type PoolMemory, poolMemory } from "./pool_memory.ts";

/** skt_netif_channel_receive and skt_netif_ipv6_udp_frame_process, over one channel. */
export class Receiver {
  receiveCount = 0;
  receiveIndex = 0;
  /** sum of every call's *pkts_dropped (upstream resets it per call and never reads it) */
  gapsTotal = 0;
  /** skt: each forward gap as [first missing packet number, count] */
  readonly gapRanges: [number, number][] = [];
  lastReceived = -1;
  /** the fused calls' values (ffi/shim/skt_shim.h), slot_prop_t at IO_PROP */
  readonly #io = new Int32Array(IO_WORDS);
  readonly #prop = new SlotProp(new Uint8Array(this.#io.buffer, IO_PROP * 4, 64));
  readonly #pool: PoolMemory;
  readonly #debug: boolean;

  constructor(readonly port: ChannelPort, readonly child: number, readonly log: Log) {
    this.#debug = log.debugEnabled ?? true;
    this.#pool = poolMemory(port.chan);
    this.#io[IO_UPP] = port.userPacketPool ? 1 : 0;
  }

  receive(limit: number, errorsOk: boolean): void {
    const { chan, userPacketPool } = this.port;
    const io = this.#io;
    const prop = this.#prop;
    const frameLength = FRAME_LEN;
    check(this.receiveIndex < limit, "*receive_index < limit");
    let lastSlot = -1;
    /** the frame before, freed by the next skt_rx_next before it looks at the next slot */
    let toFree = 0;
    while (true) {
      // receive lines 441-466 and frame_process 265-271 in one call (after line 503's
      // packet free of the frame before), stopping after the first value refused below
      const n = chan.rxNext(lastSlot, toFree, frameLength, io);
      if (toFree !== 0) this.#ok(io[IO_FREE_RC], "os_channel_packet_free");
      toFree = 0;
      const slot = io[0];
      if (slot < -1) this.#failed(slot, "os_channel_get_next_slot");
      if (slot < 0) break;
      check(prop.bufAddr !== 0, "prop.sp_buf_ptr != 0");
      if (io[1] < 0) this.#failed(io[1], "os_channel_slot_get_packet");
      const pkt = io[1];
      check(pkt !== 0, "pkt != 0");
      if (userPacketPool) this.#ok(io[2], "os_channel_slot_detach_packet");
      if (io[3] < -1) this.#failed(io[3], "os_packet_get_next_buflet");
      check(io[3] >= 0, "buflet != NULL");
      if (io[4] < 0) this.#failed(io[4], "os_buflet_get_data_offset");
      const bdoff = io[4];
      const buf = (io[6] >>> 0) * 4294967296 + (io[5] >>> 0) + bdoff;
      if (io[7] < 0) this.#failed(io[7], "os_packet_get_data_length");
      const pktLen = io[7];
      check(buf === prop.bufAddr, "buf == prop.sp_buf_ptr");
      check(pktLen === prop.len, "pkt_len == prop.sp_len");
      check(pktLen <= frameLength, "pkt_len <= frame_length");
      const packetNumber = this.#processFrame(n, pktLen);
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
      this.lastReceived = packetNumber;
      this.receiveCount++;
      this.receiveIndex++;
      if (this.receiveIndex === limit) {
        if (userPacketPool) chan.packetFree(pkt);
        break;
      }
      if (userPacketPool) toFree = pkt;
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

  /**
   * skt_netif_ipv6_udp_frame_process on the values skt_rx_next returned and the frame
   * where it lies in the pool, returning the payload's packet number.
   */
  #processFrame(n: number, pktLen: number): number {
    const io = this.#io;
    if (io[8] < 0) this.#failed(io[8], "os_packet_get_buflet_count");
    check(io[8] === 1, "os_packet_get_buflet_count(ph) == 1");
    if (io[9] < -1) this.#failed(io[9], "os_packet_get_next_buflet");
    check(io[9] >= 0, "buflet != NULL");
    if (io[10] < 0) this.#failed(io[10], "os_buflet_get_data_offset");
    if (io[11] < 0) this.#failed(io[11], "os_packet_get_link_header_length");
    if (n !== 12) throw new Error(`fused call stopped after ${n} of 12 values, none refused`);
    const pool = this.#pool;
    const at = pool.offsetOf(io[5], io[6], io[10] + pktLen);
    if (at < 0) throw new Error(`packet ${io[1]}: its frame lies outside the channel's pool`);
    const frameAt = at + io[10];
    try {
      processFrame(pool, pktLen, io[11], PAYLOAD_LEN, frameAt);
    } catch (e) {
      if (!(e instanceof FrameCheckError)) throw e;
      const carried = pktLen >= HDR_LEN + 4
        ? ` carrying packet number ${framePacketNumber(pool, frameAt)}`
        : "";
      throw this.#refused(e, carried);
    }
    return framePacketNumber(pool, frameAt);
  }

  /** An SPI error (a negative result): thrown as the SpiError of the call that failed. */
  #failed(rc: number, op: string): never {
    this.port.chan.shim.check(rc, op);
    throw new Error(`${op}: failed with ${rc}`);
  }

  /** SKTC_ASSERT_ERR(error == 0) for a result of a fused call */
  #ok(rc: number, op: string): void {
    if (rc !== 0) this.#failed(rc < 0 ? rc : -rc, op);
  }
}
