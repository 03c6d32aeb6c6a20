/** `skt run NAME...`: run tests in the order given, one result line each on stdout. */
import { closeNames, findTest, type MpTest } from "../scenarios/netifdirect/table.ts";
import { runMpTest, type RunOptions, type TestRecord } from "../scenarios/mptest/parent.ts";
import type { BackendName } from "../scenarios/machine/backend.ts";
import type { Log } from "../scenarios/log.ts";
import { UsageError } from "../ffi/errors.ts";
import { printError } from "./log.ts";
import { exitStatus, resultLine } from "../scenarios/sweep/result_line.ts";

/** The options `run` and `sweep` share. */
export interface RunFlags {
  backend: BackendName;
  packets: number;
  batch: number;
  timeout: number;
  paceUs: number;
  verbose: boolean;
  knobs: readonly string[];
  /** "NUMER/DENOM" for the sim's mach clock */
  timebase?: string;
}

export interface RunArgs extends RunFlags {
  tests: readonly string[];
}

/** The driver's options from the shared flags; refuses bad knobs with a UsageError. */
export function runOptionsFrom(flags: RunFlags): RunOptions {
  return {
    backend: flags.backend,
    packets: flags.packets,
    batch: flags.batch,
    timeoutSec: flags.timeout,
    paceUs: flags.paceUs,
    verbose: flags.verbose,
    knobs: {
      ...parseTimebase(flags.timebase, flags.backend),
      ...parseKnobs(flags.knobs, flags.backend),
    },
  };
}

/** Resolves test names, refusing unknown, empty and repeated ones with one sentence. */
export function resolveTests(names: readonly string[]): MpTest[] {
  if (names.length === 0) {
    throw new UsageError("no test name given: skt run NAME... (see `skt list`)");
  }
  const seen = new Set<string>();
  return names.map((name) => {
    if (name.trim() === "") throw new UsageError("an empty test name was given");
    const test = findTest(name);
    if (!test) {
      const near = closeNames(name);
      throw new UsageError(
        `unknown test "${name}"${
          near.length ? `; did you mean ${near.join(", ")}?` : ""
        } (see \`skt list\`)`,
      );
    }
    if (seen.has(name)) throw new UsageError(`test "${name}" was given more than once`);
    seen.add(name);
    return test;
  });
}

/** The sim's test-only knobs (ffi/shim/sim/sysctl.c): all --sim-knob may set. */
export const SIM_KNOBS = [
  "debug.sim.corrupt_frame",
  "debug.sim.corrupt_offset",
  "debug.sim.timebase_numer",
  "debug.sim.timebase_denom",
  "debug.sim.adv_ignore_disable",
  "debug.sim.drop_without_event",
  "debug.sim.expired_wrong_status",
] as const;

/**
 * Parses --sim-knob NAME=VALUE options: integer debug.sim.* sysctls of the sim,
 * never a real kernel's sysctls.
 */
export function parseKnobs(knobs: readonly string[], backend: BackendName): Record<string, number> {
  if (knobs.length > 0 && backend !== "sim") {
    throw new UsageError(`--sim-knob only applies to the sim backend, not ${backend}`);
  }
  const out: Record<string, number> = {};
  for (const knob of knobs) {
    const m = /^([a-z0-9_.]+)=(-?\d+)$/.exec(knob);
    if (!m) throw new UsageError(`--sim-knob wants NAME=INTEGER, got "${knob}"`);
    if (!(SIM_KNOBS as readonly string[]).includes(m[1])) {
      throw new UsageError(`--sim-knob: unknown knob "${m[1]}" (known: ${SIM_KNOBS.join(", ")})`);
    }
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/** --sim-timebase NUMER/DENOM: the sim's debug.sim.timebase_* knobs. */
export function parseTimebase(
  timebase: string | undefined,
  backend: BackendName,
): Record<string, number> {
  if (timebase === undefined) return {};
  if (backend !== "sim") {
    throw new UsageError(`--sim-timebase only applies to the sim backend, not ${backend}`);
  }
  const m = /^([1-9]\d{0,5})\/([1-9]\d{0,5})$/.exec(timebase);
  if (!m) {
    throw new UsageError(
      `--sim-timebase wants NUMER/DENOM such as 125/3 or 1/1, got "${timebase}"`,
    );
  }
  return { "debug.sim.timebase_numer": Number(m[1]), "debug.sim.timebase_denom": Number(m[2]) };
}

export async function runCommand(args: RunArgs, log: Log): Promise<number> {
  const tests = resolveTests(args.tests);
  const options = runOptionsFrom(args);
  const records: TestRecord[] = [];
  for (const test of tests) {
    const record = await runMpTest(test, options, { log, writeLine: printError });
    records.push(record);
    console.log(resultLine(record));
    if (record.interrupted) break;
  }
  return exitStatus(records);
}
