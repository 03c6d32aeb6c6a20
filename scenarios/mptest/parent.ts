/**
 * The mptest driver (skywalk_mptest_driver_run), parent side: feature gate,
 * init hook, spawn the children, ready barrier in index order, go, reap, fini
 * hook on every path, verdict.
 *
 * Unlike upstream it has a timeout, and it escalates SIGTERM to SIGKILL: on
 * expiry, or one second after the first child fails, the remaining children are
 * terminated and the report says which child did what.
 */
import {
  type BackendName,
  type BackendSession,
  newRunId,
  openBackend,
  SIM_DOMAIN_ENV,
  unavailableReason,
} from "../machine/backend.ts";
import { type ChildCommand, ChildProc, type ReadyState } from "./children.ts";
import type { ChildResult, Log } from "../netifdirect/xfer.ts";
import type { MpTest } from "../netifdirect/table.ts";
import { Journal } from "../machine/journal.ts";
import { skipReason } from "../machine/gate.ts";
import { recoverLeftovers, RunLedger } from "../machine/recovery.ts";
import { SktError } from "../../ffi/errors.ts";

export interface RunOptions {
  backend: BackendName;
  packets: number;
  batch: number;
  /** seconds for the whole run, children included */
  timeoutSec: number;
  /** usleep after each TX batch (upstream: 1) */
  paceUs: number;
  verbose: boolean;
  /** sysctls set in the backend before init (test-only knobs such as debug.sim.*) */
  knobs: Record<string, number>;
}

export const DEFAULT_OPTIONS: RunOptions = {
  backend: Deno.build.os === "darwin" ? "skywalk" : "sim",
  packets: 20_000,
  batch: 8,
  timeoutSec: 120,
  paceUs: 1,
  verbose: false,
  knobs: {},
};

/** Upstream waits 1 s after the first failure before it signals the others. */
const FAILURE_GRACE_MS = 1000;
/** How long a child has between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

export type Verdict = "pass" | "fail" | "skip";

export interface ChildReport {
  index: number;
  pid: number;
  /** exit code, or null when it died by a signal */
  exitCode: number | null;
  signal: string | null;
  passed: boolean;
  /** what it did, in one phrase ("exited 0", "killed (SIGTERM) after the timeout of 5 s"...) */
  outcome: string;
  result: ChildResult | null;
  /** the first failing check it reported */
  error: string | null;
}

export interface TestRecord {
  test: string;
  backend: BackendName;
  verdict: Verdict;
  /** why it was skipped, or the first failure */
  reason: string | null;
  durationMs: number;
  children: ChildReport[];
  /** frames the receivers found missing in the peer's sequence */
  drops: number;
  /** the signal that interrupted the run (SIGINT / SIGTERM), if any */
  interrupted: Deno.Signal | null;
}

/** What the children report on stdout at exit. */
export type ChildMessage = { ok: true; result: ChildResult } | { ok: false; error: string };

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

export interface DriverDeps {
  log: Log;
  /** where prefixed child stderr lines go */
  writeLine: (line: string) => void;
  childCommand?: ChildCommandFactory;
}

function skipRecord(
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
  };
}

/**
 * Runs one mptest and returns its record. Never throws for a test failure.
 *
 * It writes this run's record (the run ledger), cleans up after killed runs
 * (scenarios/recovery.ts), records what this run will hold before taking it,
 * and gives it back on every path: pass, failure, a child's crash, the
 * timeout, SIGINT / SIGTERM of this process.
 */
export async function runMpTest(
  test: MpTest,
  options: RunOptions,
  deps: DriverDeps,
): Promise<TestRecord> {
  const started = performance.now();
  const { log } = deps;
  const unavailable = unavailableReason(options.backend);
  if (unavailable) {
    log.info(`Test "${test.name}": skipped: ${unavailable}`);
    return skipRecord(test, options, unavailable, started);
  }

  // from here on Ctrl-C / SIGTERM wind the run down through its cleanup
  const interruption = watchSignals();
  try {
    // this run's record first: a run that cannot write it does not start
    const runId = newRunId();
    const ledger = RunLedger.begin(options.backend, runId);
    let session: BackendSession | null = null;
    let record: TestRecord | null = null;
    try {
      const recovery = recoverLeftovers();
      for (const line of recovery.actions) log.info(`recovery: ${line}`);
      for (const line of recovery.problems) log.info(`recovery problem: ${line}`);
      session = openBackend(
        options.backend,
        runId,
        (path, owned) => ledger.noteDomain(path, owned),
      );
      record = await runInSession(test, options, deps, session, ledger, interruption, started);
    } finally {
      const closed = closeSession(session, log);
      // a domain that could not be removed stays on record for the next run
      if (closed === null) ledger.finish();
      else if (record) failRecord(record, `cleanup failed: ${closed}`);
    }
    return record!;
  } finally {
    interruption.stop();
  }
}

