/** The summary table printed at the end of a sweep: one row per test. */
import type { RunRecord } from "../record.ts";

/** The median of some numbers, or null when there are none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface TestSummary {
  test: string;
  runs: number;
  passes: number;
  fails: number;
  skips: number;
  /** over the runs that were not skipped, ms */
  medianDurationMs: number | null;
  /** over the runs that measured one */
  medianPps: number | null;
  /** afxdp: drops the kernel counted over all runs (null where no run counted) */
  kernelDrops: number | null;
}

/** Per test, in order of first appearance. */
export function summarize(records: readonly RunRecord[]): TestSummary[] {
  const byTest = Map.groupBy(records, (r) => r.test);
  return [...byTest].map(([test, runs]) => ({
    test,
    runs: runs.length,
    passes: runs.filter((r) => r.verdict === "pass").length,
    fails: runs.filter((r) => r.verdict === "fail").length,
    skips: runs.filter((r) => r.verdict === "skip").length,
    medianDurationMs: median(runs.filter((r) => r.verdict !== "skip").map((r) => r.durationMs)),
    medianPps: median(runs.flatMap((r) => r.pps === null ? [] : [r.pps])),
    kernelDrops: runs.some((r) => r.kernelDrops)
      ? runs.reduce((n, r) => n + (r.kernelDrops ?? []).reduce((m, d) => m + d.kernel, 0), 0)
      : null,
  }));
}

const HEADER = ["test", "runs", "pass", "fail", "skip", "median s", "median pps"];

/** The table as lines of text, columns aligned (numbers to the right). */
export function summaryTable(records: readonly RunRecord[]): string[] {
  const summaries = summarize(records);
  // afxdp runs add the drops the kernel counted
  const kernel = summaries.some((s) => s.kernelDrops !== null);
  const header = kernel ? [...HEADER, "kernel drops"] : HEADER;
  const rows = summaries.map((s) => [
    s.test,
    String(s.runs),
    String(s.passes),
    String(s.fails),
    String(s.skips),
    s.medianDurationMs === null ? "-" : (s.medianDurationMs / 1000).toFixed(3),
    s.medianPps === null ? "-" : String(Math.round(s.medianPps)),
    ...(kernel ? [s.kernelDrops === null ? "-" : String(s.kernelDrops)] : []),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => row[col].length)));
  return all.map((row) =>
    row.map((cell, col) => col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))
      .join("  ")
  );
}
