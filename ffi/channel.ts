/**
 * A channel and its rings, slots, packets and buflets: the per-packet SPI, disposable.
 * Over 300 lines: one wrapper per shim call of a channel, which belong together.
 */
import type { ChannelPointer, ShimCore } from "./status.ts";
import { errno } from "./errors.ts";
import type { ShimSymbols } from "./symbols.ts";
import { INTERFACE_ADVISORY_SIZE, PACKET_ID_SIZE, type Ring } from "./constants.ts";

/** skt_channel_event_get_event_data's output: type, more, length, pad, 40 data bytes. */
const EVENT_DATA_OUT_SIZE = 56;

/**
 * C writes or reads `need` bytes of a JS buffer: a shorter one would be memory
 * corruption, not an error, so it is refused here (one comparison, no allocation).
 */
function fits(bytes: Uint8Array, need: number, what: string): void {
  if (need > bytes.length || need < 0) {
    throw new RangeError(`${what}: ${need} bytes do not fit a buffer of ${bytes.length}`);
  }
}

/** The io words of the fused calls (SKT_IO_WORDS) and where their inputs live. */
export const IO_WORDS = 48;
export const IO_PROP = 16;
export const IO_PKTID = 32;
export const IO_FREE_RC = 13;
export const IO_UPP = 36;
export const IO_END = 37;

function fitsIo(io: Int32Array): void {
  if (io.length < IO_WORDS) throw new RangeError(`fused call io: ${io.length} words < ${IO_WORDS}`);
}

/**
 * slot_prop_t as TypeScript reads it, over one reusable 64-byte buffer. sp_idx
 * is not exposed: libsyscall leaves it untouched on a user-packet-pool TX ring.
 */
export class SlotProp {
  readonly #view: DataView;
  /** over `bytes` (64 of them, 8-aligned): its own, or the io words of the fused calls */
  constructor(readonly bytes: Uint8Array = new Uint8Array(64)) {
    fits(bytes, 64, "slot_prop_t");
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, 64);
  }
  get len(): number {
    return this.#view.getUint16(2, true);
  }
  set len(value: number) {
    this.#view.setUint16(2, value, true);
  }
  get bufPtr(): bigint {
    return this.#view.getBigUint64(16, true);
  }
  /** sp_buf_ptr as a number (exact: addresses are below 2^53), without a bigint */
  get bufAddr(): number {
    return this.#view.getUint32(20, true) * 4294967296 + this.#view.getUint32(16, true);
  }
}

/** An open channel (os_channel_create_extended) with its first TX and RX rings. */
export class Channel implements Disposable {
  #ptr: ChannelPointer | null;
  readonly #s: ShimSymbols;
  readonly #eventOut = new Uint32Array(3);
  readonly #u64View = new BigUint64Array(1);
  readonly #u64 = new Uint8Array(this.#u64View.buffer);
  /** the buffer the pool is aliased into: kept alive until the alias is undone at close */
  #poolHost: ArrayBufferLike | null = null;

  constructor(readonly shim: ShimCore, ptr: ChannelPointer, readonly attrs: BigInt64Array) {
    this.#ptr = ptr;
    this.#s = shim.symbols;
  }

