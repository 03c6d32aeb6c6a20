/**
 * `skt compare OLD.jsonl NEW.jsonl` and `skt report RUNS.jsonl --html FILE`,
 * and the comparison `sweep --baseline` ends with. Exit status: 1 when a
 * test regressed, 0 otherwise, 2 for an unreadable file or runs that measure
 * different things (backend, packet count, batch).
 */
import { EnvironmentError, ExitCode } from "../ffi/errors.ts";
import type { RunRecord } from "../scenarios/sweep/record.ts";
import { type CompareOptions, compareRuns, regressedTests } from "../scenarios/sweep/compare.ts";
import { checkComparable, readRecords } from "../scenarios/sweep/compare_input.ts";
import {
  compareJson,
  compareJUnit,
  compareNotes,
  compareTable,
  compareTotalsLine,
} from "../scenarios/sweep/reports/compare_report.ts";
import { toHtml } from "../scenarios/sweep/reports/html.ts";
import { openReport, whyUnwritable } from "./files.ts";
import { writeAllSync as writeAll } from "../scenarios/machine/os.ts";
import { printError } from "./print.ts";

export interface CompareArgs {
  baseline: string;
  current: string;
  json?: string;
  junit?: string;
  html?: string;
  alpha: number;
  threshold: number;
}

/** Where the comparison's reports go; files are checked before anything is read or run. */
export interface CompareOutputs {
  json?: string;
  junit?: string;
  html?: string;
  /** where the table goes: stdout unless stdout carries JSON */
  table: (text: string) => void;
}

/** Opens (and so checks) every report path now: a typo costs a usage error, not a sweep. */
export function checkOutputs(paths: { flag: string; path?: string }[]): void {
  for (const { flag, path } of paths) {
    if (path && path !== "-") openReport(flag, path, false).close();
  }
}

/** Writes a whole report ("-": stdout); failure is an environment error naming the file. */
export function write(flag: string, path: string, text: string): void {
  if (path === "-") return writeAll(Deno.stdout, text);
  try {
    Deno.writeTextFileSync(path, text);
  } catch (e) {
    throw new EnvironmentError(
      `could not write the ${flag} report to "${path}": ${whyUnwritable(e, path)}`,
    );
  }
}

/**
 * Compares, prints the table and writes the reports asked for; returns 1 when
 * a test regressed, else 0. Throws a UsageError (2) for incomparable runs.
 */
export async function reportComparison(
  baseline: readonly RunRecord[],
  current: readonly RunRecord[],
  options: CompareOptions,
  out: CompareOutputs,
  title: string,
): Promise<number> {
  const warnings = checkComparable(baseline, current);
  for (const w of warnings) printError(`skt: warning: ${w}`);
  const c = compareRuns(baseline, current, options);
  out.table(
    [...compareTable(c), ...compareNotes(c), compareTotalsLine(c)].map((l) => l + "\n").join(""),
  );
  if (out.json) write("--json", out.json, compareJson(c, warnings));
  if (out.junit) write("--junit", out.junit, compareJUnit(c));
  if (out.html) {
    write("--html", out.html, await toHtml({ title, current, baseline, comparison: c, warnings }));
  }
  return regressedTests(c).length > 0 ? ExitCode.fail : ExitCode.pass;
}

export async function compareCommand(args: CompareArgs): Promise<number> {
  // inputs first: an unreadable one then leaves no empty report file behind
  const baseline = readRecords(args.baseline, "the baseline");
  const current = readRecords(args.current, "the new runs");
  checkOutputs([
    { flag: "--json", path: args.json },
    { flag: "--junit", path: args.junit },
    { flag: "--html", path: args.html },
  ]);
  const toStdout = args.json === "-";
  return await reportComparison(
    baseline,
    current,
    { alpha: args.alpha, threshold: args.threshold },
    {
      json: args.json,
      junit: args.junit,
      html: args.html,
      table: (text) => writeAll(toStdout ? Deno.stderr : Deno.stdout, text),
    },
    `skt: ${args.current} against ${args.baseline}`,
  );
}

export interface ReportArgs {
  runs: string;
  html: string;
}

export async function reportCommand(args: ReportArgs): Promise<number> {
  const current = readRecords(args.runs, "the runs");
  checkOutputs([{ flag: "--html", path: args.html }]);
  write("--html", args.html, await toHtml({ title: `skt: ${args.runs}`, current }));
  return ExitCode.pass;
}
