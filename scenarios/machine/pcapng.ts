/**
 * pcapng (draft-ietf-opsawg-pcapng) for one interface: a Section Header, one
 * Interface Description (Ethernet, nanosecond timestamps, the interface's
 * name) and an Enhanced Packet Block per frame with its direction in
 * epb_flags, so Wireshark shows in and out. Also reads the two inputs skt
 * converts from: the sim's capture records and classic pcap (tcpdump -w).
 */

/** One frame on the wire, as captured. */
export interface WireFrame {
  /** UNIX time in ns */
  ns: bigint;
  direction: "in" | "out";
  data: Uint8Array;
  /** length on the wire (data may be shorter when a snap length cut it) */
  origLen: number;
}

const LINKTYPE_ETHERNET = 1;
const pad4 = (n: number) => (n + 3) & ~3;

/** Writes blocks into one growing buffer, little-endian. */
class BlockWriter {
  private parts: Uint8Array[] = [];

  block(type: number, body: Uint8Array): void {
    const total = 12 + body.length;
    const b = new Uint8Array(total);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, total, true);
    b.set(body, 8);
    v.setUint32(total - 4, total, true);
    this.parts.push(b);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

/** Options list: (code, value) pairs padded to 4, then opt_endofopt. */
function options(opts: [number, Uint8Array][]): Uint8Array {
  const len = opts.reduce((n, [, v]) => n + 4 + pad4(v.length), 0) + 4;
  const b = new Uint8Array(len);
  const view = new DataView(b.buffer);
  let off = 0;
  for (const [code, value] of opts) {
    view.setUint16(off, code, true);
    view.setUint16(off + 2, value.length, true);
    b.set(value, off + 4);
    off += 4 + pad4(value.length);
  }
  return b; // the last 4 bytes stay 0: opt_endofopt
}

const text = (s: string) => new TextEncoder().encode(s);

/** A pcapng file of one interface's frames, in the order given. */
export function toPcapng(ifname: string, frames: readonly WireFrame[]): Uint8Array {
  const w = new BlockWriter();
  // Section Header Block: byte-order magic, version 1.0, section length unknown (-1)
  const shbOpts = options([[4, text("skt")]]); // shb_userappl
  const shb = new Uint8Array(16 + shbOpts.length);
  const sv = new DataView(shb.buffer);
  sv.setUint32(0, 0x1a2b3c4d, true);
  sv.setUint16(4, 1, true);
  sv.setUint16(6, 0, true);
  sv.setBigInt64(8, -1n, true);
  shb.set(shbOpts, 16);
  w.block(0x0a0d0d0a, shb);
  // Interface Description Block: Ethernet, no snap limit, if_name, if_tsresol = 10^-9
  const idbOpts = options([[2, text(ifname)], [9, new Uint8Array([9])]]);
  const idb = new Uint8Array(8 + idbOpts.length);
  const iv = new DataView(idb.buffer);
  iv.setUint16(0, LINKTYPE_ETHERNET, true);
  iv.setUint32(4, 0, true);
  idb.set(idbOpts, 8);
  w.block(1, idb);
  for (const f of frames) {
    // epb_flags bits 0-1: 01 inbound, 10 outbound
    const flags = new Uint8Array(4);
    new DataView(flags.buffer).setUint32(0, f.direction === "in" ? 1 : 2, true);
    const epbOpts = options([[2, flags]]);
    const epb = new Uint8Array(20 + pad4(f.data.length) + epbOpts.length);
    const ev = new DataView(epb.buffer);
    ev.setUint32(0, 0, true); // interface 0
    ev.setUint32(4, Number(f.ns >> 32n), true);
    ev.setUint32(8, Number(f.ns & 0xffffffffn), true);
    ev.setUint32(12, f.data.length, true);
    ev.setUint32(16, f.origLen, true);
    epb.set(f.data, 20);
    epb.set(epbOpts, 20 + pad4(f.data.length));
    w.block(6, epb);
  }
  return w.bytes();
}

/**
 * The sim's capture records (ffi/shim/sim/capture.c): u64 ns, u32 captured
 * length, u32 frame length, the bytes; host byte order (little-endian on
 * every platform the sim runs on).
 */
export function parseSimCapture(bytes: Uint8Array, direction: "in" | "out"): WireFrame[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: WireFrame[] = [];
  let off = 0;
  while (off + 16 <= bytes.length) {
    const ns = v.getBigUint64(off, true);
    const len = v.getUint32(off + 8, true);
    const orig = v.getUint32(off + 12, true);
    if (off + 16 + len > bytes.length) throw new Error("a capture record runs past its file");
    frames.push({ ns, direction, data: bytes.slice(off + 16, off + 16 + len), origLen: orig });
    off += 16 + len;
  }
  if (off !== bytes.length) throw new Error("a capture file ends inside a record header");
  return frames;
}

/** Classic pcap (microsecond or nanosecond magic, either byte order), Ethernet only. */
export function parsePcap(bytes: Uint8Array, direction: "in" | "out"): WireFrame[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24) throw new Error("not a pcap file: shorter than its header");
  const magic = v.getUint32(0, true);
  const known: Record<number, [boolean, bigint]> = {
    0xa1b2c3d4: [true, 1000n],
    0xa1b23c4d: [true, 1n],
    0xd4c3b2a1: [false, 1000n],
    0x4d3cb2a1: [false, 1n],
  };
  if (!(magic in known)) throw new Error("not a pcap file: unknown magic");
  const [le, unit] = known[magic];
  if (v.getUint32(20, le) !== LINKTYPE_ETHERNET) throw new Error("not an Ethernet capture");
  const frames: WireFrame[] = [];
  let off = 24;
  while (off + 16 <= bytes.length) {
    const sec = BigInt(v.getUint32(off, le)), frac = BigInt(v.getUint32(off + 4, le));
    const incl = v.getUint32(off + 8, le), orig = v.getUint32(off + 12, le);
    if (off + 16 + incl > bytes.length) break; // tcpdump stopped mid-record
    frames.push({
      ns: sec * 1_000_000_000n + frac * unit,
      direction,
      data: bytes.slice(off + 16, off + 16 + incl),
      origLen: orig,
    });
    off += 16 + incl;
  }
  return frames;
}

/** Both directions of one interface, in time order (stable for equal times). */
export function mergeByTime(...lists: WireFrame[][]): WireFrame[] {
  return lists.flat().map((f, i) => [f, i] as const)
    .sort((a, b) => a[0].ns < b[0].ns ? -1 : a[0].ns > b[0].ns ? 1 : a[1] - b[1])
    .map(([f]) => f);
}
