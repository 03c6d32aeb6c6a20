/**
 * `--pcap` on the sim, checked by tshark (Debian's; .ci/run installs it):
 * every frame dissects as Ethernet/IPv6/UDP with the test's ports for its
 * direction, tshark's own UDP checksum validation says Good for every frame,
 * the frames per direction equal the sim's counter of frames that crossed
 * (txDelivered), and the frame the sim corrupts (debug.sim.corrupt_frame) is
 * the one tshark flags. Also the pcapng writer's blocks, byte by byte.
 */
import { skt } from "./cli_helpers.ts";
import { assert, assertEquals } from "@std/assert";
import { FETH0_UDP_PORT, FETH1_UDP_PORT } from "../scenarios/machine/addresses.ts";
import { mergeByTime, parsePcap, parseSimCapture, toPcapng } from "../scenarios/machine/pcapng.ts";
import type { RunRecord } from "../scenarios/sweep/record.ts";

const PORT: Record<string, number> = { feth0: FETH0_UDP_PORT, feth1: FETH1_UDP_PORT };
const PEER: Record<string, string> = { feth0: "feth1", feth1: "feth0" };

function tsharkPath(): string | null {
  try {
    Deno.statSync("/usr/bin/tshark");
    return "/usr/bin/tshark";
  } catch {
    return null;
  }
}

interface Dissected {
  protocols: string;
  /** epb_flags direction as tshark reads it: 1 inbound, 2 outbound */
  direction: number;
  src: number;
  dst: number;
  /** udp.checksum.status: 1 Good, 0 Bad, 2 unverified */
  checksum: number;
}

