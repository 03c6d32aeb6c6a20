/**
 * The acceptance scenario of `compare` on real runs of the sim: the seven
 * tests run 12 times without a fault and 12 times with the test-only
 * debug.sim.tx_slowdown=100 on one test (half its throughput); `compare`
 * flags exactly that test (exit 1), its JUnit report fails only that test,
 * and the HTML report of the comparison renders in headless Chromium with
 * that test marked.
 *
 * The two sides alternate, one round each (baseline, faulted, baseline, ...),
 * appended into one file per side: two sweeps run one after the other would
 * confound the fault with whatever else the shared machine did meanwhile
 * (measured here: every test 20-35 % slower in the second of two back-to-back
 * sweeps), and alternation spreads that drift over both sides. 12 runs a
 * side: 2 could never be significant (the smallest one-sided p of 2 against 2
 * is 1/6); 8 sufficed on a quiet machine but not always under the load of
 * several other suites on 2 cores (single runs then vary 2-5x, so some slowed
 * runs beat some baseline runs); 12 keeps the halved test below alpha after
 * Holm's correction over ~30 metrics even then. alpha 0.01 rather than 0.05:
 * the chance that noise alone is flagged (significant and beyond the 25 %
 * threshold) stays below 1 %.
 */
import { skt } from "./cli_helpers.ts";
import { assert, assertEquals, assertMatch } from "@std/assert";
import type { RunRecord } from "../scenarios/sweep/record.ts";
import { toJsonLines } from "../scenarios/sweep/reports/jsonl.ts";
import { parseRecords } from "../scenarios/sweep/compare_input.ts";
import { chromiumPath } from "./browser.ts";
import { checkInChromium } from "./report_page.ts";
import { findAll, parseXml } from "./report_parsers.ts";

const noChromium = chromiumPath() === null;
const ROUNDS = 12;
const PACKETS = "10000";
const SLOW = "netifdirecttxrxsp";

async function round(file: string, extra: string[]): Promise<RunRecord[]> {
  const r = await skt(["sweep", "--packets", PACKETS, "--json", file, ...extra]);
  assertEquals(r.code, 0, r.stdout + r.stderr);
  return parseRecords(await Deno.readTextFile(file), file);
}

Deno.test({
  name:
    "compare: a sweep with one test at half throughput flags exactly that test, and the report shows it" +
    (noChromium ? " (skipped: no chromium here; .ci/run installs it)" : ""),
  ignore: noChromium,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "skt-regress-" });
    try {
      const base: RunRecord[] = [], slow: RunRecord[] = [];
      for (let i = 1; i <= ROUNDS; i++) {
        const b = await round(`${dir}/b.jsonl`, []);
        const s = await round(`${dir}/s.jsonl`, [
          "--sim-knob",
          `${SLOW}:debug.sim.tx_slowdown=100`,
        ]);
        base.push(...b.map((r) => ({ ...r, iteration: i })));
        slow.push(...s.map((r) => ({ ...r, iteration: i })));
      }
      await Deno.writeTextFile(`${dir}/base.jsonl`, toJsonLines(base));
      await Deno.writeTextFile(`${dir}/slow.jsonl`, toJsonLines(slow));

      const c = await skt([
        "compare",
        `${dir}/base.jsonl`,
        `${dir}/slow.jsonl`,
        "--alpha",
        "0.01",
        "--json",
        `${dir}/c.json`,
        "--junit",
        `${dir}/c.xml`,
        "--html",
        `${dir}/c.html`,
      ]);
      console.log(c.stdout);
      assertEquals(c.code, 1, c.stdout + c.stderr);
      assertMatch(c.stdout, new RegExp(`1 of 7 tests regressed: ${SLOW}\\n$`));
      const json = JSON.parse(await Deno.readTextFile(`${dir}/c.json`));
      assertEquals(json.regressed, [SLOW], c.stdout);
      const pps = json.tests.find((t: { test: string }) => t.test === SLOW).metrics
        .find((m: { metric: string }) => m.metric === "pps");
      assert(pps.regression && pps.ratio < 0.7, `pps ratio ${pps.ratio}`);
      const failed = findAll(parseXml(await Deno.readTextFile(`${dir}/c.xml`)), "testcase")
        .filter((t) => findAll(t, "failure").length > 0).map((t) => t.attrs.name);
      assertEquals(failed, [SLOW]);

      const probe = await checkInChromium(`${dir}/c.html`, "regression-compare.png");
      assertEquals(probe.regressed, [SLOW]);
      assertEquals(probe.sections, 7);
      const size = (await Deno.stat(`${dir}/c.html`)).size;
      console.log(`compare report: ${size} bytes`);

      // sweep --baseline: the same comparison at the end of a sweep; one run is too few
      const one = await skt([
        "sweep",
        "--filter",
        "netifdirecttxrx",
        "--packets",
        PACKETS,
        "--baseline",
        `${dir}/base.jsonl`,
        "--html",
        `${dir}/s.html`,
      ]);
      assertEquals(one.code, 0, one.stdout + one.stderr);
      assertMatch(one.stdout, /only in the baseline, not compared: netifdirecttxrxcopymode/);
      assertMatch(one.stdout, /too few passing runs .*: netifdirecttxrx; run more/);
      assertMatch(one.stdout, /0 of 1 tests regressed\n1 passed, 0 failed, 0 skipped\n$/);
      assert((await Deno.stat(`${dir}/s.html`)).size > 10_000);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("sweep --baseline of other runs is refused before anything runs (exit 2, naming which)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "skt-regress-" });
  try {
    const { fakeSweep } = await import("./compare_fixtures.ts");
    await Deno.writeTextFile(`${dir}/base.jsonl`, toJsonLines(fakeSweep(1, 0)));
    const r = await skt(["sweep", "--packets", "1000", "--baseline", `${dir}/base.jsonl`]);
    assertEquals(r.code, 2);
    assertEquals(r.stdout, "");
    assertEquals(
      r.stderr,
      "skt: the runs differ in packet count: the baseline has 20000, the new runs 1000\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
