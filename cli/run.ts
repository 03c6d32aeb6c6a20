/** `skt run NAME...`: run tests in the order given, one result line each on stdout. */
import { closeNames, findTest, type MpTest } from "../scenarios/netifdirect/table.ts";
import { runMpTest, type RunOptions, type TestRecord } from "../scenarios/mptest/parent.ts";
import type { BackendName } from "../scenarios/machine/backend.ts";
import type { Log } from "../scenarios/log.ts";
import { UsageError } from "../ffi/errors.ts";
import { PCAP_NOT_ON_AFXDP } from "../scenarios/machine/capture.ts";
import { printError } from "./print.ts";
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
  /** a strict failure fails the run (exit 1) */
  strict: boolean;
  /** --pcap DIR: each interface's frames as pcapng */
  pcap?: string;
}

export interface RunArgs extends RunFlags {
  tests: readonly string[];
}

/** The driver's options from the shared flags; refuses bad knobs with a UsageError. */
export function runOptionsFrom(flags: RunFlags): RunOptions {
  const { testKnobs } = parseKnobSpecs(flags.knobs, flags.backend);
  if (flags.pcap !== undefined && flags.backend === "afxdp") {
    throw new UsageError(PCAP_NOT_ON_AFXDP);
  }
  if (flags.pcap !== undefined) preparePcapDir(flags.pcap);
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
    testKnobs,
    pcapDir: flags.pcap ?? null,
  };
}

/** --pcap DIR: made if missing, refused (usage error) if it can't be, before anything runs. */
function preparePcapDir(dir: string): void {
  if (dir.trim() === "") throw new UsageError("an empty --pcap folder was given");
  try {
    Deno.mkdirSync(dir, { recursive: true });
    const probe = `${dir}/.skt-pcap-probe-${Deno.pid}`;
    Deno.writeFileSync(probe, new Uint8Array());
    Deno.removeSync(probe);
  } catch (e) {
    const why = e instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : e instanceof Deno.errors.AlreadyExists || e instanceof Deno.errors.NotADirectory
      ? "it is not a folder"
      : (e as Error).message;
    throw new UsageError(`cannot write captures to --pcap "${dir}": ${why}`);
  }
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
  "debug.sim.lose_frame_every",
  "debug.sim.status_wrong_pktid",
  "debug.sim.adv_hold_ms",
  "debug.sim.tx_slowdown",
] as const;

/**
 * Parses --sim-knob [TEST:]NAME=VALUE options: integer debug.sim.* sysctls of
 * the sim, never a real kernel's sysctls; with TEST: only for that test's runs.
 */
export function parseKnobSpecs(
  knobs: readonly string[],
  backend: BackendName,
): { knobs: Record<string, number>; testKnobs: Record<string, Record<string, number>> } {
  if (knobs.length > 0 && backend !== "sim") {
    throw new UsageError(`--sim-knob only applies to the sim backend, not ${backend}`);
  }
  const out: Record<string, number> = {};
  const testKnobs: Record<string, Record<string, number>> = {};
  for (const knob of knobs) {
    const m = /^(?:([a-z0-9]+):)?([a-z0-9_.]+)=(-?\d+)$/.exec(knob);
    if (!m) throw new UsageError(`--sim-knob wants [TEST:]NAME=INTEGER, got "${knob}"`);
    if (!(SIM_KNOBS as readonly string[]).includes(m[2])) {
      throw new UsageError(`--sim-knob: unknown knob "${m[2]}" (known: ${SIM_KNOBS.join(", ")})`);
    }
    if (m[1] === undefined) out[m[2]] = Number(m[3]);
    else {
      if (!findTest(m[1])) {
        throw new UsageError(`--sim-knob: unknown test "${m[1]}" (see \`skt list\`)`);
      }
      (testKnobs[m[1]] ??= {})[m[2]] = Number(m[3]);
    }
  }
  return { knobs: out, testKnobs };
}

/** The knobs of every run (--sim-knob NAME=VALUE without a test). */
export function parseKnobs(knobs: readonly string[], backend: BackendName): Record<string, number> {
  return parseKnobSpecs(knobs, backend).knobs;
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
  return exitStatus(records, args.strict);
}
