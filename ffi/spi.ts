/**
 * Typed, disposable wrappers over the shim: the Skywalk SPI as TypeScript sees it.
 *
 * Methods keep the SPI's names and meaning. Failures become SpiError (the SPI's
 * errno); "nothing there" answers (no next slot, no packet) are -1 / 0 as in C.
 * Per-packet methods only pass numbers and reusable buffers across FFI.
 */
import { type BackendName, loadShim } from "./loader.ts";
import type { ShimSymbols } from "./symbols.ts";
import { SpiError } from "./errors.ts";
import { ChannelAttr, IfStat, Ring } from "./constants.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A NUL-terminated copy of a string, for `const char *` parameters. */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length * 3 + 1);
  const { written } = encoder.encodeInto(text, bytes);
  return bytes.subarray(0, written + 1);
}

function readCString(bytes: Uint8Array, length: number): string {
  return decoder.decode(bytes.subarray(0, Math.max(0, Math.min(length, bytes.length - 1))));
}

/** The loaded shim of one backend, with the calls that are not per channel. */
export class Shim {
  readonly backend: string;
  readonly #errBuf = new Uint8Array(256);

  constructor(readonly symbols: ShimSymbols) {
    const name = new Uint8Array(32);
    this.backend = readCString(name, symbols.skt_backend_name(name, name.length));
  }

  static load(backend: BackendName): Shim {
    return new Shim(loadShim(backend));
  }

  /** The shim's message for this thread's last failure. */
  lastError(): string {
    return readCString(
      this.#errBuf,
      this.symbols.skt_last_error(this.#errBuf, this.#errBuf.length),
    );
  }

  /** Throws SpiError when rc < 0, otherwise returns rc. */
  check(rc: number, op: string): number {
    if (rc < 0) throw new SpiError(op, -rc, this.lastError());
    return rc;
  }

  // --- environment ---
  envCreate(path: string): void {
    this.check(this.symbols.skt_env_create(cString(path)), `create sim domain ${path}`);
  }
  envAttach(path: string): void {
    this.check(this.symbols.skt_env_attach(cString(path)), `attach sim domain ${path}`);
  }
  envDetach(): void {
    this.check(this.symbols.skt_env_detach(), "detach sim domain");
  }
  envDestroy(path: string): void {
    this.check(this.symbols.skt_env_destroy(cString(path)), `destroy sim domain ${path}`);
  }

  // --- sysctl ---
  #sysctl(name: string, old: Uint8Array | null, value: Uint8Array | null): number {
    const oldLen = new Uint32Array([old ? old.length : 0]);
    this.check(
      this.symbols.skt_sysctlbyname(
        cString(name),
        old,
        old ? oldLen : null,
        value,
        value ? value.length : 0,
      ),
      `sysctl ${name}`,
    );
    return oldLen[0];
  }
  sysctlGetInt(name: string): number {
    const out = new Int32Array(1);
    this.#sysctl(name, new Uint8Array(out.buffer), null);
    return out[0];
  }
  sysctlSetInt(name: string, value: number): void {
    this.#sysctl(name, null, new Uint8Array(new Int32Array([value]).buffer));
  }
  sysctlGetU64(name: string): bigint {
    const out = new BigUint64Array(1);
    this.#sysctl(name, new Uint8Array(out.buffer), null);
    return out[0];
  }
  sysctlGetString(name: string): string {
    const out = new Uint8Array(256);
    const length = this.#sysctl(name, out, null);
    const end = out.indexOf(0);
    return decoder.decode(out.subarray(0, end >= 0 && end < length ? end : length));
  }
  sysctlSetString(name: string, value: string): void {
    this.#sysctl(name, null, cString(value));
  }

