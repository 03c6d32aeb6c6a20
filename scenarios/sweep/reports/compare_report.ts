/**
 * How a comparison is reported: a text table (one row per test and metric,
 * a verdict row per test), the same as JSON, and JUnit XML with one
 * <testcase> per test that fails when the test regressed.
 */
import {
  type Comparison,
  describeRatio,
  type MetricComparison,
  regressedTests,
} from "../compare.ts";
import { xmlEscape } from "./junit.ts";
import { EXACT_LIMIT } from "../stats.ts";

const HEADER = ["test", "metric", "baseline", "new", "ratio new/old [CI]", "p (Holm)", ""];

function num(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? String(Math.round(x)) : x.toPrecision(3);
}

function ratioCell(m: MetricComparison): string {
  const ci = m.low === null || m.high === null
    ? "[unbounded]"
    : `[${m.low.toPrecision(3)}, ${m.high.toPrecision(3)}]`;
  return `${m.ratio.toPrecision(3)} ${ci}`;
}

function pCell(p: number): string {
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}

/** The comparison as aligned lines of text. */
export function compareTable(c: Comparison): string[] {
  const rows: string[][] = [];
  for (const t of c.tests) {
    rows.push([
      t.test,
      "verdicts",
      `${t.baseline.pass}/${t.baseline.runs} pass`,
      `${t.current.pass}/${t.current.runs} pass`,
      "",
      "",
      t.verdictRegression ? "REGRESSION" : "",
    ]);
    for (const m of t.metrics) {
      rows.push([
        "",
        m.label,
        num(m.baselineMedian),
        num(m.currentMedian),
        ratioCell(m),
        pCell(m.pAdjusted),
        m.regression ? `REGRESSION ${describeRatio(m.ratio)}` : "",
      ]);
    }
  }
  const all = [HEADER, ...rows];
  const widths = HEADER.map((_, col) => Math.max(...all.map((row) => row[col].length)));
  return all.map((row) =>
    row.map((cell, col) => col < 2 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))
      .join("  ").trimEnd()
  );
}

/** Lines after the table: what was not compared, what could not be significant, the totals. */
export function compareNotes(c: Comparison): string[] {
  const notes: string[] = [];
  if (c.onlyBaseline.length) {
    notes.push(`only in the baseline, not compared: ${c.onlyBaseline.join(", ")}`);
  }
  if (c.onlyCurrent.length) {
    notes.push(`only in the new runs, not compared: ${c.onlyCurrent.join(", ")}`);
  }
  if (c.underpowered.length) {
    notes.push(
      `too few passing runs for any metric to reach p < ${c.options.alpha} over ` +
        `${c.family} comparisons (Holm): ${c.underpowered.join(", ")}; run more (--repeat)`,
    );
  }
  notes.push(
    `Mann–Whitney U toward worse (events: two-sided; exact up to ${EXACT_LIMIT} runs), ` +
      `Hodges–Lehmann ratio with its ` +
      `${Math.round((1 - c.options.alpha) * 1000) / 10}% interval, Holm over ${c.family} ` +
      `comparisons, alpha ${c.options.alpha}, threshold ${Math.round(c.options.threshold * 100)}%`,
  );
  return notes;
}

/** The last line of `compare`: how many tests regressed. */
export function compareTotalsLine(c: Comparison): string {
  const bad = regressedTests(c);
  return `${bad.length} of ${c.tests.length} tests regressed` +
    (bad.length ? `: ${bad.join(", ")}` : "");
}

/** The comparison and its warnings as one JSON document. */
export function compareJson(c: Comparison, warnings: readonly string[]): string {
  return JSON.stringify({ ...c, warnings, regressed: regressedTests(c) }, null, 2) + "\n";
}

/** JUnit XML: a <testcase> per test, a <failure> listing why it regressed. */
export function compareJUnit(c: Comparison): string {
  const bad = regressedTests(c).length;
  const cases = c.tests.map((t) => {
    const name = xmlEscape(t.test);
    const open = `    <testcase name="${name}" classname="skt.compare.${name}" time="0">`;
    if (t.regressions.length === 0) return `${open}</testcase>`;
    const message = xmlEscape(t.regressions.join("; "));
    return `${open}\n      <failure message="${message}" type="regression">${message}</failure>\n    </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="skt compare" tests="${c.tests.length}" failures="${bad}">`,
    `  <testsuite name="compare" tests="${c.tests.length}" failures="${bad}" errors="0" skipped="0">`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}
