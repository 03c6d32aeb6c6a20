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
  type BackendSession,
  newRunId,
  openBackend,
  unavailableReason,
} from "../machine/backend.ts";
import { SIM_DOMAIN_ENV } from "../machine/env.ts";
import { Journal } from "../machine/journal.ts";
import { skipReason } from "../machine/gate.ts";
import { recoverLeftovers } from "../machine/recovery.ts";
import { RunLedger } from "../machine/ledger.ts";
import { type Capture, type CapturedInterface, newCapture } from "../machine/capture.ts";
import type { MpTest } from "../netifdirect/table.ts";
import { dropMismatch, kernelDrops, kernelStrict } from "../netifdirect/kernel_drops.ts";
import {
  CHILD_IFNAMES,
  evaluateStrict,
  type IfStats,
  readFinalStats,
  type StrictReport,
} from "../netifdirect/strict.ts";
import type { ChildResult } from "../netifdirect/defs.ts";
import type { Log } from "../log.ts";
import { SktError } from "../../ffi/errors.ts";
import { ChildProc } from "./children.ts";
import { cliChildCommand, DEFAULT_GRACES, type DriverDeps, type RunOptions } from "./options.ts";
import { sequenceAndReap } from "./sequencer.ts";
import { type Interruption, watchSignals } from "./signals.ts";
import { decideVerdict, failRecord, reportChild, skipRecord, type TestRecord } from "./verdict.ts";

export type { ChildReport, TestRecord, Verdict } from "./verdict.ts";
export type { DriverDeps, RunOptions } from "./options.ts";
export { DEFAULT_OPTIONS } from "./options.ts";

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
  if (unavailableReason(options.backend) !== null) {
    // no session can be opened on this OS: the gate decides without one
    return skipRecord(test, options, gate(test, options, null, log)!, started);
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
  const graces = deps.graces ?? DEFAULT_GRACES;
  const skip = gate(test, options, session, log);
  if (skip) return skipRecord(test, options, skip, started);
  // the machine lock and a killed run's journal (skywalk) come before any change
  session.prepare(log);

  log.info(`Test "${test.name}":\t${test.description}`);
  // skywalk keeps its journal beside its machine lock; the sim's lives with the run record
  const journal = new Journal(session.shim, session.journalPath ?? ledger.journalPath, {
    pid: Deno.pid,
    backend: session.shim.backend,
    domain: session.childEnv[SIM_DOMAIN_ENV],
  });
  const ctx = { journal, log, runId: ledger.record.run };
  const children: ChildProc[] = [];
  let failure: string | null = null;
  let finalStats: (IfStats | null)[] = [];
  let capture: Capture | null = null;
  let captured: CapturedInterface[] | undefined;
  try {
    const knobs = { ...options.knobs, ...options.testKnobs?.[test.name] };
    for (const [name, value] of Object.entries(knobs)) journal.setInt(name, value);
    test.init(ctx);
    if (options.pcapDir && !interruption.signal) {
      capture = newCapture(session, journal, options.pcapDir, options.pcapPrefix ?? test.name);
      await capture.begin();
      ledger.noteChildren(capture.pids());
    }
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
      failure = await sequenceAndReap(children, options, interruption, log, graces);
    }
    if (capture) {
      captured = await capture.finish();
      capture = null;
      for (const c of captured) {
        log.info(`pcap: ${c.file}: ${c.out} frames out, ${c.in} in`);
      }
    }
  } catch (e) {
    failure = e instanceof SktError ? e.message : `${(e as Error).message ?? e}`;
    for (const child of children) child.terminate(`the parent failed: ${failure}`, graces.killMs);
    await Promise.all(children.map((c) => c.status));
  } finally {
    // the children are gone: the counters are final until fini destroys the pair
    try {
      finalStats = readFinalStats(session.shim);
    } catch {
      // strict only: its accounting is then unmeasured
    }
    await capture?.abort().catch(() => {});
    const problems = runFini(test, ctx);
    if (problems.length > 0) {
      failure ??= `cleanup failed: ${problems.join("; ")}`;
      log.info(`cleanup failed: ${problems.join("; ")}`);
    }
  }

  const reports = await Promise.all(children.map((c) => reportChild(c)));
  const { verdict, reason } = decideVerdict(failure, reports, children);
  // afxdp: the receivers' gaps against the kernel's counters, in skt's strict verdict
  const results = reports.map((r) => r.result);
  const drops = kernelDrops(results);
  const strict = options.backend === "afxdp"
    ? kernelStrict(test.testId, results, CHILD_IFNAMES.slice(0, test.nchildren))
    : strictVerdict(test, results, finalStats);
  const mismatch = dropMismatch(drops);
  if (mismatch) log.info(`strict: kernel drop count: ${mismatch}`);
  log.info(`Test ${test.name}: ${test.description} ${verdict === "pass" ? "PASSED" : "FAILED"}`);
  return {
    test: test.name,
    backend: options.backend,
    verdict,
    reason,
    durationMs: performance.now() - started,
    children: reports,
    drops: reports.reduce((n, r) => n + (r.result?.gaps ?? 0), 0),
    ...(drops.length > 0 ? { kernelDrops: drops } : {}),
    interrupted: interruption.signal,
    strict,
    ...(captured ? { pcap: captured } : {}),
  };
}

