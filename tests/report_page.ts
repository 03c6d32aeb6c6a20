/**
 * What every HTML report must satisfy in Chromium (no console error, no
 * request beyond the file, every plot a non-empty SVG), what it shows (the
 * sections, the regressed ones), and its screenshot kept in .ci/out/.
 */
import { assert, assertEquals } from "@std/assert";
import { inspectPage } from "./browser.ts";

const ARTIFACTS = new URL("../.ci/out/", import.meta.url).pathname;

/** What the page shows, measured by the browser's own layout. */
const PAGE_PROBE = `(() => {
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
