/**
 * skt: run xnu's Skywalk netif direct mptests.
 *
 *   skt list [--backend B]
 *   skt run NAME... [--backend sim|skywalk|afxdp] [--packets N] [--batch N] [--timeout S] [--verbose]
 *           [--sim-timebase NUMER/DENOM]
 *   skt sweep [--filter GLOB]... [--repeat N] [--fail-fast] [--json FILE|-] [--junit FILE] [--tap]
 *             [--baseline OLD.jsonl] [--html FILE] [--pcap DIR]
 *   skt compare OLD.jsonl NEW.jsonl [--json FILE|-] [--junit FILE] [--html FILE]
 *               [--alpha P] [--threshold R]
 *   skt report RUNS.jsonl --html FILE
 *   skt doctor
 *   skt --version | skt --help | skt COMMAND --help
 *   skt child NAME INDEX ...   (internal: how the driver starts each child)
 *
 * Exit status: 0 pass, 1 fail, 2 usage error, 3 environment error, 4 nothing ran,
 * 130 / 143 interrupted by SIGINT / SIGTERM (README: "Exit codes").
 *
 * The commands are loaded by name: a child (two per test, started by the
 * driver) loads neither the argument parser nor the logger, which are most of
 * the CLI's start-up time (cli/child.ts).
 */
import { DEBUG_ENV } from "../scenarios/machine/env.ts";
import { ExitCode, SktError } from "../ffi/errors.ts";
import { printError } from "./print.ts";

/** Runs the command `args` names; returns the exit status. */
async function main(args: string[]): Promise<number> {
  if (args[0] === "child") {
    const { childEntry } = await import("./child.ts");
    return await childEntry(args.slice(1));
  }
  const { main } = await import("./app.ts");
  return await main(args);
}

if (import.meta.main) {
  let status: number;
  try {
    status = await main(Deno.args);
  } catch (e) {
    if (e instanceof SktError) {
      printError(`skt: ${e.message}`);
      status = e.exitCode;
    } else if (e instanceof Deno.errors.NotCapable) {
      printError(`skt: missing permission: ${e.message}`);
      status = ExitCode.environment;
    } else {
      // a bug, not a user error: one line, the stack only on request
      const error = e as Error;
      printError(`skt: internal error: ${error?.name ?? "Error"}: ${error?.message ?? e}`);
      if (Deno.env.get(DEBUG_ENV)) printError(String(error?.stack ?? e));
      status = ExitCode.fail;
    }
  }
  Deno.exit(status);
}