  // --- interfaces ---
  ifnetCreate(ifname: string): void {
    this.check(this.symbols.skt_ifnet_create(cString(ifname)), `create ${ifname}`);
  }
  ifnetDestroy(ifname: string): void {
    this.check(this.symbols.skt_ifnet_destroy(cString(ifname)), `destroy ${ifname}`);
  }
  ifnetSetUp(ifname: string): void {
    this.check(this.symbols.skt_ifnet_set_up(cString(ifname)), `set ${ifname} up`);
  }
  fethSetPeer(ifname: string, peer: string): void {
    this.check(
      this.symbols.skt_feth_set_peer(cString(ifname), cString(peer)),
      `peer ${ifname} with ${peer}`,
    );
  }
  ifnetLladdr(ifname: string): Uint8Array {
    const mac = new Uint8Array(6);
    this.check(this.symbols.skt_ifnet_get_lladdr(cString(ifname), mac), `get ${ifname} lladdr`);
    return mac;
  }
  ifnetNetifNexus(ifname: string): Uint8Array {
    const uuid = new Uint8Array(16);
    this.check(
      this.symbols.skt_ifnet_get_netif_nexus(cString(ifname), uuid),
      `get ${ifname} netif nexus`,
    );
    return uuid;
  }
  /** The interface's counters (IfStat order); the sim fills them all. */
  ifnetStats(ifname: string): bigint[] {
    const out = new BigUint64Array(IfStat.count);
    const n = this.check(
      this.symbols.skt_ifnet_get_stats(cString(ifname), out, out.length),
      `get ${ifname} stats`,
    );
    return Array.from(out.subarray(0, n));
  }

  // --- time ---
  machAbsoluteTime(): bigint {
    return this.symbols.skt_mach_absolute_time();
  }
  machTimebaseInfo(): { numer: number; denom: number } {
    const out = new Uint32Array(2);
    this.check(this.symbols.skt_mach_timebase_info(out), "mach_timebase_info");
    return { numer: out[0], denom: out[1] };
  }
  usleep(usec: number): void {
    this.symbols.skt_usleep(usec);
  }

  nexusControllerCreate(): NexusController {
    const out = new BigUint64Array(1);
    this.check(this.symbols.skt_nexus_controller_create(out), "os_nexus_controller_create");
    return new NexusController(this, Deno.UnsafePointer.create(out[0]));
  }

  /** Opens a channel; attrs maps CHANNEL_ATTR_* keys to values. */
  channelCreate(nxUuid: Uint8Array, port: number, attrs: Map<number, bigint>): Channel {
    const pairs = new BigInt64Array(attrs.size * 2);
    let i = 0;
    for (const [key, value] of attrs) {
      pairs[i++] = BigInt(key);
      pairs[i++] = value;
    }
    const effective = new BigInt64Array(ChannelAttr.count);
    const out = new BigUint64Array(1);
    this.check(
      this.symbols.skt_channel_create(nxUuid, port, pairs, attrs.size, effective, out),
      `os_channel_create_extended(port ${port})`,
    );
    return new Channel(this, Deno.UnsafePointer.create(out[0]), effective);
  }

  /** A kqueue whose waits return at most maxEvents events. */
  kqueue(maxEvents = 8): KQueue {
    return new KQueue(this, this.check(this.symbols.skt_kqueue(), "kqueue"), maxEvents);
  }
}