/** afxdp: 0 when socket(AF_XDP) works here, else its errno; null when it can't be asked. */
export function readXsk(session: Pick<BackendSession, "shim">): number | null {
  try {
    return session.shim.sysctlGetInt("skt.afxdp.xsk_socket");
  } catch {
    return null;
  }
}

/**
 * The feature gate of skywalk_mptest_driver_run, evaluated once per run: the
 * OS, kern.skywalk.features (read from the session; none when the OS rules
 * the backend out) and privilege. Returns why the test is skipped, or null.
 */
function gate(
  test: MpTest,
  options: RunOptions,
  session: BackendSession | null,
  log: Log,
): string | null {
  const features = session ? readFeatures(session) : null;
  const afxdp = options.backend === "afxdp";
  // without a session the backend is unavailable here (the OS, or afxdp's shim not buildable)
  const skip = (session ? null : unavailableReason(options.backend)) ??
    skipReason(options.backend, test.requiredFeatures, {
      os: Deno.build.os,
      features,
      uid: Deno.uid(),
      xsk: afxdp && session ? readXsk(session) : null,
    }) ?? (afxdp ? test.afxdpSkip ?? null : null);
  if (skip === null) return null;
  if (features !== null && (test.requiredFeatures & features) !== test.requiredFeatures) {
    log.info(
      `Required features: 0x${test.requiredFeatures.toString(16)}, actual features 0x${
        features.toString(16)
      }`,
    );
  }
  log.info(session ? "Test Result: SKIPPED" : `Test "${test.name}": skipped: ${skip}`);
  return skip;
}

/** skt's strict verdict; never throws: an evaluation that fails is "unmeasured". */
function strictVerdict(
  test: MpTest,
  results: (ChildResult | null)[],
  finalStats: (IfStats | null)[],
): StrictReport {
  try {
    const ifnames = CHILD_IFNAMES.slice(0, test.nchildren);
    return evaluateStrict({ testId: test.testId, ifnames, results, finalStats });
  } catch (e) {
    const detail = `the evaluation failed: ${(e as Error)?.message ?? e}`;
    return {
      verdict: "unmeasured",
      checks: [{ name: "evaluation", ok: null, detail }],
      upstreamWouldFail: null,
    };
  }
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
function runFini(test: MpTest, ctx: { journal: Journal; log: Log; runId: string }): string[] {
  const problems: string[] = [];
  try {
    test.fini(ctx);
  } catch (e) {
    problems.push(`fini: ${(e as Error).message}`);
  }
  problems.push(...ctx.journal.undoAll());
  return problems;
}
