/**
 * The WebAssembly word sum (scenarios/netifdirect/csum_wasm.ts), which the port's
 * receive side uses over the aliased packet pool, against a byte-by-byte sum and
 * against the JavaScript loop, at every alignment; and the UDP checksum through it
 * against the RFC 1071 reference (checksum_fixtures.ts), on random frames placed where
 * the pool puts them (a buffer start plus an offset).
 */
import { assert, assertEquals } from "@std/assert";
import { wasmWordSum } from "../../scenarios/netifdirect/csum_wasm.ts";
import { type FrameMemory, jsWordSum } from "../../scenarios/netifdirect/word_sum.ts";
import { randomFrame, referenceChecksum } from "./checksum_fixtures.ts";
import {
  HDR_LEN,
  UDP_HDR_LEN,
  udpChecksum,
  udpChecksumValid,
} from "../../scenarios/netifdirect/frame.ts";

const memory = new WebAssembly.Memory({ initial: 2 });
const sum = wasmWordSum(memory);
const bytes = new Uint8Array(memory.buffer);

/** little-endian 16-bit words, the last odd byte low: what wordSum is defined as */
function byteSum(off: number, len: number): number {
  let s = 0;
  for (let j = 0; j < len; j++) s += bytes[off + j] << (8 * (j & 1));
  return s;
}

Deno.test("wasm word sum: equals the byte-wise sum and the JS loop at every alignment", () => {
  assert(sum !== null, "WebAssembly SIMD is available here");
  crypto.getRandomValues(bytes.subarray(0, 65536));
  const js = jsWordSum(bytes);
  for (let off = 0; off < 80; off++) {
    for (
      const len of [0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 200, 1472, 1504, 2047]
    ) {
      const want = byteSum(off, len);
      assertEquals(sum!(off, len) >>> 0, want, `wasm, off ${off} len ${len}`);
      assertEquals(js(off, len), want, `js, off ${off} len ${len}`);
    }
  }
  bytes.fill(0xff, 0, 65536); // the largest lane values
  assertEquals(sum!(1, 65000) >>> 0, byteSum(1, 65000));
});

Deno.test("wasm word sum: the UDP checksum of frames where the pool puts them", () => {
  const mem: FrameMemory = {
    bytes,
    view: new DataView(memory.buffer),
    wordSum: (off, len) => sum!(off, len) >>> 0,
  };
  for (let round = 0; round < 300; round++) {
    const { builder: b, payloadLen } = randomFrame();
    const udpLen = UDP_HDR_LEN + payloadLen;
    const length = HDR_LEN + payloadLen;
    // a buffer start (2048-aligned) plus a data offset, as buflets have
    const at = 2048 * (round % 8) + (round % 3 === 0 ? 0 : round % 64);
    bytes.set(b.frame.bytes.subarray(0, length), at);
    const expected = referenceChecksum(bytes.subarray(at, at + length), udpLen);
    assertEquals(udpChecksum(mem, udpLen, at), expected, `payload ${payloadLen} at ${at}`);
    mem.view.setUint16(at + HDR_LEN - 2, expected);
    assert(udpChecksumValid(mem, udpLen, at), `payload ${payloadLen} at ${at}`);
    bytes[at + 22 + Math.floor(Math.random() * (32 + udpLen))] ^= 0x10;
    assert(!udpChecksumValid(mem, udpLen, at), `one bit flipped, payload ${payloadLen} at ${at}`);
  }
});
