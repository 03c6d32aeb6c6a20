/**
 * `skt sweep`: the selected tests N times each, progress on stderr, reports
 * (JSON Lines, JUnit XML, KTAP) where asked, a summary table, and always, as
 * the last line on stdout, "N passed, N failed, N skipped".
 */
import { writeAllSync } from "../scenarios/machine/os.ts";
import { onStopSignals } from "../scenarios/mptest/signals.ts";
import { resolve } from "node:path";
import { runLabel, type RunRecord, totalsLine } from "../scenarios/sweep/record.ts";
import { runSweep, selectTests, type SweepOutcome } from "../scenarios/sweep/sweep.ts";
import { EnvironmentError, ExitCode, SktError, UsageError } from "../ffi/errors.ts";
import { checkSameSetup, readRecords } from "../scenarios/sweep/compare_input.ts";
import { toHtml } from "../scenarios/sweep/reports/html.ts";
import { checkOutputs, reportComparison, write } from "./compare.ts";
import { type RunFlags, runOptionsFrom } from "./run.ts";
import { printError } from "./print.ts";
import { exitStatus } from "../scenarios/sweep/result_line.ts";
import { jsonLine } from "../scenarios/sweep/reports/jsonl.ts";
import { toJUnitXml } from "../scenarios/sweep/reports/junit.ts";
import { toKtap } from "../scenarios/sweep/reports/ktap.ts";
import { summaryTable } from "../scenarios/sweep/reports/table.ts";
import { Progress } from "../scenarios/sweep/reports/progress.ts";
import { exists, openReport, whyUnwritable } from "./files.ts";

export interface SweepArgs extends RunFlags {
  filters: readonly string[];
  repeat: number;
  failFast: boolean;
  /** a file, or "-" for stdout */
  json?: string;
  junit?: string;
  tap: boolean;
  /** an earlier sweep's JSON Lines to compare with */
  baseline?: string;
  html?: string;
  alpha: number;
  threshold: number;
}

/** Stops the sweep after the current run on SIGINT/SIGTERM (the driver handles the run). */
function watchStopSignals(
  controller: AbortController,
): { signal: () => Deno.Signal | null; stop(): void } {
  let caught: Deno.Signal | null = null;
  const stop = onStopSignals((sig) => {
    caught ??= sig;
    controller.abort(sig);
  });
  return { signal: () => caught, stop };
}

function stopNote(
  outcome: SweepOutcome | null,
  ran: number,
  planned: number,
  signal: string | null,
) {
  if (ran === planned) return [];
  if (outcome?.stoppedBy === "fail-fast") {
    return [`stopped after the first failure (--fail-fast): ${ran} of ${planned} runs ran`];
  }
  return [`interrupted${signal ? ` by ${signal}` : ""}: ${ran} of ${planned} runs ran`];
}

