/**
 * The netifdirect frame: Ethernet + IPv6 + UDP + {u32 packet number, 1448-byte pattern}
 * (1514 bytes), its UDP checksum, and the receive-side checks of upstream's
 * skt_netif_ipv6_udp_frame_process.
 *
 * The port builds and checks frames where they live, in the packet pool's memory
 * (pool_memory.ts), addressed by offset; the builder's template and the tests use a
 * FrameBuffer, whose frame starts 2 bytes into a 4-byte aligned ArrayBuffer so that
 * the IPv6 addresses, the UDP header and the payload fall on 4-byte boundaries.
 */

export const ETHER_HDR_LEN = 14;
export const IP6_HDR_LEN = 40;
export const UDP_HDR_LEN = 8;
/** SKT_ETH_IPV6_UDP_HDR_LEN */
export const HDR_LEN = ETHER_HDR_LEN + IP6_HDR_LEN + UDP_HDR_LEN;
/** sizeof(netif_payload): u32 packet_number + data[1514 - 62 - 4] */
export const PAYLOAD_LEN = 1514 - HDR_LEN;
export const PAYLOAD_DATA_LEN = PAYLOAD_LEN - 4;
export const FRAME_LEN = HDR_LEN + PAYLOAD_LEN;
export const ETHERTYPE_IPV6 = 0x86dd;
export const IPPROTO_UDP = 17;
export const IPV6_VERSION = 0x60;
export const IPV6_DEFHLIM = 64;

/** Frame offsets of the fields the checks read. */
const OFF_ETHERTYPE = 12;
const OFF_IP6_PLEN = ETHER_HDR_LEN + 4;
const OFF_IP6_NXT = ETHER_HDR_LEN + 6;
const OFF_IP6_SRC = ETHER_HDR_LEN + 8;
const OFF_IP6_DST = ETHER_HDR_LEN + 24;
const OFF_UDP = ETHER_HDR_LEN + IP6_HDR_LEN;
const OFF_UDP_LEN = OFF_UDP + 4;
const OFF_UDP_SUM = OFF_UDP + 6;
const OFF_PAYLOAD = HDR_LEN;

import { type FrameMemory, jsWordSum } from "./word_sum.ts";
export { type FrameMemory, jsWordSum };

const PAD = 2;

/** A 2048-byte frame buffer, laid out for word-wise checksums. */
export class FrameBuffer implements FrameMemory {
  /** The buffer as 32-bit words (signed: the checksum splits them into 16-bit halves). */
  readonly words: Int32Array<ArrayBuffer>;
  /** The frame's bytes. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly view: DataView<ArrayBuffer>;
  readonly wordSum: (off: number, len: number) => number;

  constructor(capacity = 2048) {
    const buffer = new ArrayBuffer(capacity + 4);
    this.words = new Int32Array(buffer);
    this.bytes = new Uint8Array(buffer, PAD, capacity);
    this.view = new DataView(buffer, PAD, capacity);
    this.wordSum = jsWordSum(this.bytes);
  }
}

/** Folds a sum of LE 16-bit words to the 16-bit one's complement sum in network order. */
function foldToNetworkOrder(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ((sum & 0xff) << 8) | (sum >>> 8);
}

function add16(a: number, b: number): number {
  const s = a + b;
  return (s & 0xffff) + (s >>> 16);
}

/**
 * in6_pseudo plus the UDP header and data: the addresses (the pseudo header's first
 * 32 bytes) lie right before the UDP header in the frame, so one pass sums both, then
 * the pseudo header's length and next header are added. Returns the folded sum.
 */
function pseudoAndUdpSum(mem: FrameMemory, at: number, udpLen: number): number {
  const words = foldToNetworkOrder(mem.wordSum(at + OFF_IP6_SRC, 32 + udpLen));
  return add16(add16(words, udpLen & 0xffff), IPPROTO_UDP + (udpLen >>> 16));
}

/**
 * The UDP checksum field value for the frame's UDP header + payload (udpLen bytes),
 * computed with the field itself counted as zero, exactly as an IPv6 sender does.
 * The frame starts at `at` in mem.
 */
export function udpChecksum(mem: FrameMemory, udpLen: number, at = 0): number {
  const saved = mem.view.getUint16(at + OFF_UDP_SUM);
  mem.view.setUint16(at + OFF_UDP_SUM, 0);
  const sum = pseudoAndUdpSum(mem, at, udpLen);
  mem.view.setUint16(at + OFF_UDP_SUM, saved);
  return ~sum & 0xffff;
}

/** True when the frame's UDP checksum verifies (the sum over everything is all ones). */
export function udpChecksumValid(mem: FrameMemory, udpLen: number, at = 0): boolean {
  return (~pseudoAndUdpSum(mem, at, udpLen) & 0xffff) === 0;
}

/** Addresses and ports of one direction of the test's traffic. */
export interface FrameEndpoints {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  srcIp: Uint8Array;
  dstIp: Uint8Array;
  srcPort: number;
  dstPort: number;
}

/**
 * Builds skt_netif_ipv6_udp_frame_populate's frames. The headers and the pattern
 * never change, so they are written once; build() writes the packet number and
 * the checksum, adjusting a precomputed sum for the 4 changing bytes.
 */
export class FrameBuilder {
  readonly frame = new FrameBuffer();
  readonly length: number;
  readonly #udpLen: number;
  /** one's complement sum of everything but the packet number and the checksum field */
  readonly #baseSum: number;
  /** the frame's bytes (packet number and checksum aside, every frame's) */
  readonly #template: Uint8Array;

