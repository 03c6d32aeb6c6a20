/**
 * The CLI's commands for people (list, run, sweep, compare, report, doctor):
 * the argument parser (optique), logging set up (LogTape), then the command.
 * cli/main.ts starts here for every command but `child`.
 */
import denoJson from "../deno.json" with { type: "json" };
import { argument, command, constant, option } from "@optique/core/primitives";
import { merge, object, or } from "@optique/core/constructs";
import { multiple, optional, withDefault } from "@optique/core/modifiers";
import type { InferValue } from "@optique/core/parser";
import { message, text } from "@optique/core/message";
import { choice, integer, string } from "@optique/core/valueparser";
import { run } from "@optique/run";
import { ExitCode, UsageError } from "../ffi/errors.ts";
import { BACKENDS } from "../scenarios/machine/backend.ts";
import { DEFAULT_OPTIONS } from "../scenarios/mptest/parent.ts";
import { logFor, setupLogging } from "./log.ts";
import { printError } from "./print.ts";
import { listCommand } from "./list.ts";
import { runCommand } from "./run.ts";
import { sweepCommand } from "./sweep.ts";
import { doctorCommand } from "./doctor.ts";
import { compareCommand, reportCommand } from "./compare.ts";
import {
  alphaOption,
  compareParser,
  htmlOption,
  pcapOption,
  reportParser,
  thresholdOption,
} from "./report_options.ts";
import { MAX_PACE_US, MAX_PACKETS, RING_TX_SLOTS } from "./limits.ts";

/** `skt --version` prints this. */
export const VERSION_LINE = `skt ${denoJson.version}`;

/** A default as help shows it: plain, not quoted as optique shows values. */
const shown = (value: number) => ({ message: message`${text(String(value))}` });

const backendOption = withDefault(
  option("--backend", choice(BACKENDS, { metavar: "BACKEND" }), {
    description:
      message`which shim backend runs the tests: sim, skywalk (macOS) or afxdp (Linux AF_XDP, root)`,
  }),
  DEFAULT_OPTIONS.backend,
  { message: message`skywalk on macOS, sim elsewhere` },
);
const packetsOption = withDefault(
  option("--packets", integer({ min: 1, max: MAX_PACKETS, metavar: "N" }), {
    description: message`frames each child sends (1 to 10,000,000)`,
  }),
  DEFAULT_OPTIONS.packets,
  shown(DEFAULT_OPTIONS.packets),
);
const batchOption = withDefault(
  option("--batch", integer({ min: 1, max: RING_TX_SLOTS, metavar: "N" }), {
    description: message`frames per TX batch (1 to 512, the TX ring's size)`,
  }),
  DEFAULT_OPTIONS.batch,
  shown(DEFAULT_OPTIONS.batch),
);
const paceOption = withDefault(
  option("--pace-us", integer({ min: 0, max: MAX_PACE_US, metavar: "USEC" }), {
    description: message`upstream's usleep after each TX batch, in us; 0 runs unpaced`,
  }),
  DEFAULT_OPTIONS.paceUs,
  shown(DEFAULT_OPTIONS.paceUs),
);
const verboseOption = option("--verbose", "-v", {
  description: message`upstream's SKT_NETIF_DIRECT_DEBUG lines on stderr (default: off)`,
});
const timeoutOption = withDefault(
  option("--timeout", integer({ min: 1, max: 86_400, metavar: "SECONDS" }), {
    description:
      message`seconds for the whole run; then SIGTERM to the children, SIGKILL 2 s later`,
  }),
  DEFAULT_OPTIONS.timeoutSec,
  shown(DEFAULT_OPTIONS.timeoutSec),
);
const strictOption = option("--strict", {
  description: [{
    type: "text",
    text: "a failed strict check (frame accounting, what the test exercised) fails the run",
  }],
});
/** test-only sysctls set in the backend before init (debug.sim.* knobs) */
const simKnobsOption = multiple(
  option("--sim-knob", string({ metavar: "[TEST:]NAME=VALUE" }), { hidden: true }),
);
/** What every kind of run takes: backend and workload (run and sweep; cli/child.ts parses a child's). */
const workloadOptions = object({
  backend: backendOption,
  packets: packetsOption,
  batch: batchOption,
  paceUs: paceOption,
  verbose: verboseOption,
});
/** What the parent of a run takes besides: the timeout and the sim's test knobs (run, sweep). */
const parentOptions = object({
  timeout: timeoutOption,
  knobs: simKnobsOption,
  strict: strictOption,
  pcap: pcapOption,
});

