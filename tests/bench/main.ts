/**
 * `deno task bench`: the TypeScript harness against the C reference, on the sim
 * (default) or on the afxdp backend (Linux AF_XDP on a veth pair, as root).
 *
 *   deno task bench [--backend sim|afxdp] [--json] [--runs N] [--packets N] [--batch N]
 *                   [--e2e-runs N] [--sweep-runs N]
 *
 * On afxdp the per-frame cost on one CPU is not measured (it needs both ends
 * in one process, which the sim's own pair gives and a veth pair in two
 * namespaces does not), and the frames the kernel dropped are reported beside
 * the receivers' gaps.
 *
 * Throughput: netifdirecttxrx unpaced (--pace-us 0), the C pair and the TS pair
 * alternately, `--runs` times each; verified frames per second per direction.
 * Per frame on one CPU: both ends in one process (`ref_child --self`, and the
 * port's Sender/Receiver in this process), without any cross-process effect.
 * End to end: with upstream's pacing (--pace-us 1), one `deno task run
 * netifdirecttxrx` from process start to verdict, and the seven tests in one run.
 */
import { object } from "@optique/core/constructs";
import { option } from "@optique/core/primitives";
import { withDefault } from "@optique/core/modifiers";
import { choice, integer } from "@optique/core/valueparser";
import { run } from "@optique/run";
import { type PairKind, type PairRun, refChildPath, runPair } from "./pairs.ts";
import { oneTest, sevenTests, type Timed } from "./e2e.ts";
import { median, summarize, type Summary } from "./stats.ts";
import { machineInfo } from "./machine.ts";
import { cFrameCost, type FrameCost, tsFrameCost } from "./single_core.ts";
import { breakdownOf, renderReport, type Report, targetsOf } from "./report.ts";

const parser = object({
  backend: withDefault(option("--backend", choice(["sim", "afxdp"] as const)), "sim" as const),
  json: option("--json"),
  runs: withDefault(option("--runs", integer({ min: 1, max: 100, metavar: "N" })), 9),
  packets: withDefault(
    option("--packets", integer({ min: 1000, max: 10_000_000, metavar: "N" })),
    200_000,
  ),
  batch: withDefault(option("--batch", integer({ min: 1, max: 512, metavar: "N" })), 8),
  e2eRuns: withDefault(option("--e2e-runs", integer({ min: 0, max: 100, metavar: "N" })), 5),
  sweepRuns: withDefault(option("--sweep-runs", integer({ min: 0, max: 100, metavar: "N" })), 3),
  coreFrames: withDefault(
    option("--core-frames", integer({ min: 10_000, max: 10_000_000, metavar: "N" })),
    500_000,
  ),
});

const args = run(parser, { programName: "bench", help: "both", errorExitCode: 2 });
const progress = (line: string) => {
  if (!args.json) console.error(line);
};

const REF_CHILD = refChildPath(args.backend);
try {
  Deno.statSync(REF_CHILD);
} catch {
  console.error(
    `bench: ${REF_CHILD} is missing; run \`deno task build\` (or \`deno task bench\`)` +
      (args.backend === "afxdp" ? " with libxdp-dev and libbpf-dev installed" : ""),
  );
  Deno.exit(3);
}

