/**
 * The word-wise UDP checksum of scenarios/frame.ts (the receive hot path)
 * against a byte-by-byte RFC 1071 reference, over random frames of every
 * length class (tail of 0 to 3 bytes past the last 32-bit word).
 */
import { assertEquals } from "@std/assert";
import { randomFrame, referenceChecksum } from "./checksum_fixtures.ts";
import {
  HDR_LEN,
  UDP_HDR_LEN,
  udpChecksum,
  udpChecksumValid,
} from "../../scenarios/netifdirect/frame.ts";

Deno.test("checksum: word-wise sum equals the byte-wise reference on random frames", () => {
  for (let round = 0; round < 400; round++) {
    const { builder: b, payloadLen } = randomFrame();
    const udpLen = UDP_HDR_LEN + payloadLen;
    const expected = referenceChecksum(b.frame.bytes, udpLen);
    assertEquals(udpChecksum(b.frame, udpLen), expected, `payload of ${payloadLen} bytes`);
    b.frame.view.setUint16(HDR_LEN - 2, expected);
    assertEquals(udpChecksumValid(b.frame, udpLen), true, `payload of ${payloadLen} bytes`);
    b.frame.bytes[HDR_LEN + Math.floor(Math.random() * payloadLen)] ^= 0x01;
    assertEquals(udpChecksumValid(b.frame, udpLen), false, `one bit flipped in ${payloadLen}`);
  }
});
