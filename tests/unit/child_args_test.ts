/**
 * A child reads back exactly what the driver wrote on its command line
 * (cliChildCommand), and refuses what the run parser would refuse.
 */
import { assertEquals, assertMatch, assertThrows } from "@std/assert";
import { parseChildArgs } from "../../cli/child.ts";
import { cliChildCommand, DEFAULT_OPTIONS } from "../../scenarios/mptest/options.ts";
import { findTest } from "../../scenarios/netifdirect/table.ts";
import { UsageError } from "../../ffi/errors.ts";

/** The arguments after `child`, as the driver starts child `index`. */
function driverArgs(index: number, overrides: Partial<typeof DEFAULT_OPTIONS>): string[] {
  const test = findTest("netifdirectchanevents")!;
  const { args } = cliChildCommand(test, index, { ...DEFAULT_OPTIONS, ...overrides }, {});
  return args.slice(args.indexOf("child") + 1);
}

Deno.test("child args: the driver's command line reads back as given", () => {
  assertEquals(parseChildArgs(driverArgs(1, { packets: 7, batch: 511, paceUs: 0 })), {
    test: "netifdirectchanevents",
    index: 1,
    backend: DEFAULT_OPTIONS.backend,
    packets: 7,
    batch: 511,
    paceUs: 0,
    verbose: false,
  });
  const verbose = parseChildArgs(driverArgs(0, { verbose: true, backend: "afxdp" }));
  assertEquals([verbose.index, verbose.backend, verbose.verbose], [0, "afxdp", true]);
});

Deno.test("child args: out of bounds, unknown, missing or repeated options are usage errors", () => {
  const good = driverArgs(0, {});
  const bad: [string[], RegExp][] = [
    [
      good.map((a) => a === "20000" ? "0" : a),
      /--packets takes an integer from 1 to 10000000, not 0/,
    ],
    [good.map((a) => a === "8" ? "512" : a), /--batch takes an integer from 1 to 511/],
    [good.map((a) => a === "1" ? "-1" : a), /--pace-us takes an integer/],
    [good.map((a) => a === "1" ? "1.5" : a), /--pace-us takes an integer/],
    [good.map((a) => a === "sim" ? "vmnet" : a), /--backend takes one of sim, skywalk, afxdp/],
    [[...good, "--bogus"], /unknown option --bogus/],
    [[...good, "--batch", "8"], /--batch given twice/],
    [
      good.filter((a, i) => a !== "--pace-us" && good[i - 1] !== "--pace-us"),
      /--pace-us is required/,
    ],
    [["netifdirecttxrx", "2", ...good.slice(2)], /INDEX takes an integer from 0 to 1/],
    [[], /no test name/],
  ];
  for (const [args, message] of bad) {
    const error = assertThrows(() => parseChildArgs(args), UsageError, undefined, args.join(" "));
    assertMatch(error.message, message);
  }
});
