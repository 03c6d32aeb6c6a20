/**
 * What a run is asked to do (RunOptions and their defaults), how its children
 * are started, and what the driver needs from its caller.
 */
import type { BackendName } from "../machine/backend.ts";
import type { MpTest } from "../netifdirect/table.ts";
import type { ChildCommand } from "./children.ts";
import type { Log } from "../log.ts";

/** What a run is asked to do; `DEFAULT_OPTIONS` gives each its default. */
export interface RunOptions {
  /** the shim backend: "skywalk" (macOS's kernel) or "sim" */
  backend: BackendName;
  /** frames each child sends (upstream: 20,000) */
  packets: number;
  /** frames per TX batch (upstream: 8) */
  batch: number;
  /** seconds for the whole run, children included */
  timeoutSec: number;
  /** usleep after each TX batch (upstream: 1) */
  paceUs: number;
  /** upstream's SKT_NETIF_DIRECT_DEBUG lines */
  verbose: boolean;
  /** sysctls set in the backend before init (test-only knobs such as debug.sim.*) */
  knobs: Record<string, number>;
  /** knobs set only for the runs of one test: test name -> knobs (--sim-knob TEST:NAME=VALUE) */
  testKnobs?: Record<string, Record<string, number>>;
  /** --pcap: the folder the run's capture files go to, or null */
  pcapDir?: string | null;
  /** names the capture files (PREFIX-feth0.pcapng); the test's name when absent */
  pcapPrefix?: string;
}

export const DEFAULT_OPTIONS: RunOptions = {
  backend: Deno.build.os === "darwin" ? "skywalk" : "sim",
  packets: 20_000,
  batch: 8,
  timeoutSec: 120,
  paceUs: 1,
  verbose: false,
  knobs: {},
  pcapDir: null,
};

/** How a child is started; tests substitute a fake child. */
export type ChildCommandFactory = (
  test: MpTest,
  index: number,
  options: RunOptions,
  env: Record<string, string>,
) => ChildCommand;

/** The workload options every kind of child takes: packets, batch, pacing. */
export function workloadArgs(options: RunOptions): string[] {
  return [
    "--packets",
    String(options.packets),
    "--batch",
    String(options.batch),
    "--pace-us",
    String(options.paceUs),
  ];
}

/**
 * V8 in a child runs on the child's one thread, as the C child does: its
 * concurrent compiler and garbage collector threads would otherwise compete
 * with both children for the CPUs (two on the machines measured), and a child
 * they delay lets its peer overflow its RX ring (docs/performance.md: fewer
 * lopsided unpaced runs, slower direction's minimum 274 -> 415 kpps).
 */
const CHILD_V8_FLAGS = "--v8-flags=--single-threaded";

/** The default: this CLI again, with the internal `child` subcommand. */
export function cliChildCommand(
  test: MpTest,
  index: number,
  options: RunOptions,
  env: Record<string, string>,
): ChildCommand {
  return {
    command: Deno.execPath(),
    args: [
      "run",
      "--allow-all",
      "--quiet",
      CHILD_V8_FLAGS,
      new URL("../../cli/main.ts", import.meta.url).pathname,
      "child",
      test.name,
      String(index),
      "--backend",
      options.backend,
      ...workloadArgs(options),
      ...(options.verbose ? ["--verbose"] : []),
    ],
    env,
  };
}

/**
 * How long the driver waits before it escalates; tests shorten them so fault
 * tests don't wait on fixed timers.
 */
export interface Graces {
  /** after the first child fails, before the others are signalled (upstream: 1 s) */
  failureMs: number;
  /** between SIGTERM and SIGKILL */
  killMs: number;
}

/** Upstream waits 1 s after the first failure before it signals the others. */
const FAILURE_GRACE_MS = 1000;
/** How long a child has between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

/** The driver's graces unless a caller sets its own. */
export const DEFAULT_GRACES: Graces = { failureMs: FAILURE_GRACE_MS, killMs: KILL_GRACE_MS };

export interface DriverDeps {
  log: Log;
  /** where prefixed child stderr lines go */
  writeLine: (line: string) => void;
  childCommand?: ChildCommandFactory;
  /** escalation delays (default DEFAULT_GRACES) */
  graces?: Graces;
}
