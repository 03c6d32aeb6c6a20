/** The checksum tests' reference (RFC 1071, byte by byte) and their random frames. */
import { FrameBuilder, HDR_LEN } from "../../scenarios/netifdirect/frame.ts";

/** RFC 1071 over the IPv6 pseudo header and the UDP datagram, byte by byte. */
export function referenceChecksum(frame: Uint8Array, udpLen: number): number {
  const bytes: number[] = [];
  bytes.push(...frame.subarray(22, 54)); // source and destination addresses
  bytes.push(udpLen >>> 24, (udpLen >>> 16) & 0xff, (udpLen >>> 8) & 0xff, udpLen & 0xff);
  bytes.push(0, 0, 0, 17);
  const udp = frame.slice(54, 54 + udpLen);
  udp[6] = 0;
  udp[7] = 0;
  bytes.push(...udp);
  if (bytes.length % 2) bytes.push(0);
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/**
 * A frame of random addresses and ports whose payload (4 bytes up to what a
 * 1514-byte frame carries) is random too, so that every 16-bit half and the
 * odd tail take arbitrary values.
 */
export function randomFrame(): { builder: FrameBuilder; payloadLen: number } {
  const payloadLen = 4 + Math.floor(Math.random() * (1514 - HDR_LEN - 4 + 1));
  const builder = new FrameBuilder({
    srcMac: randomBytes(6),
    dstMac: randomBytes(6),
    srcIp: randomBytes(16),
    dstIp: randomBytes(16),
    srcPort: Math.floor(Math.random() * 65536),
    dstPort: Math.floor(Math.random() * 65536),
  }, payloadLen);
  builder.frame.bytes.set(randomBytes(payloadLen), HDR_LEN);
  return { builder, payloadLen };
}
