/** --sim-knob TEST:NAME=VALUE: a knob for one test's runs only, refused for an unknown test. */
import { assertEquals, assertThrows } from "@std/assert";
import { parseKnobSpecs } from "../../cli/run.ts";
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
