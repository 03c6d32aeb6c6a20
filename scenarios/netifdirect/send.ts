/** The sending half of the port: skt_netif_channel_send and its frame populate. */
import { SlotProp } from "../../ffi/spi.ts";
import { PKTID_VERSION_CURRENT, Ring, SyncMode } from "../../ffi/constants.ts";
import { check } from "./assert.ts";
import { FrameBuilder } from "./frame.ts";
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
  readonly #prop = new SlotProp();
  readonly #pktid = new Uint8Array(16);
  readonly #pktidView = new DataView(this.#pktid.buffer);
  readonly #debug: boolean;

  constructor(
    readonly port: ChannelPort,
    endpoints: ConstructorParameters<typeof FrameBuilder>[0],
    readonly log: Log,
  ) {
    this.#debug = log.debugEnabled ?? true;
    this.#builder = new FrameBuilder(endpoints);
    // packet_id_t {version, payload type, seq, timestamp, stream, reserved}
    this.#pktid[0] = PKTID_VERSION_CURRENT;
    this.#pktid[1] = NETIF_PKTID_PAYLOAD_TYPE;
    this.#pktidView.setUint32(8, NETIF_PKTID_STREAM_ID, true);
  }

  send(limit: number, prehook: ((pkt: number) => void) | null): void {
    const { chan, userPacketPool } = this.port;
    const prop = this.#prop;
    check(this.packetNumber < limit, "payload->packet_number < limit");
    let lastSlot = -1;
    while (true) {
      // grab a slot and populate it
      const slot = chan.getNextSlot(Ring.tx, lastSlot, prop);
      if (slot < 0) {
        if (this.#debug && this.packetNumber < limit) {
          this.log.debug(`TX didn't complete batch (${this.packetNumber} < ${limit})`);
        }
        break;
      }
      let pkt: number;
      if (userPacketPool) {
        check(prop.bufPtr === 0n, "prop.sp_buf_ptr == 0");
        check(prop.len === 0, "prop.sp_len == 0");
        pkt = chan.packetAlloc();
      } else {
        check(prop.bufPtr !== 0n, "prop.sp_buf_ptr != 0");
        check(prop.len !== 0, "prop.sp_len != 0");
        pkt = chan.slotGetPacket(Ring.tx, slot);
      }
      check(pkt !== 0, "pkt != 0");
      const buflet = chan.packetGetNextBuflet(pkt, -1);
      check(buflet >= 0, "buflet != NULL");
      const buf = chan.bufletGetObjectAddress(pkt, buflet) +
        BigInt(chan.bufletGetDataOffset(pkt, buflet));
      check(buf !== 0n, "buf != NULL");
      const bufLen = chan.bufletGetDataLimit(pkt, buflet);
      check(bufLen !== 0, "buf_len != 0");
      if (!userPacketPool) {
        check(buf === prop.bufPtr, "buf == prop.sp_buf_ptr");
        check(bufLen === prop.len, "buf_len == prop.sp_len");
      }
      const frameLength = this.#populate(pkt);
      const seq = this.packetNumber;
      // pktid_sequence_number is 16 bits wide: upstream truncates, so do we
      this.#pktidView.setUint16(2, seq & 0xffff, true);
      this.#pktidView.setUint32(4, seq & 0xffff, true);
      chan.packetSetPacketId(pkt, this.#pktid);
      if (prehook !== null) prehook(pkt);
      chan.packetFinalize(pkt);
      if (this.#debug) {
        this.log.debug(`\nPort ${this.port.port} transmitting ${frameLength} bytes:`);
      }
      check(frameLength !== 0, "frame_length != 0");
      if (userPacketPool) {
        chan.slotAttachPacket(Ring.tx, slot, pkt);
      } else {
        prop.len = frameLength;
        chan.setSlotProperties(Ring.tx, slot, prop);
      }
      lastSlot = slot;
      this.packetNumber++;
      if (this.packetNumber >= limit) break;
    }
    if (lastSlot >= 0) {
      chan.advanceSlot(Ring.tx, lastSlot);
      chan.sync(SyncMode.tx);
    }
  }

  /** skt_netif_ipv6_udp_frame_populate: returns the frame length. */
  #populate(pkt: number): number {
    const { chan } = this.port;
    const buf = chan.packetGetNextBuflet(pkt, -1);
    check(buf >= 0, "buf != NULL");
    chan.bufletSetDataOffset(pkt, buf, 0);
    const bdlim = chan.bufletGetDataLimit(pkt, buf);
    check(bdlim !== 0, "bdlim != 0");
    check(chan.bufletGetObjectAddress(pkt, buf) !== 0n, "baddr != NULL");
    const frameLength = this.#builder.length;
    check(chan.packetGetBufletCount(pkt) === 1, "os_packet_get_buflet_count(ph) == 1");
    check(bdlim >= frameLength, "bdlim >= frame_length");
    chan.packetSetLinkHeaderLength(pkt, 14);
    this.#builder.build(this.packetNumber);
    chan.bufletWrite(pkt, buf, 0, this.#builder.frame.bytes, frameLength);
    chan.bufletSetDataLength(pkt, buf, frameLength);
    return frameLength;
  }
}
