/** --sim-knob TEST:NAME=VALUE (a knob for one test's runs only), and what --pcap refuses. */
import { assertEquals, assertThrows } from "@std/assert";
import { parseKnobSpecs, runOptionsFrom } from "../../cli/run.ts";
import { UsageError } from "../../ffi/errors.ts";

Deno.test("--sim-knob with a test sets the knob for that test only", () => {
  const specs = parseKnobSpecs([
    "debug.sim.corrupt_offset=120",
    "netifdirecttxrxsp:debug.sim.tx_slowdown=100",
  ], "sim");
  assertEquals(specs.knobs, { "debug.sim.corrupt_offset": 120 });
  assertEquals(specs.testKnobs, { netifdirecttxrxsp: { "debug.sim.tx_slowdown": 100 } });
  assertThrows(
    () => parseKnobSpecs(["nosuchtest:debug.sim.tx_slowdown=100"], "sim"),
    UsageError,
    `--sim-knob: unknown test "nosuchtest"`,
  );
  assertThrows(
    () => parseKnobSpecs(["netifdirecttxrx:net.link.fake.tx_drops=1"], "sim"),
    UsageError,
    `unknown knob "net.link.fake.tx_drops"`,
  );
});

Deno.test("--pcap on afxdp is refused before anything runs: its frames bypass the packet taps", () => {
  assertThrows(
    () =>
      runOptionsFrom({
        backend: "afxdp",
        packets: 10,
        batch: 8,
        timeout: 10,
        paceUs: 1,
        verbose: false,
        knobs: [],
        strict: false,
        pcap: "/tmp/never-made",
      }),
    UsageError,
    "--pcap is not available on the afxdp backend",
  );
});
