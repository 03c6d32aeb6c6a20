/**
 * The HTML report in real headless Chromium: it loads with no console error
 * and requests nothing beyond the file itself, every plot is a non-empty SVG,
 * the regressed test is marked (and only it), and a full-page screenshot is
 * kept in .ci/out/ as a test artifact.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { compareRuns } from "../scenarios/sweep/compare.ts";
import { toHtml } from "../scenarios/sweep/reports/html.ts";
import { chromiumPath, inspectPage } from "./browser.ts";
import { fakeSweep } from "./compare_fixtures.ts";

const ARTIFACTS = new URL("../.ci/out/", import.meta.url).pathname;

/** What the page shows, measured by the browser's own layout. */
export const PAGE_PROBE = `(() => {
  const plots = [...document.querySelectorAll("figure.plot")].map((f) => {
    const svg = f.querySelector("svg");
    const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    const marks = svg ? svg.querySelectorAll("path, rect, circle, polyline").length : 0;
    const text = svg ? svg.textContent.trim().length : 0;
    return { width: box.width, height: box.height, marks, text };
  });
  const regressed = [...document.querySelectorAll("section.regressed")].map((s) => s.id);
  const sections = document.querySelectorAll("section.test").length;
  const badgeColor = (() => {
    const b = document.querySelector("section.regressed .badge");
    return b ? getComputedStyle(b).backgroundColor : null;
  })();
  return { plots, regressed, sections, badgeColor, scripts: document.scripts.length };
})()`;

export interface Probe {
  plots: { width: number; height: number; marks: number; text: number }[];
  regressed: string[];
  sections: number;
  badgeColor: string | null;
  scripts: number;
}

/** Loads a report in Chromium, checks what every report must satisfy, keeps the screenshot. */
export async function checkInChromium(file: string, shot: string): Promise<Probe> {
  const page = await inspectPage(file, PAGE_PROBE);
  assertEquals(page.errors, [], "console errors");
  const href = new URL(`file://${Deno.realPathSync(file)}`).href;
  assertEquals(page.requests.filter((u) => u !== href), [], "requests beyond the file itself");
  const probe = page.value as Probe;
  assert(probe.plots.length > 0, "no plot");
  for (const [i, p] of probe.plots.entries()) {
    assert(
      p.width > 100 && p.height > 100 && p.marks > 3 && p.text > 0,
      `plot ${i} is empty: ${JSON.stringify(p)}`,
    );
  }
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await Deno.writeFile(`${ARTIFACTS}${shot}`, page.screenshot);
  // a PNG, and not a blank one: a white page compresses to almost nothing
  assertEquals([...page.screenshot.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert(page.screenshot.length > 20_000, `screenshot of ${page.screenshot.length} bytes`);
  return probe;
}

const noChromium = chromiumPath() === null;

Deno.test({
  name:
    "HTML report of a comparison: loads clean in Chromium, every plot drawn, the regression marked",
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
  name: "HTML report of a sweep alone: one side, no regression marks",
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