  get fd(): number {
    return this.shim.check(this.#s.skt_channel_get_fd(this.#ptr), "os_channel_get_fd");
  }
  attr(key: number): bigint {
    return this.attrs[key];
  }

  sync(mode: number): void {
    const rc = this.#s.skt_channel_sync(this.#ptr, mode);
    if (rc < 0) this.shim.check(rc, "os_channel_sync");
  }

  // --- slots ---
  // A slot is an opaque token (a non-negative int32) naming a slot descriptor
  // that getNextSlot returned since the last advance; it is not a ring index.
  /** Next slot token after prev (-1: from the head), or -1; fills prop when given. */
  getNextSlot(ring: Ring, prev: number, prop: SlotProp | null): number {
    const rc = this.#s.skt_ring_get_next_slot(this.#ptr, ring, prev, prop ? prop.bytes : null);
    return rc >= 0 ? rc : rc === -1 ? -1 : this.shim.check(rc, "os_channel_get_next_slot");
  }
  advanceSlot(ring: Ring, slot: number): void {
    const rc = this.#s.skt_ring_advance_slot(this.#ptr, ring, slot);
    if (rc < 0) this.shim.check(rc, "os_channel_advance_slot");
  }
  setSlotProperties(ring: Ring, slot: number, prop: SlotProp): void {
    this.shim.check(
      this.#s.skt_ring_set_slot_properties(this.#ptr, ring, slot, prop.bytes),
      "os_channel_set_slot_properties",
    );
  }
  slotGetPacket(ring: Ring, slot: number): number {
    return this.shim.check(
      this.#s.skt_ring_slot_get_packet(this.#ptr, ring, slot),
      "os_channel_slot_get_packet",
    );
  }
  slotAttachPacket(ring: Ring, slot: number, pkt: number): void {
    const rc = this.#s.skt_ring_slot_attach_packet(this.#ptr, ring, slot, pkt);
    if (rc < 0) this.shim.check(rc, "os_channel_slot_attach_packet");
  }
  slotDetachPacket(ring: Ring, slot: number, pkt: number): void {
    const rc = this.#s.skt_ring_slot_detach_packet(this.#ptr, ring, slot, pkt);
    if (rc < 0) this.shim.check(rc, "os_channel_slot_detach_packet");
  }
  /** os_channel_available_slot_count: free TX slots (one stays empty) or filled RX slots. */
  availableSlots(ring: Ring): number {
    return this.shim.check(
      this.#s.skt_ring_available_slots(this.#ptr, ring),
      "os_channel_available_slot_count",
    );
  }

  // --- user packet pool ---
  packetAlloc(): number {
    const rc = this.#s.skt_packet_alloc(this.#ptr);
    return rc > 0 ? rc : this.shim.check(rc, "os_channel_packet_alloc");
  }
  packetFree(pkt: number): void {
    const rc = this.#s.skt_packet_free(this.#ptr, pkt);
    if (rc < 0) this.shim.check(rc, "os_channel_packet_free");
  }

  // --- packets ---
  packetGetNextBuflet(pkt: number, prev: number): number {
    const rc = this.#s.skt_packet_get_next_buflet(this.#ptr, pkt, prev);
    return rc >= -1 ? rc : this.shim.check(rc, "os_packet_get_next_buflet");
  }
  packetGetBufletCount(pkt: number): number {
    return this.#checked(
      this.#s.skt_packet_get_buflet_count(this.#ptr, pkt),
      "os_packet_get_buflet_count",
    );
  }
  packetSetLinkHeaderLength(pkt: number, len: number): void {
    this.#checked(
      this.#s.skt_packet_set_link_header_length(this.#ptr, pkt, len),
      "os_packet_set_link_header_length",
    );
  }
  packetGetLinkHeaderLength(pkt: number): number {
    return this.#checked(
      this.#s.skt_packet_get_link_header_length(this.#ptr, pkt),
      "os_packet_get_link_header_length",
    );
  }
  packetGetDataLength(pkt: number): number {
    return this.#checked(
      this.#s.skt_packet_get_data_length(this.#ptr, pkt),
      "os_packet_get_data_length",
    );
  }
  packetSetPacketId(pkt: number, id16: Uint8Array): void {
    fits(id16, PACKET_ID_SIZE, "packet id");
    this.#checked(this.#s.skt_packet_set_packetid(this.#ptr, pkt, id16), "os_packet_set_packetid");
  }
  packetGetPacketId(pkt: number, id16: Uint8Array): void {
    fits(id16, PACKET_ID_SIZE, "packet id");
    this.#checked(this.#s.skt_packet_get_packetid(this.#ptr, pkt, id16), "os_packet_get_packetid");
  }
  packetSetExpireTime(pkt: number, machTime: bigint): void {
    this.#checked(
      this.#s.skt_packet_set_expire_time(this.#ptr, pkt, machTime),
      "os_packet_set_expire_time",
    );
  }
  /** os_packet_get_expire_time: the packet's expire time, or null when it carries none. */
  packetGetExpireTime(pkt: number): bigint | null {
    const rc = this.#s.skt_packet_get_expire_time(this.#ptr, pkt, this.#u64);
    if (rc === -errno("ENOENT")) return null;
    this.#checked(rc, "os_packet_get_expire_time");
    return this.#u64View[0];
  }
  packetSetExpiryAction(pkt: number, action: number): void {
    this.#checked(
      this.#s.skt_packet_set_expiry_action(this.#ptr, pkt, action),
      "os_packet_set_expiry_action",
    );
  }
  packetFinalize(pkt: number): void {
    this.#checked(this.#s.skt_packet_finalize(this.#ptr, pkt), "os_packet_finalize");
  }

  // --- buflets ---
  bufletSetDataOffset(pkt: number, b: number, off: number): void {
    this.#checked(
      this.#s.skt_buflet_set_data_offset(this.#ptr, pkt, b, off),
      "os_buflet_set_data_offset",
    );
  }
  bufletGetDataOffset(pkt: number, b: number): number {
    return this.#checked(
      this.#s.skt_buflet_get_data_offset(this.#ptr, pkt, b),
      "os_buflet_get_data_offset",
    );
  }
  bufletSetDataLength(pkt: number, b: number, len: number): void {
    this.#checked(
      this.#s.skt_buflet_set_data_length(this.#ptr, pkt, b, len),
      "os_buflet_set_data_length",
    );
  }
  bufletGetDataLength(pkt: number, b: number): number {
    return this.#checked(
      this.#s.skt_buflet_get_data_length(this.#ptr, pkt, b),
      "os_buflet_get_data_length",
    );
  }
  bufletGetDataLimit(pkt: number, b: number): number {
    return this.#checked(
      this.#s.skt_buflet_get_data_limit(this.#ptr, pkt, b),
      "os_buflet_get_data_limit",
    );
  }
  /** The buffer's address in this process (0n if the handle is bad). */
  bufletGetObjectAddress(pkt: number, b: number): bigint {
    return this.#s.skt_buflet_get_object_address(this.#ptr, pkt, b);
  }
  /** Copies bytes[0, len) into the buflet's object at off. */
  bufletWrite(pkt: number, b: number, off: number, bytes: Uint8Array, len: number): void {
    fits(bytes, len, "buflet write source");
    this.#checked(this.#s.skt_buflet_write(this.#ptr, pkt, b, off, bytes, len), "buflet write");
  }
  /** Copies len bytes of the buflet's object at off into bytes. */
  bufletRead(pkt: number, b: number, off: number, bytes: Uint8Array, len: number): void {
    fits(bytes, len, "buflet read destination");
    this.#checked(this.#s.skt_buflet_read(this.#ptr, pkt, b, off, bytes, len), "buflet read");
  }

  // --- the packet pool's memory and the fused calls (ffi/shim/common/fused.c) ---
  /** Fills out[0] with the address of the mapping holding the packet buffers, out[1] its size. */
  getPool(out: BigUint64Array): void {
    fits(new Uint8Array(out.buffer, out.byteOffset, out.byteLength), 16, "pool");
    this.shim.check(this.#s.skt_channel_get_pool(this.#ptr, out), "skt_channel_get_pool");
  }
  /**
   * Maps the pool a second time at host[off, off + size) (page-aligned): 0, or -errno
   * (ENOTSUP where the platform cannot). The channel keeps host alive until it closes,
   * and undoes the mapping first.
   */
  aliasPool(host: ArrayBufferLike, off: number, size: number): number {
    if (off + size > host.byteLength) throw new RangeError("pool alias outside its host buffer");
    const rc = this.#s.skt_channel_alias_pool(this.#ptr, host, off, size);
    if (rc === 0) this.#poolHost = host;
    return rc;
  }
  /** skt_tx_begin: values in io, returns how many; see ffi/shim/skt_shim.h. */
  txBegin(prev: number, io: Int32Array): number {
    fitsIo(io);
    return this.#s.skt_tx_begin(this.#ptr, prev, io);
  }
  /**
   * skt_tx_end: phases 1 (header length, data length, packet id), 2 (finalize, attach), 3;
   * | 4: then skt_tx_begin after this slot (returns 5 + its count).
   */
  txEnd(
    slot: number,
    pkt: number,
    buflet: number,
    l2len: number,
    frameLen: number,
    phases: number,
    io: Int32Array,
  ): number {
    fitsIo(io);
    return this.#s.skt_tx_end(this.#ptr, slot, pkt, buflet, l2len, frameLen, phases, io);
  }
  /** skt_rx_next: frees freePkt (0: none) first, then the run of the next RX slot. */
  rxNext(prev: number, freePkt: number, frameMax: number, io: Int32Array): number {
    fitsIo(io);
    return this.#s.skt_rx_next(this.#ptr, prev, freePkt, frameMax, io);
  }

  // --- interface advisory and channel events ---
  configureInterfaceAdvisory(enable: boolean): void {
    this.shim.check(
      this.#s.skt_channel_configure_interface_advisory(this.#ptr, enable ? 1 : 0),
      "os_channel_configure_interface_advisory",
    );
  }
  /** Returns 0, or -errno (EAGAIN on a torn read) without throwing: callers retry. */
  getInterfaceAdvisory(out96: Uint8Array): number {
    fits(out96, INTERFACE_ADVISORY_SIZE, "interface advisory");
    return this.#s.skt_channel_get_interface_advisory(this.#ptr, out96);
  }
  /** Pops the next event packet (SpiError ENODATA when the ring is empty). */
  getNextEventHandle(): { handle: number; type: number; nevents: number } {
    this.#checked(
      this.#s.skt_channel_get_next_event_handle(this.#ptr, this.#eventOut),
      "os_channel_get_next_event_handle",
    );
    return { handle: this.#eventOut[0], type: this.#eventOut[1], nevents: this.#eventOut[2] };
  }
  /** The event after prev (-1: first), or -errno (ENODATA when there is none). */
  eventGetNextEvent(handle: number, prev: number): number {
    return this.#s.skt_channel_event_get_next_event(this.#ptr, handle, prev);
  }
  /** Fills out (56 B): u32 type, u32 more, u32 length, pad, data[40]. */
  eventGetEventData(handle: number, event: number, out: Uint8Array): void {
    fits(out, EVENT_DATA_OUT_SIZE, "event data");
    this.#checked(
      this.#s.skt_channel_event_get_event_data(this.#ptr, handle, event, out),
      "os_channel_event_get_event_data",
    );
  }
  eventFree(handle: number): void {
    this.#checked(this.#s.skt_channel_event_free(this.#ptr, handle), "os_channel_event_free");
  }

  #checked(rc: number, op: string): number {
    return rc >= 0 ? rc : this.shim.check(rc, op);
  }

  close(): void {
    if (this.#ptr === null) return;
    this.#s.skt_channel_destroy(this.#ptr); // undoes the pool's alias first
    this.#ptr = null;
    this.#poolHost = null;
  }
  [Symbol.dispose](): void {
    this.close();
  }
}
