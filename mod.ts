/**
 * skt as a library: list xnu's netifdirect mptests and run them from a script.
 *
 * @example
 * ```ts
 * import { exitStatus, listTests, runTest, sweep, toJUnitXml, totalsLine } from "./mod.ts";
 * for (const t of listTests()) console.log(t.name);
 * const record = await runTest("netifdirecttxrx", { backend: "sim" });
 * console.log(record.verdict, record.children.map((c) => c.result?.received));
 *
 * // every txrx variant three times, then a JUnit report for CI
 * const records = await sweep({ filters: ["netifdirecttxrx*"], repeat: 3, packets: 2000 });
 * await Deno.writeTextFile("junit.xml", toJUnitXml(records));
 * console.log(totalsLine(records), "exit status", exitStatus(records));
 * ```
 * @module
 */
import { findTest, TESTS } from "./scenarios/netifdirect/table.ts";
import {
  DEFAULT_OPTIONS,
  runMpTest,
  type RunOptions,
  type TestRecord,
} from "./scenarios/mptest/parent.ts";
import { UsageError } from "./ffi/errors.ts";
import { logFor } from "./scenarios/log.ts";
import type { RunRecord } from "./scenarios/sweep/record.ts";
import { runSweep, selectTests } from "./scenarios/sweep/sweep.ts";

export type { ChildReport, RunOptions, TestRecord, Verdict } from "./scenarios/mptest/parent.ts";
export type { ChildResult, IfStatName } from "./scenarios/netifdirect/defs.ts";
export type { BackendName } from "./scenarios/machine/backend.ts";
export { IfStat } from "./ffi/constants.ts";
export type { EventCounts, RunRecord } from "./scenarios/sweep/record.ts";
export { RUN_RECORD_SCHEMA, totalsLine } from "./scenarios/sweep/record.ts";
export { exitStatus } from "./scenarios/sweep/result_line.ts";
export { toJsonLines } from "./scenarios/sweep/reports/jsonl.ts";
export { type JUnitOptions, toJUnitXml } from "./scenarios/sweep/reports/junit.ts";
export { toKtap } from "./scenarios/sweep/reports/ktap.ts";
export { summaryTable } from "./scenarios/sweep/reports/table.ts";
export {
  type CompareOptions,
  compareRuns,
  type Comparison,
  DEFAULT_COMPARE,
  regressedTests,
} from "./scenarios/sweep/compare.ts";
export { checkComparable, parseRecords } from "./scenarios/sweep/compare_input.ts";
export { compareJUnit, compareTable } from "./scenarios/sweep/reports/compare_report.ts";
export { toHtml } from "./scenarios/sweep/reports/html.ts";
export {
  EnvironmentError,
  ExitCode,
  ShimLoadError,
  SktError,
  SpiError,
  UsageError,
} from "./ffi/errors.ts";

/** A test of the table, as scripts see it. */
export interface TestInfo {
  /** the test's name, e.g. "netifdirecttxrx" */
  name: string;
  /** upstream's one-line description of the test */
  description: string;
  /** false for netifdirecttxrxcopymode and netifdirectifadvenable (never run by upstream) */
  upstreamRegistered: boolean;
}

/** The seven tests, in upstream's order. */
export function listTests(): TestInfo[] {
  return TESTS.map(({ name, description, upstreamRegistered }) => ({
    name,
    description,
    upstreamRegistered,
  }));
}

/**
 * Runs one test; resolves to its record (verdict pass / fail / skip) and never
 * rejects for a failing test. It logs through LogTape (category `skt`, child
 * lines under `skt.child`, prefixed `child N:`) and configures nothing: a
 * script that wants the lines configures LogTape itself.
 */
export async function runTest(
  name: string,
  options: Partial<RunOptions> = {},
): Promise<TestRecord> {
  const test = findTest(name);
  if (!test) throw new UsageError(`unknown test "${name}"`);
  const childLog = logFor("child");
  return await runMpTest(test, { ...DEFAULT_OPTIONS, ...options }, {
    log: logFor("driver"),
    writeLine: (line) => childLog.info(line),
  });
}

/** Options of {@link sweep}: those of {@link runTest}, plus what to run and how often. */
export interface SweepOptions extends Partial<RunOptions> {
  /** globs over test names (`*`, `?`, `[...]`); every test when absent or empty */
  filters?: readonly string[];
  /** runs of each selected test (default 1) */
  repeat?: number;
  /** stop after the first failed run */
  failFast?: boolean;
  /** aborting stops the sweep before its next run */
  signal?: AbortSignal;
  /** called as each run finishes */
  onRecord?: (record: RunRecord) => void;
  /** every log line of the runs as it is written; by default nothing is printed */
  onLog?: (line: string) => void;
}

/**
 * Runs the selected tests `repeat` times each, round by round in the table's
 * order, and resolves to one record per run (the records `skt sweep --json`
 * writes). A failing run never rejects; a filter that matches no test, or a
 * bad `repeat`, rejects with a UsageError before anything runs. A failed
 * run's log lines are kept in its record's `log`.
 */
export async function sweep(options: SweepOptions = {}): Promise<RunRecord[]> {
  const { filters = [], repeat = 1, failFast = false, signal, onRecord, onLog, ...run } = options;
  if (!Number.isInteger(repeat) || repeat < 1) {
    throw new UsageError(`repeat must be a positive integer, got ${repeat}`);
  }
  const tests = selectTests(filters);
  const outcome = await runSweep(
    { tests, repeat, failFast, run: { ...DEFAULT_OPTIONS, ...run }, signal },
    { onRecord, onLog },
  );
  return outcome.records;
}
