/**
 * What a run reports: each child's report read from its exit status and
 * message, and the test's record with its verdict.
 */
import type { BackendName } from "../machine/backend.ts";
import type { CapturedInterface } from "../machine/capture.ts";
import type { ChildResult } from "../netifdirect/defs.ts";
import type { MpTest } from "../netifdirect/table.ts";
import type { KernelDrops } from "../netifdirect/kernel_drops.ts";
import type { StrictReport } from "../netifdirect/strict.ts";
import type { ChildProc } from "./children.ts";
import type { RunOptions } from "./options.ts";
import { type ChildMessage, isChildMessage } from "./protocol.ts";

/** A test's outcome: passed, failed, or skipped (with a reason). */
export type Verdict = "pass" | "fail" | "skip";

/** What the driver knows of one child at the end of a run. */
export interface ChildReport {
  /** the child's index (0 or 1), as in `child N:` */
  index: number;
  /** its process id */
  pid: number;
  /** exit code, or null when it died by a signal */
  exitCode: number | null;
  /** the signal that ended it (e.g. "SIGKILL"), or null when it exited */
  signal: string | null;
  /** true when it exited 0 after reporting a result */
  passed: boolean;
  /** what it did, in one phrase ("exited 0", "killed (SIGTERM) after the timeout of 5 s"...) */
  outcome: string;
  /** what the child measured, or null when it reported nothing */
  result: ChildResult | null;
  /** the first failing check it reported */
  error: string | null;
}

/** The record of one run of one test: what `runTest` resolves to. */
export interface TestRecord {
  /** the test's name, e.g. "netifdirecttxrx" */
  test: string;
  /** the backend it ran on */
  backend: BackendName;
  /** pass, fail or skip */
  verdict: Verdict;
  /** why it was skipped, or the first failure */
  reason: string | null;
  /** the whole run (init, children, fini) in ms */
  durationMs: number;
  /** one report per child started, in index order (empty when skipped before spawning) */
  children: ChildReport[];
  /** frames the receivers found missing in the peer's sequence */
  drops: number;
  /** afxdp: each receiver's gaps against the kernel's drop counters (kernel_drops.ts) */
  kernelDrops?: KernelDrops[];
  /** the signal that interrupted the run (SIGINT / SIGTERM), if any */
  interrupted: Deno.Signal | null;
  /** skt's strict verdict beside upstream's (netifdirect/strict.ts); null when skipped */
  strict: StrictReport | null;
  /** with --pcap: the files written and their frame counts; absent otherwise */
  pcap?: CapturedInterface[] | null;
}

export function skipRecord(
  test: MpTest,
  options: RunOptions,
  reason: string,
  started: number,
): TestRecord {
  return {
    test: test.name,
    backend: options.backend,
    verdict: "skip",
    reason,
    durationMs: performance.now() - started,
    children: [],
    drops: 0,
    interrupted: null,
    strict: null,
  };
}

export function failRecord(record: TestRecord, reason: string): void {
  if (record.verdict === "skip") return;
  record.reason ??= reason;
  record.verdict = "fail";
}

/** At most 60 characters of what a child sent, for a report. */
function excerpt(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  return JSON.stringify(shown);
}

export async function reportChild(child: ChildProc): Promise<ChildReport> {
  const status = await child.status;
  const { message, text } = await child.result<ChildMessage>();
  const valid = isChildMessage(message) ? message : null;
  const result = valid?.ok ? valid.result : null;
  const error = valid && !valid.ok ? String(valid.error) : null;
  const noResult = text
    ? `with an unreadable result ${excerpt(text)}`
    : "without reporting a result";
  let outcome: string;
  if (child.killedBecause && status.signal) {
    outcome = `was killed (${status.signal}) because ${child.killedBecause}`;
  } else if (status.signal) {
    outcome = `died by signal ${status.signal}`;
  } else if (valid === null) {
    outcome = `exited ${status.code} ${noResult}`;
  } else if (status.code === 0 && result === null) {
    outcome = "exited 0 but reported a failure";
  } else {
    outcome = `exited ${status.code}`;
  }
  return {
    index: child.index,
    pid: child.pid,
    exitCode: status.signal ? null : status.code,
    signal: status.signal,
    passed: status.success && result !== null,
    outcome,
    result,
    error,
  };
}

/**
 * The test's verdict from the run-level failure (or null) and the children's
 * reports; the reason names the first child to fail by itself, before any the
 * driver stopped because of it.
 */
export function decideVerdict(
  failure: string | null,
  reports: ChildReport[],
  children: ChildProc[],
): { verdict: Verdict; reason: string | null } {
  const failed = reports.filter((r) => !r.passed).sort((a, b) =>
    Number(!!children[a.index].killedBecause) - Number(!!children[b.index].killedBecause) ||
    children[a.index].exitedAt - children[b.index].exitedAt
  );
  const firstBad = failed[0];
  const verdict: Verdict = failure === null && !firstBad ? "pass" : "fail";
  const reason = verdict === "pass"
    ? null
    : failure ?? `child ${firstBad!.index} ${firstBad!.error ?? firstBad!.outcome}`;
  return { verdict, reason };
}
