/**
 * `skt child NAME INDEX --backend B --packets N --batch N --pace-us N [--verbose]`:
 * one child process of a test, started by the driver (scenarios/mptest/options.ts,
 * cliChildCommand, writes this command line).
 *
 * A test starts two children and waits for both to be ready, so their start-up
 * is on every run's clock. They skip what people's commands load (cli/app.ts):
 * the arguments, written by skt itself, are read here with the bounds the
 * parser enforces for `run`, and log lines go straight to stderr, where the
 * driver reads them and logs them under `skt.child` (LogTape is configured by
 * the parent). That is about 40 ms of each child's start (docs/performance.md).
 */
import { findTest } from "../scenarios/netifdirect/table.ts";
import { childMain } from "../scenarios/mptest/child.ts";
import { type BackendName, BACKENDS } from "../scenarios/machine/backend.ts";
import type { Log } from "../scenarios/log.ts";
import { UsageError } from "../ffi/errors.ts";
import { MAX_PACE_US, MAX_PACKETS, RING_TX_SLOTS } from "./limits.ts";
import { printError } from "./print.ts";

/** What a child is told on its command line. */
export interface ChildArgs {
  test: string;
  index: number;
  backend: BackendName;
  packets: number;
  batch: number;
  paceUs: number;
  verbose: boolean;
}

const NUMBERS = {
  "--packets": { key: "packets", min: 1, max: MAX_PACKETS },
  "--batch": { key: "batch", min: 1, max: RING_TX_SLOTS },
  "--pace-us": { key: "paceUs", min: 0, max: MAX_PACE_US },
} as const;

function integerIn(flag: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`child: ${flag} takes an integer from ${min} to ${max}, not ${text}`);
  }
  return value;
}

/** Reads a child's arguments (everything after `child`); throws UsageError. */
export function parseChildArgs(args: readonly string[]): ChildArgs {
  const [test, indexText, ...rest] = args;
  if (test === undefined || test.startsWith("-")) throw new UsageError("child: no test name");
  const parsed: ChildArgs = {
    test,
    index: integerIn("INDEX", indexText, 0, 1),
    backend: "sim",
    packets: 0,
    batch: 0,
    paceUs: 0,
    verbose: false,
  };
  const seen = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (seen.has(flag)) throw new UsageError(`child: ${flag} given twice`);
    seen.add(flag);
    if (flag === "--verbose") {
      parsed.verbose = true;
    } else if (flag === "--backend") {
      const name = rest[++i];
      if (!(BACKENDS as readonly string[]).includes(name)) {
        throw new UsageError(`child: --backend takes one of ${BACKENDS.join(", ")}, not ${name}`);
      }
      parsed.backend = name as BackendName;
    } else if (Object.hasOwn(NUMBERS, flag)) {
      const { key, min, max } = NUMBERS[flag as keyof typeof NUMBERS];
      parsed[key] = integerIn(flag, rest[++i], min, max);
    } else {
      throw new UsageError(`child: unknown option ${flag}`);
    }
  }
  for (const flag of ["--backend", ...Object.keys(NUMBERS)]) {
    if (!seen.has(flag)) throw new UsageError(`child: ${flag} is required`);
  }
  return parsed;
}

/** Log lines to stderr as they come (a child killed mid-run has shown all it logged). */
function stderrLog(verbose: boolean): Log {
  return { info: printError, debug: verbose ? printError : () => {}, debugEnabled: verbose };
}

/** Runs the child the arguments name; returns its exit status. */
export async function childEntry(args: readonly string[]): Promise<number> {
  const parsed = parseChildArgs(args);
  const test = findTest(parsed.test);
  if (!test) throw new UsageError(`unknown test "${parsed.test}"`);
  if (parsed.index >= test.nchildren) {
    throw new UsageError(
      `${test.name} has ${test.nchildren} children; there is no child ${parsed.index}`,
    );
  }
  return await childMain(test, parsed.index, { ...parsed, log: stderrLog(parsed.verbose) });
}