/** os_nexus_controller_create's handle. */
export class NexusController implements Disposable {
  #ptr: Deno.PointerValue;
  constructor(readonly shim: Shim, ptr: Deno.PointerValue) {
    this.#ptr = ptr;
  }
  /** __os_nexus_flow_add; returns the nexus port the kernel allocated. */
  flowAdd(
    nxUuid: Uint8Array,
    flags: number,
    ours: Uint8Array | null,
    peer: Uint8Array | null,
  ): number {
    return this.shim.check(
      this.shim.symbols.skt_nexus_flow_add(this.#ptr, nxUuid, flags, ours, peer),
      "__os_nexus_flow_add",
    );
  }
  close(): void {
    if (this.#ptr === null) return;
    this.shim.symbols.skt_nexus_controller_destroy(this.#ptr);
    this.#ptr = null;
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

/** slot_prop_t as TypeScript reads it, over one reusable 64-byte buffer. */
export class SlotProp {
  readonly bytes = new Uint8Array(64);
  readonly #view = new DataView(this.bytes.buffer);
  get len(): number {
    return this.#view.getUint16(2, true);
  }
  set len(value: number) {
    this.#view.setUint16(2, value, true);
  }
  get idx(): number {
    return this.#view.getUint32(4, true);
  }
  get bufPtr(): bigint {
    return this.#view.getBigUint64(16, true);
  }
}

/** An open channel (os_channel_create_extended) with its first TX and RX rings. */
export class Channel implements Disposable {
  #ptr: Deno.PointerValue;
  readonly #s: ShimSymbols;
  readonly #eventOut = new Uint32Array(3);

  constructor(readonly shim: Shim, ptr: Deno.PointerValue, readonly attrs: BigInt64Array) {
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
  /** Next slot after prev (-1: from the head), or -1; fills prop when given. */
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
    this.#checked(this.#s.skt_packet_set_packetid(this.#ptr, pkt, id16), "os_packet_set_packetid");
  }
  packetGetPacketId(pkt: number, id16: Uint8Array): void {
    this.#checked(this.#s.skt_packet_get_packetid(this.#ptr, pkt, id16), "os_packet_get_packetid");
  }
  packetSetExpireTime(pkt: number, machTime: bigint): void {
    this.#checked(
      this.#s.skt_packet_set_expire_time(this.#ptr, pkt, machTime),
      "os_packet_set_expire_time",
    );
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
    this.#checked(this.#s.skt_buflet_write(this.#ptr, pkt, b, off, bytes, len), "buflet write");
  }
  /** Copies len bytes of the buflet's object at off into bytes. */
  bufletRead(pkt: number, b: number, off: number, bytes: Uint8Array, len: number): void {
    this.#checked(this.#s.skt_buflet_read(this.#ptr, pkt, b, off, bytes, len), "buflet read");
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
    this.#s.skt_channel_destroy(this.#ptr);
    this.#ptr = null;
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

/** One kevent record (struct skt_kevent). */
export interface KEvent {
  ident: number;
  filter: number;
  flags: number;
  fflags: number;
  data: bigint;
}

const KEVENT_SIZE = 24;

/** A kqueue of the shim: kevent over channel fds. */
export class KQueue implements Disposable {
  readonly #changes = new Uint8Array(KEVENT_SIZE * 8);
  readonly #changeView = new DataView(this.#changes.buffer);
  readonly #events: Uint8Array;
  readonly #eventView: DataView;
  #kq: number;

  constructor(readonly shim: Shim, kq: number, maxEvents = 8) {
    this.#kq = kq;
    this.#events = new Uint8Array(KEVENT_SIZE * maxEvents);
    this.#eventView = new DataView(this.#events.buffer);
  }

  /** Applies changes (EV_ADD, EV_DELETE...) without waiting. */
  change(changes: readonly Omit<KEvent, "data">[]): void {
    for (const [i, c] of changes.entries()) {
      const o = i * KEVENT_SIZE;
      this.#changeView.setUint32(o, c.ident, true);
      this.#changeView.setInt16(o + 4, c.filter, true);
      this.#changeView.setUint16(o + 6, c.flags, true);
      this.#changeView.setUint32(o + 8, c.fflags, true);
      this.#changeView.setBigInt64(o + 16, 0n, true);
    }
    this.shim.check(
      this.shim.symbols.skt_kevent(this.#kq, this.#changes, changes.length, null, 0, 0n),
      "kevent",
    );
  }

  /** Waits up to timeoutNs (negative: forever); returns how many events are ready. */
  wait(timeoutNs: bigint): number {
    const rc = this.shim.symbols.skt_kevent(
      this.#kq,
      null,
      0,
      this.#events,
      this.#events.length / KEVENT_SIZE,
      timeoutNs,
    );
    return this.shim.check(rc, "kevent");
  }

  /** Event i of the last wait. */
  event(i: number): KEvent {
    const o = i * KEVENT_SIZE;
    const v = this.#eventView;
    return {
      ident: v.getUint32(o, true),
      filter: v.getInt16(o + 4, true),
      flags: v.getUint16(o + 6, true),
      fflags: v.getUint32(o + 8, true),
      data: v.getBigInt64(o + 16, true),
    };
  }

  close(): void {
    if (this.#kq < 0) return;
    this.shim.symbols.skt_kqueue_close(this.#kq);
    this.#kq = -1;
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

export { Ring };