  constructor(ep: FrameEndpoints, payloadLen = PAYLOAD_LEN) {
    const { bytes, view } = this.frame;
    this.length = HDR_LEN + payloadLen;
    this.#udpLen = UDP_HDR_LEN + payloadLen;
    bytes.set(ep.dstMac, 0);
    bytes.set(ep.srcMac, 6);
    view.setUint16(OFF_ETHERTYPE, ETHERTYPE_IPV6);
    // Upstream leaves the flow label bytes uninitialised (stack garbage); we send zeros.
    view.setUint32(ETHER_HDR_LEN, IPV6_VERSION << 24);
    view.setUint16(OFF_IP6_PLEN, this.#udpLen);
    view.setUint8(OFF_IP6_NXT, IPPROTO_UDP);
    view.setUint8(OFF_IP6_NXT + 1, IPV6_DEFHLIM);
    bytes.set(ep.srcIp, OFF_IP6_SRC);
    bytes.set(ep.dstIp, OFF_IP6_DST);
    view.setUint16(OFF_UDP, ep.srcPort);
    view.setUint16(OFF_UDP + 2, ep.dstPort);
    view.setUint16(OFF_UDP_LEN, this.#udpLen);
    for (let i = 0; i < payloadLen - 4; i++) bytes[OFF_PAYLOAD + 4 + i] = i & 0xff;
    view.setUint32(OFF_PAYLOAD, 0, true);
    this.#baseSum = ~udpChecksum(this.frame, this.#udpLen) & 0xffff;
    this.#template = bytes.subarray(0, this.length);
  }

  /** Writes packet number n (host order, little-endian) and the checksum; returns the length. */
  build(n: number): number {
    this.#stamp(this.frame.view, 0, n);
    return this.length;
  }

  /** Writes the whole frame with packet number n into mem at `at` (the packet's buffer). */
  buildInto(mem: FrameMemory, at: number, n: number): number {
    mem.bytes.set(this.#template, at);
    this.#stamp(mem.view, at, n);
    return this.length;
  }

  #stamp(view: DataView, at: number, n: number): void {
    view.setUint32(at + OFF_PAYLOAD, n, true);
    // the 4 bytes read as two network-order 16-bit words
    const hi = ((n & 0xff) << 8) | ((n >>> 8) & 0xff);
    const lo = (((n >>> 16) & 0xff) << 8) | (n >>> 24);
    view.setUint16(at + OFF_UDP_SUM, ~add16(add16(this.#baseSum, hi), lo) & 0xffff);
  }
}

/** Why a received frame was refused; `check` names upstream's failed assertion. */
export class FrameCheckError extends Error {
  override name = "FrameCheckError";
  constructor(readonly check: FrameCheck, message: string) {
    super(message);
  }
}

export type FrameCheck =
  | "truncated"
  | "link-header-length"
  | "ethertype"
  | "ip-length"
  | "next-header"
  | "udp-length"
  | "payload-too-long"
  | "checksum"
  | "sequence";

/**
 * skt_netif_ipv6_udp_frame_process: checks a received frame of pktLen bytes held in
 * frame at `at`, and returns the UDP data length. dataMax 0 means no limit.
 */
export function processFrame(
  frame: FrameMemory,
  pktLen: number,
  linkHeaderLength: number,
  dataMax: number,
  at = 0,
): number {
  if (linkHeaderLength !== ETHER_HDR_LEN) {
    throw new FrameCheckError(
      "link-header-length",
      `link header length ${linkHeaderLength}, expected ${ETHER_HDR_LEN}`,
    );
  }
  // Not in upstream, which reads whatever lies in the buffer: a frame too short
  // for its headers is refused before they are read.
  if (pktLen < HDR_LEN || at + pktLen > frame.bytes.length) {
    throw new FrameCheckError("truncated", `frame of ${pktLen} bytes cannot hold its headers`);
  }
  const view = frame.view;
  const etherType = view.getUint16(at + OFF_ETHERTYPE);
  if (etherType !== ETHERTYPE_IPV6) {
    throw new FrameCheckError(
      "ethertype",
      `ethertype 0x${etherType.toString(16)}, expected 0x86dd`,
    );
  }
  const ipPayloadLen = view.getUint16(at + OFF_IP6_PLEN);
  if (pktLen !== ETHER_HDR_LEN + IP6_HDR_LEN + ipPayloadLen) {
    throw new FrameCheckError(
      "ip-length",
      `packet length ${pktLen} != 14 + 40 + IPv6 payload length ${ipPayloadLen}`,
    );
  }
  const nextHeader = view.getUint8(at + OFF_IP6_NXT);
  if (nextHeader !== IPPROTO_UDP) {
    throw new FrameCheckError("next-header", `IPv6 next header ${nextHeader}, expected 17 (UDP)`);
  }
  const udpLen = view.getUint16(at + OFF_UDP_LEN);
  const udpDataLen = udpLen - UDP_HDR_LEN;
  if (udpDataLen !== pktLen - HDR_LEN) {
    throw new FrameCheckError(
      "udp-length",
      `UDP data length ${udpDataLen} != packet length ${pktLen} - ${HDR_LEN}`,
    );
  }
  if (dataMax !== 0 && udpDataLen > dataMax) {
    throw new FrameCheckError("payload-too-long", `UDP data length ${udpDataLen} > ${dataMax}`);
  }
  if (!udpChecksumValid(frame, udpLen, at)) {
    throw new FrameCheckError(
      "checksum",
      `UDP checksum 0x${
        view.getUint16(at + OFF_UDP_SUM).toString(16).padStart(4, "0")
      } does not verify`,
    );
  }
  return udpDataLen;
}

/** The packet number of a frame (payload bytes 0-3, host order). */
export function framePacketNumber(frame: FrameMemory, at = 0): number {
  return frame.view.getUint32(at + OFF_PAYLOAD, true);
}

/**
 * The receive side's order check (skt_netif_channel_receive): returns how many
 * frames are missing before packetNumber when `expected` was due next. A frame
 * numbered before the expected one (reordered or repeated) is refused, unless
 * errorsOk (a test that expects drops), where upstream counts the uint32 wrap.
 */
export function sequenceGap(packetNumber: number, expected: number, errorsOk: boolean): number {
  if (packetNumber === expected) return 0;
  if (!errorsOk && !(packetNumber > expected)) {
    throw new FrameCheckError(
      "sequence",
      `packet number ${packetNumber} is not after the expected #${expected} ` +
        "(payload.packet_number > *receive_index)",
    );
  }
  return (packetNumber - expected) >>> 0;
}
