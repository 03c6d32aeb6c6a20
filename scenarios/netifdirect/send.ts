/** The sending half of the port: skt_netif_channel_send and its frame populate. */
import { SlotProp } from "../../ffi/spi.ts";
import { IO_END, IO_PKTID, IO_PROP, IO_UPP, IO_WORDS } from "../../ffi/channel.ts";
import { PKTID_VERSION_CURRENT, Ring, SyncMode } from "../../ffi/constants.ts";
import { check } from "./assert.ts";
import { ETHER_HDR_LEN, FrameBuilder } from "./frame.ts";
import { type PoolMemory, poolMemory } from "./pool_memory.ts";
import {
  type ChannelPort,
  type Log,
  NETIF_PKTID_PAYLOAD_TYPE,
  NETIF_PKTID_STREAM_ID,
} from "./defs.ts";

/** skt_netif_channel_send and skt_netif_ipv6_udp_frame_populate, over one channel. */
export class Sender {
  /** payload.packet_number: the next packet to send */
  packetNumber = 0;
  readonly #builder: FrameBuilder;
  /** the fused calls' values (ffi/shim/skt_shim.h): prop at IO_PROP, packet id at IO_PKTID */
  readonly #io = new Int32Array(IO_WORDS);
  readonly #prop = new SlotProp(new Uint8Array(this.#io.buffer, IO_PROP * 4, 64));
  readonly #pktidView = new DataView(this.#io.buffer, IO_PKTID * 4, 16);
  readonly #pool: PoolMemory;
  readonly #debug: boolean;

  constructor(
    readonly port: ChannelPort,
    endpoints: ConstructorParameters<typeof FrameBuilder>[0],
    readonly log: Log,
  ) {
    this.#debug = log.debugEnabled ?? true;
    this.#builder = new FrameBuilder(endpoints);
    this.#pool = poolMemory(port.chan);
    // packet_id_t {version, payload type, seq, timestamp, stream, reserved}
    this.#pktidView.setUint8(0, PKTID_VERSION_CURRENT);
    this.#pktidView.setUint8(1, NETIF_PKTID_PAYLOAD_TYPE);
    this.#pktidView.setUint32(8, NETIF_PKTID_STREAM_ID, true);
    this.#io[IO_UPP] = port.userPacketPool ? 1 : 0;
  }

