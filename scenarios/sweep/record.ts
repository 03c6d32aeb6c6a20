/**
 * The record of one run of a sweep: the driver's TestRecord plus what a sweep
 * adds (iteration, start time, options) and what reports want precomputed
 * (totals, event counts by kind, expiry delays, packets per second). This is
 * the JSON Lines schema documented in docs/reports.md.
 */
import type { TestRecord } from "../mptest/parent.ts";
import type { CapturedInterface } from "../machine/capture.ts";
import config from "../../deno.json" with { type: "json" };

/** This skt's version (deno.json), recorded so that `compare` can say when it differs. */
export const SKT_VERSION: string = config.version;

/** The machine a run ran on, as `compare` names it: "host (os arch)". */
export function machineName(): string {
  let host = "unknown host";
  try {
    host = Deno.hostname();
  } catch { /* no --allow-sys: the rest still tells machines apart */ }
  return `${host} (${Deno.build.os} ${Deno.build.arch})`;
}

/** Bumped when a field changes meaning or disappears (adding fields does not bump it). */
export const RUN_RECORD_SCHEMA = 1;

/** Kernel events counted by the children, by kind. */
export interface EventCounts {
  /** interface advisory kevents */
  ifAdv: number;
  /** channel events of any kind */
  chan: number;
  /** transmit status channel events */
  txStatus: number;
  /** transmit expired channel events */
  txExpired: number;
}

/** A TestRecord (so everything `runTest` returns) plus the sweep's fields. */
export interface RunRecord extends TestRecord {
  /** this layout's version (RUN_RECORD_SCHEMA): changes when a field changes meaning or goes away */
  schema: typeof RUN_RECORD_SCHEMA;
  /** the skt version that ran it (absent in records of older versions) */
  skt?: string;
  /** where it ran: "host (os arch)" (absent in records of older versions) */
  machine?: string;
  /** with --pcap: per interface, the file and its frames out/in and the backend's count; else null */
  pcap?: CapturedInterface[] | null;
  /** 1-based: the Nth run of this test in the sweep */
  iteration: number;
  /** ISO 8601 time the run started */
  startedAt: string;
  /** frames each child was asked to send (--packets) */
  packets: number;
  /** frames per TX batch (--batch) */
  batch: number;
  /** frames sent by both children (those that reported a result) */
  framesSent: number;
  /** frames received by both children */
  framesReceived: number;
  /** sum of both children's counts */
  events: EventCounts;
  /** mean expiry notification delay in ns over both children's expired events, or null */
  expiryNotifDelayNs: number | null;
  /** mean expiry propagation delay in ns, or null */
  expiryPropDelayNs: number | null;
  /** the longest child transfer (go to the end of its send/receive loop), ms; null if none */
  transferMs: number | null;
  /** framesReceived per second of transferMs; null when no child reported a result */
  pps: number | null;
  /** the run's log lines (driver and `child N:` lines), kept for failed runs only */
  log: string[] | null;
}

export interface RunContext {
  /** the machine's name (machineName()); tests pass a fixed one */
  machine?: string;
  iteration: number;
  startedAt: Date;
  packets: number;
  batch: number;
  log: readonly string[];
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Builds the sweep record of a finished run. */
export function toRunRecord(record: TestRecord, ctx: RunContext): RunRecord {
  const results = record.children.flatMap((c) => c.result ? [c.result] : []);
  const sum = (pick: (r: typeof results[number]) => number) =>
    results.reduce((n, r) => n + pick(r), 0);
  const framesReceived = sum((r) => r.received);
  const transferMs = results.length ? Math.max(...results.map((r) => r.durationMs)) : null;
  const expired = sum((r) => r.txExpiredEvents);
  // each child reports an average over its own expired events: weight by their counts
  const meanDelay = (pick: (r: typeof results[number]) => string | undefined) => {
    if (expired === 0) return null;
    const total = sum((r) => pick(r) === undefined ? 0 : Number(pick(r)) * r.txExpiredEvents);
    return Math.round(total / expired);
  };
  return {
    schema: RUN_RECORD_SCHEMA,
    test: record.test,
    iteration: ctx.iteration,
    backend: record.backend,
    verdict: record.verdict,
    reason: record.reason,
    startedAt: ctx.startedAt.toISOString(),
    durationMs: round3(record.durationMs),
    packets: ctx.packets,
    batch: ctx.batch,
    framesSent: sum((r) => r.sent),
    framesReceived,
    drops: record.drops,
    ...(record.kernelDrops ? { kernelDrops: record.kernelDrops } : {}),
    pps: transferMs ? Math.round(framesReceived / (transferMs / 1000)) : null,
    transferMs: transferMs === null ? null : round3(transferMs),
    events: {
      ifAdv: sum((r) => r.ifAdvEvents),
      chan: sum((r) => r.chanEvents),
      txStatus: sum((r) => r.txStatusEvents),
      txExpired: expired,
    },
    expiryNotifDelayNs: meanDelay((r) => r.expiryNotifDelayNs),
    expiryPropDelayNs: meanDelay((r) => r.expiryPropDelayNs),
    interrupted: record.interrupted,
    strict: record.strict,
    skt: SKT_VERSION,
    machine: ctx.machine ?? machineName(),
    pcap: record.pcap ?? null,
    children: record.children,
    log: record.verdict === "fail" ? [...ctx.log] : null,
  };
}

/** "netifdirecttxrx iteration 2": how reports name a run (no `#`, which KTAP reserves). */
export function runLabel(r: Pick<RunRecord, "test" | "iteration">): string {
  return `${r.test} iteration ${r.iteration}`;
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

export function totals(records: readonly Pick<RunRecord, "verdict">[]): Totals {
  const count = (v: string) => records.filter((r) => r.verdict === v).length;
  return { passed: count("pass"), failed: count("fail"), skipped: count("skip") };
}

/** The plain last line of every sweep: "N passed, N failed, N skipped". */
export function totalsLine(records: readonly Pick<RunRecord, "verdict">[]): string {
  const t = totals(records);
  return `${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`;
}
