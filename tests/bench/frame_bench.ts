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
