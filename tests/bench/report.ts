/** The bench's figures as one object (`--json`) and as a table for people. */
import type { Machine } from "./machine.ts";
import type { Summary } from "./stats.ts";

export interface DirectionSummary {
  from: number;
  to: number;
  /** verified frames received per second */
  pps: Summary;
  verified: Summary;
  /** frames missing from the receiver's sequence (RX ring overflow) */
  drops: Summary;
  /** afxdp: drops the kernel counted at the receiver's socket, null elsewhere */
  kernel_drops?: Summary | null;
}

export interface PairSummary {
  directions: DirectionSummary[];
  /** per run, the mean of both directions */
  pps: Summary;
}

export interface FrameCostNs {
  txNs: number;
  keventNs: number;
  rxNs: number;
  totalNs: number;
  /** one receive-side verify of a 1514-byte frame (headers and full UDP checksum) */
  verifyNs: number;
}

/** Where a frame's time goes, per frame at the bench's batch, for one side. */
export interface Breakdown {
  /** shim calls per frame sent / received / for kevent (FFI crossings for TS, C calls for C) */
  calls: { tx: number; rx: number; kevent: number };
  /** FFI crossings per frame pair (TS only; 0 for C) */
  crossings: number;
  /** ns per receive-side verify of a 1514-byte frame */
  checksumNs: number;
  /** whole-frame copies per frame: built in the pool, VP pool -> device pool -> peer pool */
  copies: number;
  /** ns per frame waiting for the peer (the kevent on one CPU) */
  waitNs: number;
}

/** The shim calls per frame of netifdirect/send.ts, receive.ts and ref_child.c at `batch`. */
export function breakdownOf(cost: FrameCostNs, batch: number, ffi: boolean): Breakdown {
  // TX: skt_tx_begin once, skt_tx_end per frame, advance, sync; RX: skt_rx_next per
  // frame and the one that finds no slot, advance, sync; one kevent per turn
  const calls = { tx: 1 + 3 / batch, rx: 1 + 3 / batch, kevent: 1 / batch };
  return {
    calls,
    crossings: ffi ? calls.tx + calls.rx + calls.kevent : 0,
    checksumNs: cost.verifyNs,
    copies: 3,
    waitNs: cost.keventNs,
  };
}

export interface Target {
  name: string;
  goal: string;
  value: string;
  /** null when the figure was not measured (--e2e-runs 0, --sweep-runs 0) */
  met: boolean | null;
}

export interface Report {
  machine: Machine;
  /** 1-minute load average when the bench started and ended (other work skews the figures) */
  load_average: { before: number; after: number };
  config: {
    backend: "sim" | "afxdp";
    /** afxdp: the XDP mode the sockets got */
    xdp_mode?: string | null;
    test: string;
    frame_bytes: number;
    packets: number;
    batch: number;
    runs: number;
    e2e_runs: number;
    sweep_runs: number;
  };
  throughput: { pacing: string; c: PairSummary; ts: PairSummary };
  /** TS pair / C pair, medians of the per-run mean of both directions */
  ts_c_ratio: number;
  ts_c_ratio_by_direction: number[];
  /** both ends in one process on one CPU: ns per frame (medians); null on afxdp */
  single_core: null | {
    frames: number;
    runs: number;
    c: FrameCostNs;
    ts: FrameCostNs;
    /** C ns / TS ns: the TS loop's speed relative to C's */
    ts_c_ratio: number;
    breakdown: { c: Breakdown; ts: Breakdown };
  };
  end_to_end: { pacing: string; one_test_ms: Summary; seven_tests_ms: Summary };
  targets: Target[];
}

const kpps = (pps: number) => `${(pps / 1000).toFixed(0)} kpps`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The issue's targets, judged on the medians. */
export function targetsOf(r: Report): Target[] {
  const cSlowest = Math.min(...r.throughput.c.directions.map((d) => d.pps.median));
  const one = r.end_to_end.one_test_ms.median;
  const seven = r.end_to_end.seven_tests_ms.median;
  const worst = Math.min(...r.ts_c_ratio_by_direction);
  const losses = (p: PairSummary) => p.directions.reduce((n, d) => n + d.drops.median, 0);
  const tsLoss = losses(r.throughput.ts), cLoss = losses(r.throughput.c);
  const sc = r.single_core;
  return [
    {
      name: "TS vs C packets/s (unpaced), each direction",
      goal: ">= 0.90x",
      value: `${worst.toFixed(2)}x (slower direction; both: ${r.ts_c_ratio.toFixed(2)}x)`,
      met: worst >= 0.9,
    },
    {
      name: "TS vs C on one CPU",
      goal: ">= 0.80x",
      value: sc ? `${sc.ts_c_ratio.toFixed(2)}x` : "not measured on this backend",
      met: sc ? sc.ts_c_ratio >= 0.8 : null,
    },
    {
      name: "TS receivers' RX-ring losses vs C's (medians, both directions)",
      goal: "<= C's",
      value: `${tsLoss.toFixed(0)} vs ${cLoss.toFixed(0)}`,
      met: tsLoss <= cLoss,
    },
    {
      name: "TS verify of a 1514-byte frame vs C's",
      goal: "<= C's",
      value: sc
        ? `${sc.ts.verifyNs.toFixed(0)} ns vs ${sc.c.verifyNs.toFixed(0)} ns`
        : "not measured on this backend",
      met: sc ? sc.ts.verifyNs <= sc.c.verifyNs : null,
    },
    {
      name: "C reference per direction, verified 1514-byte frames (unpaced)",
      goal: r.config.backend === "sim" ? ">= 2 Mpps" : "(none: the kernel's copy path sets it)",
      value: `${(cSlowest / 1e6).toFixed(2)} Mpps (slower direction)`,
      met: r.config.backend === "sim" ? cSlowest >= 2e6 : null,
    },
    {
      name: "one test end to end (paced)",
      goal: "<= 0.5 s",
      value: Number.isNaN(one) ? "not run" : secs(one),
      met: Number.isNaN(one) ? null : one <= 500,
    },
    {
      name: "seven tests end to end (paced)",
      goal: "<= 3 s",
      value: Number.isNaN(seven) ? "not run" : secs(seven),
      met: Number.isNaN(seven) ? null : seven <= 3000,
    },
  ];
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join("  ");
}