/** Closes the session; returns why it could not, or null. */
function closeSession(session: BackendSession | null, log: Log): string | null {
  try {
    session?.close();
    return null;
  } catch (e) {
    const why = (e as Error).message;
    log.info(`cleanup failed: ${why}`);
    return why;
  }
}

function failRecord(record: TestRecord, reason: string): void {
  if (record.verdict === "skip") return;
  record.reason ??= reason;
  record.verdict = "fail";
}

async function runInSession(
  test: MpTest,
  options: RunOptions,
  deps: DriverDeps,
  session: BackendSession,
  ledger: RunLedger,
  interruption: Interruption,
  started: number,
): Promise<TestRecord> {
  const { log } = deps;
  const features = readFeatures(session);
  const skip = skipReason(options.backend, test.requiredFeatures, {
    os: Deno.build.os,
    features,
    uid: Deno.uid(),
  });
  if (skip) {
    if (features !== null && (test.requiredFeatures & features) !== test.requiredFeatures) {
      log.info(
        `Required features: 0x${test.requiredFeatures.toString(16)}, actual features 0x${
          features.toString(16)
        }`,
      );
    }
    log.info("Test Result: SKIPPED");
    return skipRecord(test, options, skip, started);
  }
  // the machine lock and a killed run's journal (skywalk) come before any change
  session.prepare(log);

  log.info(`Test "${test.name}":\t${test.description}`);
  // skywalk keeps its journal beside its machine lock; the sim's lives with the run record
  const journal = new Journal(session.shim, session.journalPath ?? ledger.journalPath, {
    pid: Deno.pid,
    backend: session.shim.backend,
    domain: session.childEnv[SIM_DOMAIN_ENV],
  });
  const ctx = { journal, log };
  const children: ChildProc[] = [];
  let failure: string | null = null;
  try {
    for (const [name, value] of Object.entries(options.knobs)) journal.setInt(name, value);
    test.init(ctx);
    if (interruption.signal) {
      failure = `the run was interrupted by ${interruption.signal}`;
    } else {
      log.info(`Spawning ${test.nchildren} children`);
      const factory = deps.childCommand ?? cliChildCommand;
      for (let i = 0; i < test.nchildren; i++) {
        children.push(
          new ChildProc(i, factory(test, i, options, session.childEnv), deps.writeLine),
        );
      }
      ledger.noteChildren(children.map((c) => c.pid));
      failure = await sequenceAndReap(children, options, interruption, log);
    }
  } catch (e) {
    failure = e instanceof SktError ? e.message : `${(e as Error).message ?? e}`;
    for (const child of children) child.terminate(`the parent failed: ${failure}`, KILL_GRACE_MS);
    await Promise.all(children.map((c) => c.status));
  } finally {
    const problems = runFini(test, ctx);
    if (problems.length > 0) {
      failure ??= `cleanup failed: ${problems.join("; ")}`;
      log.info(`cleanup failed: ${problems.join("; ")}`);
    }
  }

  const reports = await Promise.all(children.map((c) => reportChild(c)));
  // the cause: the first child to fail by itself, before any the driver stopped because of it
  const failed = reports.filter((r) => !r.passed).sort((a, b) =>
    Number(!!children[a.index].killedBecause) - Number(!!children[b.index].killedBecause) ||
    children[a.index].exitedAt - children[b.index].exitedAt
  );
  const firstBad = failed[0];
  const verdict: Verdict = failure === null && !firstBad ? "pass" : "fail";
  const reason = verdict === "pass"
    ? null
    : failure ?? `child ${firstBad!.index} ${firstBad!.error ?? firstBad!.outcome}`;
  log.info(`Test ${test.name}: ${test.description} ${verdict === "pass" ? "PASSED" : "FAILED"}`);
  return {
    test: test.name,
    backend: options.backend,
    verdict,
    reason,
    durationMs: performance.now() - started,
    children: reports,
    drops: reports.reduce((n, r) => n + (r.result?.gaps ?? 0), 0),
    interrupted: interruption.signal,
  };
}

/** kern.skywalk.features, or null when it can't be read (upstream then skips everything). */
function readFeatures(session: BackendSession): bigint | null {
  try {
    return session.shim.sysctlGetU64("kern.skywalk.features");
  } catch {
    return null;
  }
}

/** fini, then whatever the journal still holds; returns what could not be undone. */
function runFini(test: MpTest, ctx: { journal: Journal; log: Log }): string[] {
  const problems: string[] = [];
  try {
    test.fini(ctx);
  } catch (e) {
    problems.push(`fini: ${(e as Error).message}`);
  }
  problems.push(...ctx.journal.undoAll());
  return problems;
}

interface Interruption {
  signal: Deno.Signal | null;
  promise: Promise<Deno.Signal>;
  stop(): void;
}

/** Ctrl-C / SIGTERM of the parent: recorded, and the run winds down through fini. */
function watchSignals(): Interruption {
  let resolve!: (s: Deno.Signal) => void;
  const state: Interruption = {
    signal: null,
    promise: new Promise((r) => resolve = r),
    stop: () => {},
  };
  if (Deno.build.os === "windows") return state;
  const handlers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const handler = () => {
      state.signal ??= signal;
      resolve(signal);
    };
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  });
  state.stop = () => handlers.forEach((remove) => remove());
  return state;
}

