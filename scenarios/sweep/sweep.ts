/**
 * A sweep: the selected tests run N times each through the driver, one
 * RunRecord per run. Runs go round by round (every selected test once, in the
 * table's order, then again), so a slow drift of the machine spreads over all
 * tests and --fail-fast stops after the fewest runs of the others.
 */
import { failed } from "./result_line.ts";
import { runMpTest, type RunOptions, type TestRecord } from "../mptest/parent.ts";
import type { Log } from "../log.ts";
import { type MpTest, TESTS } from "../netifdirect/table.ts";
import { type RunRecord, toRunRecord } from "./record.ts";
import { UsageError } from "../../ffi/errors.ts";

/** Lines kept of a failed run's log: the end, where the failure is. */
export const MAX_LOG_LINES = 200;

/** A shell-style glob over a whole test name: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[" && glob.indexOf("]", i + 2) > i) {
      const end = glob.indexOf("]", i + 2);
      let body = glob.slice(i + 1, end);
      const negate = body[0] === "!";
      if (negate) body = body.slice(1);
      re += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * The tests matched by any of the globs, in the table's order (all of them when
 * there is none). A glob that matches nothing is a usage error: it is a typo.
 */
export function selectTests(filters: readonly string[], table = TESTS): MpTest[] {
  if (filters.length === 0) return [...table];
  const patterns = filters.map((glob) => {
    if (glob.trim() === "") throw new UsageError("an empty --filter was given");
    const re = globToRegExp(glob);
    if (!table.some((t) => re.test(t.name))) {
      throw new UsageError(`--filter '${glob}' matches no test (see \`skt list\`)`);
    }
    return re;
  });
  return table.filter((t) => patterns.some((re) => re.test(t.name)));
}

export interface PlannedRun {
  test: MpTest;
  /** 1-based */
  iteration: number;
}

/** Every run of the sweep in order: round 1 (each test once), round 2, ... */
export function planSweep(tests: readonly MpTest[], repeat: number): PlannedRun[] {
  const plan: PlannedRun[] = [];
  for (let iteration = 1; iteration <= repeat; iteration++) {
    for (const test of tests) plan.push({ test, iteration });
  }
  return plan;
}

export interface SweepConfig {
  tests: readonly MpTest[];
  repeat: number;
  /** stop after the first failed run */
  failFast: boolean;
  /** a strict failure is a failure (--strict) */
  strict?: boolean;
  run: RunOptions;
  /** stops the sweep before its next run (the current one finishes) */
  signal?: AbortSignal;
}

export interface SweepHooks {
  /** a run is about to start; `index` is 0-based in a plan of `total` runs */
  onStart?(run: PlannedRun, index: number, total: number): void;
  /** a run finished */
  onRecord?(record: RunRecord, index: number, total: number): void;
  /** every log line of the runs as it is written (driver lines and `child N:` lines) */
  onLog?(line: string): void;
}

/** Runs one test; the driver, or a stand-in in tests. */
export type Runner = (
  test: MpTest,
  options: RunOptions,
  deps: { log: Log; writeLine: (line: string) => void },
) => Promise<TestRecord>;

export interface SweepOutcome {
  records: RunRecord[];
  /** runs the plan had (records.length is smaller when the sweep stopped early) */
  planned: number;
  /** why the sweep stopped before the end of its plan, or null */
  stoppedBy: "fail-fast" | "interrupted" | "aborted" | null;
}

/** Runs the plan; never throws for a failing run (its record says so). */
export async function runSweep(
  config: SweepConfig,
  hooks: SweepHooks = {},
  runner: Runner = runMpTest,
): Promise<SweepOutcome> {
  const plan = planSweep(config.tests, config.repeat);
  const records: RunRecord[] = [];
  let stoppedBy: SweepOutcome["stoppedBy"] = null;
  for (const [index, planned] of plan.entries()) {
    if (config.signal?.aborted) {
      stoppedBy = "aborted";
      break;
    }
    hooks.onStart?.(planned, index, plan.length);
    const lines: string[] = [];
    const capture = (line: string) => {
      lines.push(line);
      if (lines.length > MAX_LOG_LINES) lines.shift();
      hooks.onLog?.(line);
    };
    const log: Log = {
      info: capture,
      debug: (line) => config.run.verbose && capture(line),
    };
    const startedAt = new Date();
    // with --pcap each run gets its own files: TEST-ITERATION-feth0.pcapng
    const options = config.run.pcapDir
      ? { ...config.run, pcapPrefix: `${planned.test.name}-${planned.iteration}` }
      : config.run;
    const result = await runner(planned.test, options, { log, writeLine: capture });
    const record = toRunRecord(result, {
      iteration: planned.iteration,
      startedAt,
      packets: config.run.packets,
      batch: config.run.batch,
      log: lines,
    });
    records.push(record);
    hooks.onRecord?.(record, index, plan.length);
    if (record.interrupted) {
      stoppedBy = "interrupted";
      break;
    }
    if (config.failFast && failed(record, config.strict) && index < plan.length - 1) {
      stoppedBy = "fail-fast";
      break;
    }
  }
  return { records, planned: plan.length, stoppedBy };
}
