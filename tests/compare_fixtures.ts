/** Synthetic run records for the compare and report tests: no run needed. */
import type { RunRecord } from "../scenarios/sweep/record.ts";
import { TESTS } from "../scenarios/netifdirect/table.ts";

export interface FakeRun {
  test: string;
  iteration: number;
  pps?: number;
  durationMs?: number;
  verdict?: RunRecord["verdict"];
  drops?: number;
  expiry?: boolean;
}

/** A plausible passing record; what the test varies is given. */
export function fakeRecord(f: FakeRun, setup: Partial<RunRecord> = {}): RunRecord {
  const pps = f.pps ?? 100_000;
  return {
    schema: 1,
    test: f.test,
    iteration: f.iteration,
    backend: "sim",
    verdict: f.verdict ?? "pass",
    reason: f.verdict === "fail" ? "a check failed" : null,
    startedAt: "2026-11-30T12:00:00.000Z",
    durationMs: f.durationMs ?? 800,
    packets: 20000,
    batch: 8,
    framesSent: 40000,
    framesReceived: 40000,
    drops: f.drops ?? 0,
    transferMs: 40000 / pps * 1000,
    pps,
    events: { ifAdv: 0, chan: f.expiry ? 20 : 0, txStatus: 0, txExpired: f.expiry ? 20 : 0 },
    expiryNotifDelayNs: f.expiry ? 5000 + 37 * f.iteration : null,
    expiryPropDelayNs: f.expiry ? 9000 + 53 * f.iteration : null,
    interrupted: null,
    strict: null,
    children: [],
    log: null,
    skt: "0.1.0",
    machine: "box (linux x86_64)",
    pcap: null,
    ...setup,
  };
}

/** A deterministic wobble of about +-5 %, different per test and run. */
export function wobble(test: string, i: number, side: number): number {
  const h = [...test].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 1009, 7 + side * 13 + i * 101);
  return 1 + ((h % 101) - 50) / 1000;
}

/** A sweep of all seven tests, `repeat` runs each; `slow` names a test at half throughput. */
export function fakeSweep(repeat: number, side: number, slow?: string): RunRecord[] {
  const out: RunRecord[] = [];
  for (let i = 1; i <= repeat; i++) {
    for (const t of TESTS) {
      const factor = t.name === slow ? 0.5 : 1;
      const w = wobble(t.name, i, side);
      out.push(fakeRecord({
        test: t.name,
        iteration: i,
        pps: Math.round(100_000 * w * factor),
        durationMs: Math.round(800 * w / factor),
        expiry: t.name === "netifdirectexpiryevents",
      }));
    }
  }
  return out;
}