export async function sweepCommand(args: SweepArgs): Promise<number> {
  // everything that can be refused is refused before the first run
  const tests = selectTests(args.filters);
  const run = runOptionsFrom(args);
  const jsonToStdout = args.json === "-";
  if (jsonToStdout && args.tap) {
    throw new UsageError("--json - and --tap both write to stdout; give --json a file name");
  }
  if (args.json && args.junit && !jsonToStdout && resolve(args.json) === resolve(args.junit)) {
    throw new UsageError(`--json and --junit both name "${args.json}"`);
  }
  const baseline = args.baseline ? readRecords(args.baseline, "the baseline") : null;
  if (baseline) checkSameSetup(baseline, [run]);
  checkOutputs([{ flag: "--html", path: args.html }]);
  const junitExisted = args.junit !== undefined && exists(args.junit);
  if (args.junit) openReport("--junit", args.junit, false).close();
  let jsonFile: Deno.FsFile | null = null;
  try {
    if (args.json && !jsonToStdout) jsonFile = openReport("--json", args.json, true);
  } catch (e) {
    // leave no empty file behind from the --junit check
    if (args.junit && !junitExisted) Deno.removeSync(args.junit);
    throw e;
  }

  const planned = tests.length * args.repeat;
  const tty = Deno.stderr.isTerminal();
  const progress = new Progress({
    total: planned,
    tty,
    color: tty && !Deno.noColor,
    write: (text) => writeAllSync(Deno.stderr, text),
    columns: () => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 0;
      }
    },
  });
  const controller = new AbortController();
  const signals = watchStopSignals(controller);
  const records: RunRecord[] = [];
  let outcome: SweepOutcome | null = null;
  // an error that stops the sweep (no run record possible, a report that cannot be
  // written) still ends it with the table and the totals line of the runs so far
  let broke: unknown = null;
  try {
    outcome = await runSweep(
      {
        tests,
        repeat: args.repeat,
        failFast: args.failFast,
        strict: args.strict,
        run,
        signal: controller.signal,
      },
      {
        onStart: (p, i) => progress.start({ test: p.test.name, iteration: p.iteration }, i),
        onRecord: (record, i) => {
          records.push(record);
          progress.finish(record, i);
          // --verbose has shown the log already
          if (record.log && !args.verbose) {
            progress.print([`--- log of ${runLabel(record)} ---`, ...record.log, "---"]);
          }
          if (jsonFile) writeAllSync(jsonFile, jsonLine(record));
          if (jsonToStdout) progress.around(() => writeAllSync(Deno.stdout, jsonLine(record)));
        },
        onLog: args.verbose ? (line) => progress.print([line]) : undefined,
      },
    );
  } catch (e) {
    broke = e;
  } finally {
    progress.close();
    signals.stop();
    jsonFile?.close();
  }
  // written even when the sweep broke off with an error: the runs so far are results
  if (args.junit) {
    try {
      writeJUnit(args.junit, records, args.strict);
    } catch (e) {
      broke ??= e;
    }
  }

  const note = broke
    ? [
      `stopped by an error after ${records.length} of ${planned} runs: ${(broke as Error).message}`,
    ]
    : stopNote(outcome, records.length, planned, signals.signal());
  const table = records.length ? summaryTable(records) : [];
  if (args.tap) {
    writeAllSync(Deno.stdout, toKtap(records, [...table, ...note], args.strict));
  } else {
    const lines = [...table, ...note].map((l) => l + "\n").join("");
    // with --json -, stdout is for the records (and the last line) only
    writeAllSync(jsonToStdout ? Deno.stderr : Deno.stdout, lines);
  }
  // the comparison with the baseline, or the plain HTML report: of complete sweeps only
  let compared: number = ExitCode.pass;
  if (!broke && records.length === planned && (baseline || args.html)) {
    const side = (text: string) =>
      writeAllSync(jsonToStdout || args.tap ? Deno.stderr : Deno.stdout, text);
    try {
      if (baseline) {
        compared = await reportComparison(
          baseline,
          records,
          { alpha: args.alpha, threshold: args.threshold },
          { html: args.html, table: side },
          `skt sweep against ${args.baseline}`,
        );
      } else if (args.html) {
        write("--html", args.html, await toHtml({ title: "skt sweep", current: records }));
      }
    } catch (e) {
      broke = e;
    }
  }
  writeAllSync(Deno.stdout, totalsLine(records) + "\n");

  if (broke) {
    if (!(broke instanceof SktError)) throw broke;
    printError(`skt: ${broke.message}`);
    return broke.exitCode;
  }
  const caught = signals.signal();
  if (caught && !records.some((r) => r.interrupted)) return caught === "SIGINT" ? 130 : 143;
  const status = exitStatus(records, args.strict);
  return status === ExitCode.pass ? compared : status;
}

function writeJUnit(path: string, records: readonly RunRecord[], strict: boolean): void {
  try {
    Deno.writeTextFileSync(path, toJUnitXml(records, { strict }));
  } catch (e) {
    throw new EnvironmentError(
      `could not write the --junit report to "${path}": ${whyUnwritable(e, path)}`,
    );
  }
}