/** Every frame of a file as tshark dissects it, with UDP checksum validation on. */
async function dissect(file: string): Promise<Dissected[]> {
  const out = await new Deno.Command(tsharkPath()!, {
    args: [
      "-r",
      file,
      "-n",
      "-o",
      "udp.check_checksum:TRUE",
      "-T",
      "fields",
      "-E",
      "separator=,",
      "-e",
      "frame.protocols",
      "-e",
      "frame.packet_flags_direction",
      "-e",
      "udp.srcport",
      "-e",
      "udp.dstport",
      "-e",
      "udp.checksum.status",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim().split("\n").filter((l) => l).map((l) => {
    const [protocols, direction, src, dst, checksum] = l.split(",");
    return {
      protocols,
      direction: Number(direction),
      src: Number(src),
      dst: Number(dst),
      checksum: Number(checksum),
    };
  });
}

const noTshark = tsharkPath() === null;

Deno.test({
  name:
    "run --pcap: two pcapng files, every frame Ethernet/IPv6/UDP with its ports, every checksum Good" +
    (noTshark ? " (skipped: no tshark here; .ci/run installs it)" : ""),
  ignore: noTshark,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "skt-pcap-" });
    try {
      const r = await skt(["run", "netifdirecttxrx", "--packets", "3000", "--pcap", `${dir}/out`]);
      assertEquals(r.code, 0, r.stderr);
      const files = [...Deno.readDirSync(`${dir}/out`)].map((e) => e.name).sort();
      assertEquals(files, ["netifdirecttxrx-feth0.pcapng", "netifdirecttxrx-feth1.pcapng"]);
      for (const ifname of ["feth0", "feth1"]) {
        const frames = await dissect(`${dir}/out/netifdirecttxrx-${ifname}.pcapng`);
        const out = frames.filter((f) => f.direction === 2),
          inb = frames.filter((f) => f.direction === 1);
        assertEquals(out.length + inb.length, frames.length, "every frame has a direction");
        // frames a full RX ring dropped never crossed
        assert(out.length > 0 && out.length <= 3000 && inb.length > 0 && inb.length <= 3000);
        for (const f of frames) {
          assert(f.protocols.startsWith("eth:ethertype:ipv6:udp"), f.protocols);
          assertEquals(f.checksum, 1, "tshark: UDP checksum Good");
        }
        assert(out.every((f) => f.src === PORT[ifname] && f.dst === PORT[PEER[ifname]]));
        assert(inb.every((f) => f.src === PORT[PEER[ifname]] && f.dst === PORT[ifname]));
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "sweep --pcap: frames per direction equal the sim's counters; the corrupted frame is the one tshark flags" +
    (noTshark ? " (skipped: no tshark here; .ci/run installs it)" : ""),
  ignore: noTshark,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "skt-pcap-" });
    try {
      // the 100th frame each interface delivers is corrupted at byte 100 (inside the UDP payload)
      const r = await skt([
        "sweep",
        "--filter",
        "netifdirecttxrxsp",
        "--packets",
        "2000",
        "--pcap",
        dir,
        "--json",
        "-",
        "--sim-knob",
        "debug.sim.corrupt_frame=100",
      ]);
      const record = JSON.parse(r.stdout.split("\n")[0]) as RunRecord;
      assertEquals(record.verdict, "fail", "the receiver catches the corrupted frame too");
      assertEquals(record.pcap!.map((p) => p.file.split("/").pop()), [
        "netifdirecttxrxsp-1-feth0.pcapng",
        "netifdirecttxrxsp-1-feth1.pcapng",
      ]);
      const counted = Object.fromEntries(record.pcap!.map((p) => [p.ifname, p.counted!]));
      // the receiver caught it: "frame #99 received by child N" (0-based: the 100th)
      const caught = /frame #99 received by child (\d)/.exec(record.reason ?? "");
      assert(caught, record.reason ?? "no reason");
      const victim = `feth${caught![1]}`;
      assert(counted[PEER[victim]] >= 100, "the sender delivered the 100th frame");
      let flagged = 0;
      for (const p of record.pcap!) {
        const frames = await dissect(p.file);
        const out = frames.filter((f) => f.direction === 2),
          inb = frames.filter((f) => f.direction === 1);
        assertEquals(out.length, counted[p.ifname], `${p.ifname} out = its txDelivered`);
        assertEquals(
          inb.length,
          counted[PEER[p.ifname]],
          `${p.ifname} in = the peer's txDelivered`,
        );
        assertEquals([out.length, inb.length], [p.out, p.in]);
        assert(frames.every((f) => f.protocols.startsWith("eth:ethertype:ipv6:udp")));
        // tshark flags exactly the 100th frame of a direction that reached 100, and nothing else
        const bad = (list: Dissected[]) =>
          list.flatMap((f, i) => f.checksum === 1 ? [] : [[i + 1, f.checksum]]);
        const expect = (n: number) => n >= 100 ? [[100, 0]] : [];
        assertEquals(bad(out), expect(out.length), `${p.ifname} outbound`);
        assertEquals(bad(inb), expect(inb.length), `${p.ifname} inbound`);
        flagged += bad(out).length + bad(inb).length;
        if (p.ifname === victim) {
          assertEquals(bad(inb), [[100, 0]], "the frame the receiver caught");
        }
      }
      assert(flagged >= 2, "the corrupted frame is in both files: out of one, into the other");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("pcapng writer: section, interface (ns resolution, name) and packet blocks with direction", () => {
  const frame = Uint8Array.from({ length: 5 }, (_, i) => i + 1);
  const bytes = toPcapng("feth0", [
    { ns: 1_700_000_000_123_456_789n, direction: "out", data: frame, origLen: 5 },
  ]);
  const v = new DataView(bytes.buffer);
  // SHB: type, length, byte-order magic, version 1.0, section length -1
  assertEquals(v.getUint32(0, true), 0x0a0d0d0a);
  const shbLen = v.getUint32(4, true);
  assertEquals(v.getUint32(shbLen - 4, true), shbLen);
  assertEquals(v.getUint32(8, true), 0x1a2b3c4d);
  assertEquals([v.getUint16(12, true), v.getUint16(14, true)], [1, 0]);
  assertEquals(v.getBigInt64(16, true), -1n);
  // IDB: Ethernet, then if_name "feth0" and if_tsresol 9
  const idb = shbLen;
  assertEquals(v.getUint32(idb, true), 1);
  assertEquals(v.getUint16(idb + 8, true), 1);
  assertEquals([v.getUint16(idb + 16, true), v.getUint16(idb + 18, true)], [2, 5]);
  assertEquals(new TextDecoder().decode(bytes.subarray(idb + 20, idb + 25)), "feth0");
  assertEquals([v.getUint16(idb + 28, true), v.getUint16(idb + 30, true), bytes[idb + 32]], [
    9,
    1,
    9,
  ]);
  // EPB: interface 0, 64-bit ns timestamp in two halves, lengths, data padded to 4, epb_flags 2
  const epb = idb + v.getUint32(idb + 4, true);
  assertEquals(v.getUint32(epb, true), 6);
  const ts = (BigInt(v.getUint32(epb + 12, true)) << 32n) | BigInt(v.getUint32(epb + 16, true));
  assertEquals(ts, 1_700_000_000_123_456_789n);
  assertEquals([v.getUint32(epb + 20, true), v.getUint32(epb + 24, true)], [5, 5]);
  assertEquals([...bytes.subarray(epb + 28, epb + 33)], [1, 2, 3, 4, 5]);
  assertEquals([
    v.getUint16(epb + 36, true),
    v.getUint16(epb + 38, true),
    v.getUint32(epb + 40, true),
  ], [2, 4, 2]);
  assertEquals(epb + v.getUint32(epb + 4, true), bytes.length);
});

Deno.test("capture readers: the sim's records and classic pcap, merged by time", () => {
  const rec = new Uint8Array(16 + 3);
  const v = new DataView(rec.buffer);
  v.setBigUint64(0, 42n, true);
  v.setUint32(8, 3, true);
  v.setUint32(12, 3, true);
  rec.set([7, 8, 9], 16);
  const sim = parseSimCapture(rec, "out");
  assertEquals(sim.map((f) => [f.ns, [...f.data]]), [[42n, [7, 8, 9]]]);
  // classic pcap, microseconds, little-endian, Ethernet
  const pcap = new Uint8Array(24 + 16 + 2);
  const p = new DataView(pcap.buffer);
  p.setUint32(0, 0xa1b2c3d4, true);
  p.setUint32(20, 1, true);
  p.setUint32(24, 0, true);
  p.setUint32(28, 1, true); // 1 us = 1000 ns
  p.setUint32(32, 2, true);
  p.setUint32(36, 2, true);
  const classic = parsePcap(pcap, "in");
  assertEquals(classic.map((f) => f.ns), [1000n]);
  assertEquals(mergeByTime(classic, sim).map((f) => f.ns), [42n, 1000n]);
});
