/**
 * The word-wise UDP checksum of scenarios/frame.ts (the receive hot path)
 * against a byte-by-byte RFC 1071 reference, over random frames of every
 * length class (tail of 0 to 3 bytes past the last 32-bit word).
 */
import { assertEquals } from "@std/assert";
import {
  FrameBuilder,
  HDR_LEN,
  UDP_HDR_LEN,
  udpChecksum,
  udpChecksumValid,
} from "../../scenarios/netifdirect/frame.ts";

/** RFC 1071 over the IPv6 pseudo header and the UDP datagram, byte by byte. */
function referenceChecksum(frame: Uint8Array, udpLen: number): number {
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

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

Deno.test("checksum: word-wise sum equals the byte-wise reference on random frames", () => {
  for (let round = 0; round < 400; round++) {
    const payloadLen = 4 + Math.floor(Math.random() * (1514 - HDR_LEN - 4 + 1));
    const b = new FrameBuilder({
      srcMac: randomBytes(6),
      dstMac: randomBytes(6),
      srcIp: randomBytes(16),
      dstIp: randomBytes(16),
      srcPort: Math.floor(Math.random() * 65536),
      dstPort: Math.floor(Math.random() * 65536),
    }, payloadLen);
    // random payload bytes, so every 16-bit half and the tail take arbitrary values
    b.frame.bytes.set(randomBytes(payloadLen), HDR_LEN);
    const udpLen = UDP_HDR_LEN + payloadLen;
    const expected = referenceChecksum(b.frame.bytes, udpLen);
    assertEquals(udpChecksum(b.frame, udpLen), expected, `payload of ${payloadLen} bytes`);
    b.frame.view.setUint16(HDR_LEN - 2, expected);
    assertEquals(udpChecksumValid(b.frame, udpLen), true, `payload of ${payloadLen} bytes`);
    b.frame.bytes[HDR_LEN + Math.floor(Math.random() * payloadLen)] ^= 0x01;
    assertEquals(udpChecksumValid(b.frame, udpLen), false, `one bit flipped in ${payloadLen}`);
  }
});