const parser = or(
  command(
    "list",
    object({ cmd: constant("list" as const), backend: backendOption }),
    { description: [{ type: "text", text: "List the tests and whether each can run here" }] },
  ),
  command(
    "run",
    merge(
      object({
        cmd: constant("run" as const),
        // no names is refused by resolveTests, with a sentence instead of optique's
        tests: multiple(argument(string({ metavar: "NAME" }), {
          description: message`a test to run (skt list names them); one or more`,
        })),
        timebase: optional(
          option("--sim-timebase", string({ metavar: "NUMER/DENOM" }), {
            description: [{
              type: "text",
              text: "sim only: the mach timebase, 125/3 (Apple silicon) or 1/1 (Intel) " +
                "(default: 125/3)",
            }],
          }),
        ),
      }),
      workloadOptions,
      parentOptions,
    ),
    { description: [{ type: "text", text: "Run one or more tests by name" }] },
  ),
  command(
    "sweep",
    merge(
      object({
        cmd: constant("sweep" as const),
        filters: multiple(
          option("--filter", string({ metavar: "GLOB" }), {
            description: [{
              type: "text",
              text: "tests whose whole name matches (*, ?, [a-z], [!x]); repeatable " +
                "(default: every test)",
            }],
          }),
        ),
        repeat: withDefault(
          option("--repeat", integer({ min: 1, max: 100_000, metavar: "N" }), {
            description: [{ type: "text", text: "runs of each test" }],
          }),
          1,
          shown(1),
        ),
        failFast: option("--fail-fast", {
          description: [{ type: "text", text: "stop after the first failed run" }],
        }),
        json: optional(option("--json", string({ metavar: "FILE|-" }), {
          description: [{ type: "text", text: "JSON Lines, one record per run (- for stdout)" }],
        })),
        junit: optional(option("--junit", string({ metavar: "FILE" }), {
          description: [{ type: "text", text: "JUnit XML, one testcase per run" }],
        })),
        tap: option("--tap", {
          description: [{ type: "text", text: "print KTAP on stdout" }],
        }),
        html: htmlOption,
        baseline: optional(option("--baseline", string({ metavar: "OLD.jsonl" }), {
          description: message`compare the runs with an earlier sweep's JSON Lines`,
        })),
        alpha: alphaOption,
        threshold: thresholdOption,
      }),
      workloadOptions,
      parentOptions,
    ),
    {
      description: [{
        type: "text",
        text: "Run the selected tests N times each and report (table, JSON Lines, JUnit, KTAP)",
      }],
    },
  ),
  compareParser,
  reportParser,
  command(
    "doctor",
    object({ cmd: constant("doctor" as const) }),
    {
      description: [{
        type: "text",
        text: "What this machine offers each backend, and why a backend can't run here",
      }],
    },
  ),
);

export type CliArgs = InferValue<typeof parser>;

/**
 * Usage errors as one line, `skt: ...`, whatever the terminal width: optique
 * wraps long messages and labels them "Error:", so its stderr is collected
 * and reflowed before exiting.
 */
function usageErrorSink(): { stderr: (text: string) => void; onExit: (code: number) => never } {
  const parts: string[] = [];
  return {
    stderr: (text) => parts.push(text),
    onExit: (code) => {
      const message = parts.join(" ").replace(/\s+/g, " ").replace(/^Error: /, "").trim();
      if (message) printError(`skt: ${message}`);
      Deno.exit(code);
    },
  };
}

/** Parses `args` and runs the command; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  if (args.length === 0) {
    throw new UsageError("no command given: skt list, or skt run NAME... (see skt --help)");
  }
  const parsed = run(parser, {
    programName: "skt",
    args,
    help: "both",
    aboveError: "none",
    errorExitCode: ExitCode.usage,
    colors: false,
    showDefault: { prefix: " (default: ", suffix: ")" },
    version: VERSION_LINE,
    ...usageErrorSink(),
  });
  setupLogging("verbose" in parsed && parsed.verbose);
  switch (parsed.cmd) {
    case "list":
      return listCommand(parsed.backend);
    case "run":
      return await runCommand(parsed, logFor("driver"));
    case "sweep":
      return await sweepCommand(parsed);
    case "compare":
      return await compareCommand(parsed);
    case "report":
      return await reportCommand(parsed);
    case "doctor":
      return doctorCommand();
  }
}