export function renderReport(r: Report): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(
    `skt bench: ${r.config.backend}${r.config.xdp_mode ? ` (XDP ${r.config.xdp_mode})` : ""}, ` +
      `${r.config.test}, ${r.config.frame_bytes}-byte frames, batch ${r.config.batch}`,
  );
  out.push(
    `machine: ${m.cpu}, ${m.cores} cores, ${m.os} (kernel ${m.kernel}), deno ${m.deno}; ` +
      `load average ${r.load_average.before.toFixed(2)} at start, ${
        r.load_average.after.toFixed(2)
      } at end`,
  );
  out.push("");
  out.push(
    `Throughput, ${r.throughput.pacing}: verified frames received per second, ` +
      `${r.config.packets} frames per child, ${r.config.runs} runs per pair`,
  );
  const kernel = [r.throughput.c, r.throughput.ts].some((p) =>
    p.directions.some((d) => d.kernel_drops)
  );
  const widths = [22, 10, 10, 10, 24, ...(kernel ? [22] : [])];
  out.push(
    "  " + pad([
      "pair, direction",
      "median",
      "min",
      "max",
      "RX-ring losses (median)",
      ...(kernel ? ["kernel drops (median)"] : []),
    ], widths),
  );
  for (const [label, pair] of [["C ", r.throughput.c], ["TS", r.throughput.ts]] as const) {
    for (const d of pair.directions) {
      out.push(
        "  " + pad([
          `${label}  feth${d.from} -> feth${d.to}`,
          kpps(d.pps.median),
          kpps(d.pps.min),
          kpps(d.pps.max),
          d.drops.median.toFixed(0),
          ...(kernel ? [d.kernel_drops ? d.kernel_drops.median.toFixed(0) : "-"] : []),
        ], widths),
      );
    }
  }
  out.push(
    `  TS/C ratio: ${r.ts_c_ratio.toFixed(2)} (per direction ${
      r.ts_c_ratio_by_direction.map((x) => x.toFixed(2)).join(", ")
    })`,
  );
  out.push("");
  const sc = r.single_core;
  if (sc === null) {
    out.push(
      "Per frame on one CPU: not measured on this backend (both ends in one process: sim only)",
    );
  } else {
    singleCore(out, sc, r.config.batch);
  }
  out.push("");
  endToEnd(out, r);
  return out.join("\n");
}

function singleCore(out: string[], sc: NonNullable<Report["single_core"]>, batch: number): void {
  out.push(
    `Per frame on one CPU (both ends in one process, batch ${batch}, ${sc.frames} frames, ` +
      `median of ${sc.runs}):`,
  );
  const w2 = [6, 10, 12, 10, 10];
  out.push("  " + pad(["", "TX path", "kevent", "RX path", "total"], w2));
  const ns = (x: number) => `${x.toFixed(0)} ns`;
  for (const [label, c] of [["C", sc.c], ["TS", sc.ts]] as const) {
    out.push("  " + pad([label, ns(c.txNs), ns(c.keventNs), ns(c.rxNs), ns(c.totalNs)], w2));
  }
  out.push(`  TS/C speed: ${sc.ts_c_ratio.toFixed(2)}`);
  out.push("");
  out.push(`Per frame, where the time goes (batch ${batch}):`);
  const w3 = [6, 22, 16, 14, 8, 12];
  out.push(
    "  " + pad(["", "shim calls TX/RX/kev", "FFI crossings", "checksum", "copies", "waits"], w3),
  );
  for (const [label, b] of [["C", sc.breakdown.c], ["TS", sc.breakdown.ts]] as const) {
    out.push(
      "  " + pad([
        label,
        `${b.calls.tx.toFixed(2)}/${b.calls.rx.toFixed(2)}/${b.calls.kevent.toFixed(2)}`,
        b.crossings.toFixed(2),
        ns(b.checksumNs),
        String(b.copies),
        ns(b.waitNs),
      ], w3),
    );
  }
  out.push(
    "  (checksum: one receive-side verify of a 1514-byte frame; waits: the kevent per frame)",
  );
  out.push("");
}

function endToEnd(out: string[], r: Report): void {
  if (r.config.e2e_runs + r.config.sweep_runs > 0) {
    out.push(`End to end, ${r.end_to_end.pacing}, process start to verdict:`);
  }
  const e = (label: string, s: Summary) =>
    `  ${label.padEnd(46)} median ${secs(s.median)}  (min ${secs(s.min)}, max ${
      secs(s.max)
    }, ${s.values.length} runs)`;
  if (r.config.e2e_runs > 0) {
    out.push(e("deno task run netifdirecttxrx", r.end_to_end.one_test_ms));
  }
  if (r.config.sweep_runs > 0) {
    out.push(e("deno run -A cli/main.ts run <the seven tests>", r.end_to_end.seven_tests_ms));
  }
  if (r.config.e2e_runs + r.config.sweep_runs > 0) out.push("");
  out.push("Targets (medians):");
  for (const t of r.targets) {
    const status = t.met === null ? "n/a   " : t.met ? "met   " : "missed";
    out.push(`  ${status}  ${t.name} ${t.goal}: ${t.value}`);
  }
}
