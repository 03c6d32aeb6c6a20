/**
 * `compare` on synthetic sweeps: a halved test is flagged and nothing else,
 * verdict changes, refusals of incomparable runs (exit 2), warnings for other
 * versions or machines, the note when runs are too few to be significant, the
 * reports (table, JSON, JUnit) and the CLI's exit codes.
 */
import { skt } from "./cli_helpers.ts";
import { assert, assertEquals, assertMatch, assertThrows } from "@std/assert";
import { beyond, compareRuns, regressedTests } from "../scenarios/sweep/compare.ts";
import { checkComparable, parseRecords } from "../scenarios/sweep/compare_input.ts";
import {
  compareJUnit,
  compareNotes,
  compareTable,
} from "../scenarios/sweep/reports/compare_report.ts";
import { toJsonLines } from "../scenarios/sweep/reports/jsonl.ts";
import { UsageError } from "../ffi/errors.ts";
import { fakeRecord, fakeSweep } from "./compare_fixtures.ts";
import { findAll, parseXml } from "./report_parsers.ts";

Deno.test("compare: a test at half throughput is the one flagged, by pps and duration", () => {
  const c = compareRuns(fakeSweep(8, 0), fakeSweep(8, 1, "netifdirecttxrxsp"));
  assertEquals(regressedTests(c), ["netifdirecttxrxsp"]);
  const sp = c.tests.find((t) => t.test === "netifdirecttxrxsp")!;
  const pps = sp.metrics.find((m) => m.metric === "pps")!;
  assert(pps.regression && pps.ratio < 0.55 && pps.ratio > 0.45, `ratio ${pps.ratio}`);
  assert(pps.high !== null && pps.high < 1, "the interval excludes no change");
  assert(sp.metrics.find((m) => m.metric === "durationMs")!.regression);
  assertEquals(c.underpowered, []);
  // the same sweeps without the fault: nothing
  assertEquals(regressedTests(compareRuns(fakeSweep(8, 0), fakeSweep(8, 1))), []);
});

Deno.test("compare: two runs a side cannot reach significance, and the notes say so", () => {
  const c = compareRuns(fakeSweep(2, 0), fakeSweep(2, 1, "netifdirecttxrxsp"));
  assertEquals(regressedTests(c), []);
  assertEquals(c.underpowered.length, 7);
  assertMatch(compareNotes(c).join("\n"), /too few passing runs .* run more \(--repeat\)/);
});

Deno.test("compare: a significant change within the threshold is not a regression", () => {
  const base = fakeSweep(8, 0, undefined);
  const now = fakeSweep(8, 1).map((r) => ({ ...r, pps: r.pps! * 0.9 }));
  const c = compareRuns(base, now, { alpha: 0.05, threshold: 0.25 });
  assertEquals(regressedTests(c), []);
  // with a 5 % threshold the same 10 % drop counts
  assert(regressedTests(compareRuns(base, now, { alpha: 0.05, threshold: 0.05 })).length > 0);
  assertEquals(beyond(0.79, "lower", 0.25), true);
  assertEquals(beyond(0.81, "lower", 0.25), false);
  assertEquals(beyond(1.3, "lower", 0.25), false);
  assertEquals(beyond(1.3, "either", 0.25), true);
});

Deno.test("compare: a pass that now fails or skips is a regression, whatever the numbers", () => {
  const base = [1, 2].map((i) => fakeRecord({ test: "netifdirecttxrx", iteration: i }));
  const now = [
    fakeRecord({ test: "netifdirecttxrx", iteration: 1 }),
    fakeRecord({ test: "netifdirecttxrx", iteration: 2, verdict: "fail" }),
  ];
  const c = compareRuns(base, now);
  assertEquals(regressedTests(c), ["netifdirecttxrx"]);
  assertMatch(
    c.tests[0].verdictRegression!,
    /passed 2 of 2 runs, now 1 of 2 \(1 failed, 0 skipped\)/,
  );
  // a test that failed before and fails now has not regressed
  assertEquals(regressedTests(compareRuns(now, now)), []);
  const table = compareTable(c).join("\n");
  assertMatch(table, /netifdirecttxrx\s+verdicts\s+2\/2 pass\s+1\/2 pass\s+REGRESSION/);
});