/** Measures everything and returns the report; throws when a run does not pass. */
async function measure(): Promise<Report> {
  const loadBefore = Deno.loadavg()[0];
  const options = { packets: args.packets, batch: args.batch, paceUs: 0 };
  const pairRuns: Record<PairKind, PairRun[]> = { c: [], ts: [] };
  for (let i = 0; i < args.runs; i++) {
    // alternate, so that a noisy moment hits both pairs alike
    for (const kind of ["c", "ts"] as const) {
      const r = await runPair(kind, options, args.backend);
      pairRuns[kind].push(r);
      progress(
        `${kind.padEnd(2)} run ${i + 1}/${args.runs}: ` +
          r.directions.map((d) => `${d.from}->${d.to} ${(d.pps / 1000).toFixed(0)} kpps`).join(
            ", ",
          ),
      );
    }
  }

  const frameCosts: Record<PairKind, FrameCost[]> = { c: [], ts: [] };
  // both ends in one process: the sim's own pair only
  const coreRuns = args.backend === "sim" ? Math.min(args.runs, 3) : 0;
  for (let i = 0; i < coreRuns; i++) {
    frameCosts.c.push(await cFrameCost(args.coreFrames, args.batch));
    frameCosts.ts.push(tsFrameCost(args.coreFrames, args.batch));
    progress(
      `one CPU ${i + 1}: C ${frameCosts.c[i].totalNs.toFixed(0)} ns/frame, TS ${
        frameCosts.ts[i].totalNs.toFixed(0)
      } ns/frame`,
    );
  }
  const costMedian = (runs: FrameCost[]): FrameCost => ({
    txNs: median(runs.map((r) => r.txNs)),
    keventNs: median(runs.map((r) => r.keventNs)),
    rxNs: median(runs.map((r) => r.rxNs)),
    totalNs: median(runs.map((r) => r.totalNs)),
    verifyNs: median(runs.map((r) => r.verifyNs)),
  });
  const coreC = costMedian(frameCosts.c);
  const coreTs = costMedian(frameCosts.ts);

  async function repeat(n: number, what: string, f: () => Promise<Timed>): Promise<Summary> {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = await f();
      if (!t.passed) throw new Error(`${what} did not pass: ${t.lines.join(" | ")}`);
      ms.push(t.ms);
      progress(`${what} ${i + 1}/${n}: ${(t.ms / 1000).toFixed(2)} s`);
    }
    return summarize(ms);
  }
  const oneTestMs = await repeat(
    args.e2eRuns,
    "deno task run netifdirecttxrx",
    () => oneTest(args.backend),
  );
  const sevenTestsMs = await repeat(args.sweepRuns, "seven tests", () => sevenTests(args.backend));

  function pairSummary(runs: PairRun[]) {
    const dir = (i: 0 | 1) => ({
      from: runs[0].directions[i].from,
      to: runs[0].directions[i].to,
      pps: summarize(runs.map((r) => r.directions[i].pps)),
      verified: summarize(runs.map((r) => r.directions[i].verified)),
      drops: summarize(runs.map((r) => r.directions[i].drops)),
      kernel_drops: runs.every((r) => r.directions[i].kernelDrops !== null)
        ? summarize(runs.map((r) => r.directions[i].kernelDrops!))
        : null,
    });
    return {
      directions: [dir(0), dir(1)],
      /** per run, the mean of both directions */
      pps: summarize(runs.map((r) => (r.directions[0].pps + r.directions[1].pps) / 2)),
    };
  }
  const c = pairSummary(pairRuns.c);
  const ts = pairSummary(pairRuns.ts);

  const report: Report = {
    machine: machineInfo(),
    load_average: { before: loadBefore, after: Deno.loadavg()[0] },
    config: {
      backend: args.backend,
      xdp_mode: pairRuns.c[0]?.xdpMode ?? null,
      test: "netifdirecttxrx",
      frame_bytes: 1514,
      packets: args.packets,
      batch: args.batch,
      runs: args.runs,
      e2e_runs: args.e2eRuns,
      sweep_runs: args.sweepRuns,
    },
    throughput: { pacing: "unpaced (--pace-us 0)", c, ts },
    ts_c_ratio: ts.pps.median / c.pps.median,
    ts_c_ratio_by_direction: [0, 1].map((i) =>
      median(ts.directions[i].pps.values) / median(c.directions[i].pps.values)
    ),
    single_core: coreRuns === 0 ? null : {
      frames: args.coreFrames,
      runs: frameCosts.c.length,
      c: coreC,
      ts: coreTs,
      ts_c_ratio: coreC.totalNs / coreTs.totalNs,
      breakdown: {
        c: breakdownOf(coreC, args.batch, false),
        ts: breakdownOf(coreTs, args.batch, true),
      },
    },
    end_to_end: {
      pacing: "upstream (--pace-us 1)",
      one_test_ms: oneTestMs,
      seven_tests_ms: sevenTestsMs,
    },
    targets: [],
  };
  report.targets = targetsOf(report);

  return report;
}

try {
  const report = await measure();
  console.log(args.json ? JSON.stringify(report, null, 2) : renderReport(report));
} catch (e) {
  // one sentence (the failing run's reason), no stack trace
  console.error(`bench: ${(e as Error).message ?? e}`);
  Deno.exit(1);
}
