/**
 * One unpaced netifdirecttxrx run of either pair, through the same TS driver
 * (gate, init, domain, ready/go, reap, fini): the TS pair is the CLI's own
 * children, the C pair is ffi/build/ref_child (bench/c/ref_child.c). Returns
 * what each receiver verified and how fast.
 */
import { runMpTest } from "../../scenarios/mptest/parent.ts";
import { cliChildCommand, type RunOptions, workloadArgs } from "../../scenarios/mptest/options.ts";
import { findTest, type MpTest } from "../../scenarios/netifdirect/table.ts";
import type { ChildCommand } from "../../scenarios/mptest/children.ts";
import type { Log } from "../../scenarios/log.ts";

export type PairKind = "c" | "ts";

/** ffi/build/ref_child, next to the shim it links against (ref_child_afxdp: the afxdp shim). */
export const REF_CHILD = new URL("../../ffi/build/ref_child", import.meta.url).pathname;
export const REF_CHILD_AFXDP = new URL("../../ffi/build/ref_child_afxdp", import.meta.url).pathname;

/** The backends the bench runs on. */
export type BenchBackend = "sim" | "afxdp";

export function refChildPath(backend: BenchBackend): string {
  return backend === "afxdp" ? REF_CHILD_AFXDP : REF_CHILD;
}

/** Starts the C reference child with the same knobs the TS child gets. */
export function refChildCommand(
  _test: MpTest,
  index: number,
  options: RunOptions,
  env: Record<string, string>,
): ChildCommand {
  return {
    command: refChildPath(options.backend === "afxdp" ? "afxdp" : "sim"),
    args: [String(index), ...workloadArgs(options)],
    env,
  };
}

/** One direction of a run: child `from` sends, child `to` verifies. */
export interface Direction {
  from: number;
  to: number;
  /** frames the receiver verified (checksum and headers) */
  verified: number;
  /** frames missing from the sequence the receiver saw (RX ring overflow) */
  drops: number;
  /** afxdp: drops the kernel counted at the receiver's socket (rx_dropped + rx_ring_full) */
  kernelDrops: number | null;
  /** the receiver's send/receive loop, go to exit, in ms */
  loopMs: number;
  /** verified frames per second over the receiver's loop */
  pps: number;
}

export interface PairRun {
  kind: PairKind;
  /** 0 -> 1, then 1 -> 0 */
  directions: [Direction, Direction];
  /** the driver's wall time for the whole test (spawn to fini) */
  wallMs: number;
  /** afxdp: the XDP mode the sockets were attached in */
  xdpMode: string | null;
}

const quiet: Log = { info: () => {}, debug: () => {} };

/** Runs the pair once; throws with the driver's reason when the test does not pass. */
export async function runPair(
  kind: PairKind,
  options: Pick<RunOptions, "packets" | "batch" | "paceUs">,
  backend: BenchBackend = "sim",
): Promise<PairRun> {
  const test = findTest("netifdirecttxrx")!;
  const stderr: string[] = [];
  const record = await runMpTest(test, {
    backend,
    timeoutSec: 120,
    verbose: false,
    knobs: {},
    ...options,
  }, {
    log: quiet,
    writeLine: (line) => stderr.push(line),
    childCommand: kind === "c" ? refChildCommand : cliChildCommand,
  });
  if (record.verdict !== "pass") {
    throw new Error(
      `${kind} pair: ${record.verdict}: ${record.reason}\n${stderr.slice(-10).join("\n")}`,
    );
  }
  const results = record.children.map((c) => c.result!);
  const direction = (from: number, to: number): Direction => {
    const r = results[to];
    return {
      from,
      to,
      verified: r.received,
      drops: r.gaps,
      loopMs: r.durationMs,
      pps: r.received / (r.durationMs / 1000),
      kernelDrops: record.kernelDrops?.find((d) => d.child === to)?.kernel ?? null,
    };
  };
  const mode = record.kernelDrops?.map((d) => d.mode) ?? [];
  return {
    kind,
    directions: [direction(0, 1), direction(1, 0)],
    wallMs: record.durationMs,
    xdpMode: mode.length ? [...new Set(mode)].join("/") : null,
  };
}