Deno.test("compare: different backend or packet count is refused naming which; other machines warn", () => {
  const a = [fakeRecord({ test: "netifdirecttxrx", iteration: 1 })];
  const packets = [fakeRecord({ test: "netifdirecttxrx", iteration: 1 }, { packets: 2000 })];
  const backend = [fakeRecord({ test: "netifdirecttxrx", iteration: 1 }, { backend: "skywalk" })];
  assertThrows(
    () => checkComparable(a, packets),
    UsageError,
    "packet count: the baseline has 20000, the new runs 2000",
  );
  assertThrows(
    () => checkComparable(a, backend),
    UsageError,
    "backend: the baseline has sim, the new runs skywalk",
  );
  const other = [
    fakeRecord({ test: "netifdirecttxrx", iteration: 1 }, {
      skt: "0.2.0",
      machine: "mac (darwin aarch64)",
    }),
  ];
  assertEquals(checkComparable(a, other), [
    "the runs differ in skt version: the baseline 0.1.0, the new runs 0.2.0",
    "the runs differ in machine: the baseline box (linux x86_64), the new runs mac (darwin aarch64)",
  ]);
  assertEquals(checkComparable(a, a), []);
});

Deno.test("compare: unreadable records are refused with the line", () => {
  assertThrows(
    () => parseRecords("{}\n", "the baseline"),
    UsageError,
    "line 1 is not a run record (schema undefined",
  );
  assertThrows(
    () => parseRecords("nope\n", "the baseline"),
    UsageError,
    "the baseline: line 1 is not JSON",
  );
  assertThrows(() => parseRecords("\n", "the baseline"), UsageError, "has no run records");
});

Deno.test("compare: JUnit has one testcase per test, a failure for each regressed one", () => {
  const c = compareRuns(fakeSweep(8, 0), fakeSweep(8, 1, "netifdirecttxrxsp"));
  const doc = parseXml(compareJUnit(c));
  const cases = findAll(doc, "testcase");
  assertEquals(cases.length, 7);
  const failed = cases.filter((t) => findAll(t, "failure").length > 0);
  assertEquals(failed.map((t) => t.attrs.name), ["netifdirecttxrxsp"]);
  assertMatch(findAll(failed[0], "failure")[0].attrs.message, /pps: x0\.[45]/);
});

Deno.test("skt compare: exit 1 and the test named on a regression, 0 without, 2 for bad input", async () => {
  const dir = await Deno.makeTempDir({ prefix: "skt-compare-" });
  try {
    const base = `${dir}/base.jsonl`, slow = `${dir}/slow.jsonl`, same = `${dir}/same.jsonl`;
    await Deno.writeTextFile(base, toJsonLines(fakeSweep(8, 0)));
    await Deno.writeTextFile(slow, toJsonLines(fakeSweep(8, 1, "netifdirectchanevents")));
    await Deno.writeTextFile(same, toJsonLines(fakeSweep(8, 1)));
    const r = await skt([
      "compare",
      base,
      slow,
      "--json",
      `${dir}/c.json`,
      "--junit",
      `${dir}/c.xml`,
    ]);
    assertEquals(r.code, 1, r.stderr);
    assertMatch(r.stdout, /1 of 7 tests regressed: netifdirectchanevents\n$/);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/c.json`));
    assertEquals(json.regressed, ["netifdirectchanevents"]);
    assertEquals((await skt(["compare", base, same])).code, 0);
    const other = `${dir}/other.jsonl`;
    await Deno.writeTextFile(
      other,
      toJsonLines(fakeSweep(8, 1).map((x) => ({ ...x, packets: 2000 }))),
    );
    const bad = await skt(["compare", base, other]);
    assertEquals(bad.code, 2);
    assertEquals(
      bad.stderr,
      "skt: the runs differ in packet count: the baseline has 20000, the new runs 2000\n",
    );
    const missing = await skt(["compare", base, `${dir}/nope.jsonl`]);
    assertEquals(missing.code, 2);
    assertMatch(missing.stderr, /^skt: cannot read the new runs ".*nope\.jsonl": no such file\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
