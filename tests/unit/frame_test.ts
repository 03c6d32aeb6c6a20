import { assertEquals, assertThrows } from "@std/assert";
import {
  FRAME_LEN,
  FrameBuffer,
  FrameBuilder,
  FrameCheckError,
  framePacketNumber,
  HDR_LEN,
  PAYLOAD_LEN,
  processFrame,
  udpChecksum,
} from "../../scenarios/netifdirect/frame.ts";
import {
  FETH0_INET6_ADDR,
  FETH1_INET6_ADDR,
  inet6Ntop,
  inet6Pton,
} from "../../scenarios/machine/addresses.ts";

const endpoints = {
  srcMac: new Uint8Array([0x66, 0x65, 0x74, 0x68, 0, 0]),
  dstMac: new Uint8Array([0x66, 0x65, 0x74, 0x68, 0, 1]),
  srcIp: inet6Pton(FETH0_INET6_ADDR),
  dstIp: inet6Pton(FETH1_INET6_ADDR),
  srcPort: 0x1234,
  dstPort: 0x5678,
};

/** Checksums computed by hand (an independent big-endian 16-bit sum in Python). */
const VECTORS: [number, number][] = [
  [0, 0x73e3],
  [1, 0x72e3],
  [19999, 0x5495],
  [0x01020304, 0x6ddf],
  [0xffffffff, 0x73e3],
];

function received(builder: FrameBuilder, n: number): FrameBuffer {
  const len = builder.build(n);
  const copy = new FrameBuffer();
  copy.bytes.set(builder.frame.bytes.subarray(0, len));
  return copy;
}

Deno.test("frame: layout of a 1514-byte Ethernet/IPv6/UDP frame", () => {
  const b = new FrameBuilder(endpoints);
  assertEquals(b.build(7), FRAME_LEN);
  const v = b.frame.view;
  assertEquals(FRAME_LEN, 1514);
  assertEquals(v.getUint16(12), 0x86dd);
  assertEquals(v.getUint8(14) >> 4, 6);
  assertEquals(v.getUint16(18), 1460); // IPv6 payload length
  assertEquals(v.getUint8(20), 17);
  assertEquals(v.getUint8(21), 64);
  assertEquals(inet6Ntop(b.frame.bytes.subarray(22, 38)), FETH0_INET6_ADDR);
  assertEquals(inet6Ntop(b.frame.bytes.subarray(38, 54)), FETH1_INET6_ADDR);
  assertEquals(v.getUint16(54), 0x1234);
  assertEquals(v.getUint16(56), 0x5678);
  assertEquals(v.getUint16(58), 1460);
  assertEquals(framePacketNumber(b.frame), 7);
  assertEquals(b.frame.bytes[HDR_LEN + 4 + 300], 300 & 0xff);
});

Deno.test("frame: UDP checksum matches hand-computed vectors", () => {
  const b = new FrameBuilder(endpoints);
  for (const [n, expected] of VECTORS) {
    b.build(n);
    assertEquals(b.frame.view.getUint16(60), expected, `packet ${n}`);
    assertEquals(
      udpChecksum(b.frame, 8 + PAYLOAD_LEN),
      expected,
      `full recomputation, packet ${n}`,
    );
  }
});

Deno.test("frame: checksum of an odd-length UDP datagram", () => {
  const b = new FrameBuilder(endpoints, 3);
  const f = b.frame;
  f.bytes.set([1, 2, 3], HDR_LEN);
  assertEquals(udpChecksum(f, 11), 0x941d);
});

Deno.test("frame: a well-formed frame verifies and yields its data length", () => {
  const b = new FrameBuilder(endpoints);
  for (const [n] of VECTORS) {
    assertEquals(processFrame(received(b, n), FRAME_LEN, 14, PAYLOAD_LEN), PAYLOAD_LEN);
  }
});

Deno.test("frame: corrupted frames are refused with the right check", () => {
  const b = new FrameBuilder(endpoints);
  const cases: [string, (f: FrameBuffer) => void, number, number, string][] = [
    ["payload byte flipped", (f) => f.bytes[100] ^= 0xff, FRAME_LEN, 14, "checksum"],
    ["address byte flipped", (f) => f.bytes[30] ^= 0x01, FRAME_LEN, 14, "checksum"],
    ["ethertype", (f) => f.view.setUint16(12, 0x0800), FRAME_LEN, 14, "ethertype"],
    ["next header", (f) => f.view.setUint8(20, 6), FRAME_LEN, 14, "next-header"],
    ["IPv6 length", (f) => f.view.setUint16(18, 1000), FRAME_LEN, 14, "ip-length"],
    ["UDP length", (f) => f.view.setUint16(58, 1000), FRAME_LEN, 14, "udp-length"],
    ["link header length", () => {}, FRAME_LEN, 0, "link-header-length"],
    ["truncated", () => {}, 40, 14, "truncated"],
    ["shorter than its IPv6 length", () => {}, FRAME_LEN - 1, 14, "ip-length"],
  ];
  for (const [name, corrupt, len, l2, check] of cases) {
    const f = received(b, 42);
    corrupt(f);
    const e = assertThrows(() => processFrame(f, len, l2, PAYLOAD_LEN), FrameCheckError);
    assertEquals((e as FrameCheckError).check, check, name);
  }
});

Deno.test("frame: UDP data above data_max is refused", () => {
  const b = new FrameBuilder(endpoints);
  const e = assertThrows(() => processFrame(received(b, 1), FRAME_LEN, 14, 100), FrameCheckError);
  assertEquals((e as FrameCheckError).check, "payload-too-long");
});