function timer(ms: number): { promise: Promise<"timeout">; cancel(): void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<"timeout">((r) => id = setTimeout(() => r("timeout"), ms));
  return { promise, cancel: () => clearTimeout(id) };
}

/**
 * Ready barrier in index order, go to each, then reap. Returns a run-level
 * failure (timeout, interruption, broken barrier) or null; child failures are
 * read from their exit statuses afterwards.
 */
async function sequenceAndReap(
  children: ChildProc[],
  options: RunOptions,
  interruption: Interruption,
  log: Log,
): Promise<string | null> {
  const deadline = timer(options.timeoutSec * 1000);
  const stopReason = Promise.race([
    deadline.promise.then(() => `the timeout of ${options.timeoutSec} s expired`),
    interruption.promise.then((s) => `the run was interrupted by ${s}`),
  ]);
  let stopOthers: ReturnType<typeof setTimeout> | undefined;
  try {
    for (const child of children) {
      const state: ReadyState | string = await Promise.race([child.ready(), stopReason]);
      if (state === "ready") continue;
      let failure: string;
      if (state === "eof") {
        failure = `child ${child.index} ${await howItEnded(child)} before sending ready`;
      } else if (state === "garbage") {
        const early = await failedBeforeReady(child);
        const byte = child.garbage!.toString(16).padStart(2, "0");
        failure = early !== null
          ? `child ${child.index} failed before sending ready: ${early}`
          : `child ${child.index} sent 0x${byte} instead of the ready byte 0x00`;
      } else if (interruption.signal) {
        failure = state;
      } else {
        failure = `child ${child.index} sent no ready byte before ${state}`;
      }
      log.info(failure);
      await stopAll(children, failure);
      return failure;
    }
    for (const child of children) {
      if (!await child.sendGo()) log.info(`child ${child.index}: could not send go`);
    }

    let firstFailure = false;
    const pending = new Set(children);
    while (pending.size > 0) {
      const next = await Promise.race([
        ...[...pending].map((c) => c.status.then(() => c)),
        stopReason,
      ]);
      if (typeof next === "string") {
        log.info(`${next}: stopping children ${[...pending].map((c) => c.index).join(", ")}`);
        await stopAll([...pending], next);
        return next;
      }
      pending.delete(next);
      const status = next.exited!;
      if (!status.success && !firstFailure) {
        firstFailure = true;
        describeExit(next, log);
        const reason = `child ${next.index} failed`;
        const rest = [...pending];
        stopOthers = setTimeout(
          () => rest.forEach((c) => c.terminate(reason, KILL_GRACE_MS)),
          FAILURE_GRACE_MS,
        );
      } else if (!status.success) {
        describeExit(next, log);
      }
    }
    return null;
  } finally {
    // a pending stop must not outlive this run, however it ended
    clearTimeout(stopOthers);
    deadline.cancel();
  }
}

function describeExit(child: ChildProc, log: Log): void {
  const s = child.exited!;
  if (s.signal) {
    log.info(`Child ${child.index} (pid ${child.pid}) signaled with signal ${s.signal}`);
  } else log.info(`Child ${child.index} (pid ${child.pid}) exited with status ${s.code}`);
}

async function stopAll(children: ChildProc[], reason: string): Promise<void> {
  for (const child of children) {
    await child.closeStdin();
    child.terminate(reason, KILL_GRACE_MS);
  }
  await Promise.all(children.map((c) => c.status));
}

/** After a child closed its stdout without ready: how it ended (it may still be closing). */
async function howItEnded(child: ChildProc): Promise<string> {
  const wait = timer(KILL_GRACE_MS);
  const status = await Promise.race([child.status, wait.promise]);
  wait.cancel();
  if (status === "timeout") return "closed its stdout";
  return status.signal ? `died by signal ${status.signal}` : `exited with status ${status.code}`;
}

/**
 * A child that fails before ready (say, it cannot open its channel) writes its
 * failure report where the ready byte should be: that report, or null.
 */
async function failedBeforeReady(child: ChildProc): Promise<string | null> {
  if (child.garbage !== "{".charCodeAt(0)) return null;
  const wait = timer(KILL_GRACE_MS);
  const status = await Promise.race([child.status, wait.promise]);
  wait.cancel();
  if (status === "timeout") return null;
  const { message } = await child.result<ChildMessage>();
  return isChildMessage(message) && !message.ok ? String(message.error) : null;
}

function isChildMessage(m: unknown): m is ChildMessage {
  const o = m as Record<string, unknown> | null;
  return typeof o === "object" && o !== null &&
    (o.ok === true ? typeof o.result === "object" && o.result !== null : o.ok === false);
}

/** At most 60 characters of what a child sent, for a report. */
function excerpt(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  return JSON.stringify(shown);
}

async function reportChild(child: ChildProc): Promise<ChildReport> {
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