  send(limit: number, prehook: ((pkt: number) => void) | null): void {
    const { chan, userPacketPool } = this.port;
    const io = this.#io;
    const prop = this.#prop;
    check(this.packetNumber < limit, "payload->packet_number < limit");
    let lastSlot = -1;
    // grab a slot and populate it: send lines 317-345 and frame_populate 202-212 in one
    // call, which stops after the first value an assertion below refuses (the next
    // turns' come with the previous frame's skt_tx_end)
    let n = chan.txBegin(lastSlot, io);
    while (true) {
      const slot = io[0];
      if (slot < -1) this.#failed(slot, "os_channel_get_next_slot");
      if (slot < 0) {
        if (this.#debug && this.packetNumber < limit) {
          this.log.debug(`TX didn't complete batch (${this.packetNumber} < ${limit})`);
        }
        break;
      }
      if (userPacketPool) {
        check(prop.bufAddr === 0, "prop.sp_buf_ptr == 0");
        check(prop.len === 0, "prop.sp_len == 0");
        if (io[1] < 0) this.#failed(io[1], "os_channel_packet_alloc");
      } else {
        check(prop.bufAddr !== 0, "prop.sp_buf_ptr != 0");
        check(prop.len !== 0, "prop.sp_len != 0");
        if (io[1] < 0) this.#failed(io[1], "os_channel_slot_get_packet");
      }
      const pkt = io[1];
      check(pkt !== 0, "pkt != 0");
      if (io[2] < -1) this.#failed(io[2], "os_packet_get_next_buflet");
      check(io[2] >= 0, "buflet != NULL");
      if (io[5] < 0) this.#failed(io[5], "os_buflet_get_data_offset");
      const buf = (io[4] >>> 0) * 4294967296 + (io[3] >>> 0) + io[5];
      check(buf !== 0, "buf != NULL");
      if (io[6] < 0) this.#failed(io[6], "os_buflet_get_data_limit");
      const bufLen = io[6];
      check(bufLen !== 0, "buf_len != 0");
      if (!userPacketPool) {
        check(buf === prop.bufAddr, "buf == prop.sp_buf_ptr");
        check(bufLen === prop.len, "buf_len == prop.sp_len");
      }
      const frameLength = this.#populate(n, pkt);
      const seq = this.packetNumber;
      // pktid_sequence_number is 16 bits wide: upstream truncates, so do we
      this.#pktidView.setUint16(2, seq & 0xffff, true);
      this.#pktidView.setUint32(4, seq & 0xffff, true);
      // frame_populate 221 and 248, send 357 (and without a prehook 363-379, and when
      // the loop goes on the next slot's 317-345 + 202-212) in one call
      const buflet = io[7];
      const more = this.packetNumber + 1 < limit ? 4 : 0;
      const end = IO_END;
      let done = chan.txEnd(
        slot,
        pkt,
        buflet,
        ETHER_HDR_LEN,
        frameLength,
        (prehook === null ? 3 : 1) | more,
        io,
      );
      this.#ok(io[end], "os_packet_set_link_header_length");
      this.#ok(io[end + 1], "os_buflet_set_data_length");
      this.#ok(io[end + 2], "os_packet_set_packetid");
      if (prehook !== null) {
        prehook(pkt);
        done = chan.txEnd(slot, pkt, buflet, ETHER_HDR_LEN, frameLength, 2 | more, io);
      }
      this.#ok(io[end + 3], "os_packet_finalize");
      if (this.#debug) {
        this.log.debug(`\nPort ${this.port.port} transmitting ${frameLength} bytes:`);
      }
      check(frameLength !== 0, "frame_length != 0");
      this.#ok(
        io[end + 4],
        userPacketPool ? "os_channel_slot_attach_packet" : "os_channel_set_slot_properties",
      );
      if (done < 5) this.#complete(done, 5);
      n = done - 5; // the next slot's values, when more
      lastSlot = slot;
      this.packetNumber++;
      if (this.packetNumber >= limit) break;
    }
    if (lastSlot >= 0) {
      chan.advanceSlot(Ring.tx, lastSlot);
      chan.sync(SyncMode.tx);
    }
  }

  /**
   * skt_netif_ipv6_udp_frame_populate's checks of the values skt_tx_begin returned,
   * then the frame written where the buflet's object lies: returns the frame length.
   */
  #populate(n: number, pkt: number): number {
    const io = this.#io;
    if (io[7] < -1) this.#failed(io[7], "os_packet_get_next_buflet");
    check(io[7] >= 0, "buf != NULL");
    this.#ok(io[8], "os_buflet_set_data_offset");
    if (io[9] < 0) this.#failed(io[9], "os_buflet_get_data_limit");
    const bdlim = io[9];
    check(bdlim !== 0, "bdlim != 0");
    check(io[10] !== 0 || io[11] !== 0, "baddr != NULL");
    const frameLength = this.#builder.length;
    if (io[12] < 0) this.#failed(io[12], "os_packet_get_buflet_count");
    check(io[12] === 1, "os_packet_get_buflet_count(ph) == 1");
    check(bdlim >= frameLength, "bdlim >= frame_length");
    this.#complete(n, 13);
    const at = this.#pool.offsetOf(io[10], io[11], frameLength);
    if (at < 0) throw new Error(`packet ${pkt}: its buffer lies outside the channel's pool`);
    this.#builder.buildInto(this.#pool, at, this.packetNumber);
    return frameLength;
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

  /** Every value checked: the fused call must have made its whole run. */
  #complete(n: number, want: number): void {
    if (n !== want) {
      throw new Error(`fused call stopped after ${n} of ${want} values, none refused`);
    }
  }
}
