/**
 * Micro-benchmarks of the frame work each child does per frame (`deno task
 * bench:micro`): building a frame, verifying a received one, the UDP checksum.
 */
import {
  FrameBuilder,
  PAYLOAD_LEN,
  processFrame,
  UDP_HDR_LEN,
  udpChecksum,
  udpChecksumValid,
} from "../../scenarios/netifdirect/frame.ts";
import { wasmWordSum } from "../../scenarios/netifdirect/csum_wasm.ts";
import type { FrameMemory } from "../../scenarios/netifdirect/word_sum.ts";
import {
  FETH0_INET6_ADDR,
  FETH1_INET6_ADDR,
  inet6Pton,
} from "../../scenarios/machine/addresses.ts";

const builder = new FrameBuilder({
  srcMac: new Uint8Array([2, 0, 0, 0, 0, 1]),
  dstMac: new Uint8Array([2, 0, 0, 0, 0, 2]),
  srcIp: inet6Pton(FETH0_INET6_ADDR),
  dstIp: inet6Pton(FETH1_INET6_ADDR),
  srcPort: 0x1234,
  dstPort: 0x5678,
});
const UDP_LEN = UDP_HDR_LEN + PAYLOAD_LEN;
let n = 0;

Deno.bench({
  name: "build one frame (packet number + incremental checksum)",
  group: "frame",
  baseline: true,
  fn() {
    builder.build(n++);
  },
});

Deno.bench({
  name: "verify one 1514-byte frame (header checks + full UDP checksum)",
  group: "frame",
  fn() {
    processFrame(builder.frame, builder.length, 14, PAYLOAD_LEN);
  },
});

Deno.bench({
  name: "UDP checksum verify over 1460 bytes",
  group: "checksum",
  baseline: true,
  fn() {
    udpChecksumValid(builder.frame, UDP_LEN);
  },
});

Deno.bench({
  name: "UDP checksum compute over 1460 bytes (field counted as zero)",
  group: "checksum",
  fn() {
    udpChecksum(builder.frame, UDP_LEN);
  },
});

// the same frame where the port keeps it: in WebAssembly memory, summed with SIMD
const wasmMemory = new WebAssembly.Memory({ initial: 1 });
const wasmSum = wasmWordSum(wasmMemory);
const pooled: FrameMemory | null = wasmSum === null ? null : {
  bytes: new Uint8Array(wasmMemory.buffer),
  view: new DataView(wasmMemory.buffer),
  wordSum: (off, len) => wasmSum(off, len) >>> 0,
};
if (pooled !== null) builder.buildInto(pooled, 2048, 1);

Deno.bench({
  name: "verify one 1514-byte frame in WebAssembly memory (the port's receive path)",
  group: "frame",
  ignore: pooled === null,
  fn() {
    processFrame(pooled!, builder.length, 14, PAYLOAD_LEN, 2048);
  },
});

Deno.bench({
  name: "build one frame into WebAssembly memory (the port's send path: template + stamp)",
  group: "frame",
  ignore: pooled === null,
  fn() {
    builder.buildInto(pooled!, 2048, n++);
  },
});
