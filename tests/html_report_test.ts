/**
 * The HTML report in real headless Chromium: it loads with no console error
 * and requests nothing beyond the file itself, every plot is a non-empty SVG,
 * the regressed test is marked (and only it), and a full-page screenshot is
 * kept in .ci/out/ as a test artifact.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { compareRuns } from "../scenarios/sweep/compare.ts";
import { toHtml } from "../scenarios/sweep/reports/html.ts";
import { chromiumPath } from "./browser.ts";
import { checkInChromium } from "./report_page.ts";
import { fakeSweep } from "./compare_fixtures.ts";

const noChromium = chromiumPath() === null;

Deno.test({
  name:
    "HTML report of a comparison: loads clean in Chromium, every plot drawn, the regression marked" +
    (noChromium ? " (skipped: no chromium here; .ci/run installs it)" : ""),
  ignore: noChromium,
  async fn() {
    const baseline = fakeSweep(8, 0), current = fakeSweep(8, 1, "netifdirecttxrxsp");
    const html = await toHtml({
      title: "skt compare test",
      baseline,
      current,
      comparison: compareRuns(baseline, current),
      warnings: ["the runs differ in machine: the baseline a, the new runs b"],
    });
    assert(!/<script|https?:\/\/(?!www\.w3\.org)/.test(html), "no script, no remote reference");
    const dir = await Deno.makeTempDir({ prefix: "skt-html-" });
    try {
      await Deno.writeTextFile(`${dir}/report.html`, html);
      const probe = await checkInChromium(`${dir}/report.html`, "compare-report.png");
      assertEquals(probe.sections, 7);
      assertEquals(probe.regressed, ["netifdirecttxrxsp"]);
      assertEquals(probe.badgeColor, "rgb(198, 40, 40)");
      assertEquals(probe.scripts, 0);
      // pps, duration, counts per test, and the expiry delays of the one test that has them
      assertEquals(probe.plots.length, 7 * 3 + 1);
      assertMatch(html, /packets per second - REGRESSION pps x0\.4\d\d/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "HTML report of a sweep alone: one side, no regression marks" +
    (noChromium ? " (skipped: no chromium here; .ci/run installs it)" : ""),
  ignore: noChromium,
  async fn() {
    const html = await toHtml({ title: "skt sweep test", current: fakeSweep(3, 0) });
    const dir = await Deno.makeTempDir({ prefix: "skt-html-" });
    try {
      await Deno.writeTextFile(`${dir}/report.html`, html);
      const probe = await checkInChromium(`${dir}/report.html`, "sweep-report.png");
      assertEquals(probe.regressed, []);
      assertEquals(probe.sections, 7);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
