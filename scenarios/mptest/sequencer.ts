/**
 * skywalk_mptest_driver_run's sequencer: the ready barrier in index order, go
 * to every child, then reaping, with skt's timeout and SIGTERM/SIGKILL
 * escalation.
 */
import type { Log } from "../log.ts";
import { type ChildProc, type ReadyState, sendGoToAll } from "./children.ts";
import type { Graces, RunOptions } from "./options.ts";
import { type ChildMessage, isChildMessage } from "./protocol.ts";
import type { Interruption } from "./signals.ts";

export function timer(ms: number): { promise: Promise<"timeout">; cancel(): void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<"timeout">((r) => id = setTimeout(() => r("timeout"), ms));
  return { promise, cancel: () => clearTimeout(id) };
}

/**
 * Ready barrier in index order, go to each, then reap. Returns a run-level
 * failure (timeout, interruption, broken barrier) or null; child failures are
 * read from their exit statuses afterwards.
 */
export async function sequenceAndReap(
  children: ChildProc[],
  options: RunOptions,
  interruption: Interruption,
  log: Log,
  graces: Graces,
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
        failure = `child ${child.index} ${await howItEnded(child, graces)} before sending ready`;
      } else if (state === "garbage") {
        const early = await failedBeforeReady(child, graces);
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
      await stopAll(children, failure, graces);
      return failure;
    }
    // go to every child back to back, as upstream's loop writes them: awaiting
    // one write before the next let a short run's child 0 finish before child 1 began
    const sent = await sendGoToAll(children);
    sent.forEach((ok, i) => ok || log.info(`child ${i}: could not send go`));

    let firstFailure = false;
    const pending = new Set(children);
    while (pending.size > 0) {
      const next = await Promise.race([
        ...[...pending].map((c) => c.status.then(() => c)),
        stopReason,
      ]);
      if (typeof next === "string") {
        log.info(`${next}: stopping children ${[...pending].map((c) => c.index).join(", ")}`);
        await stopAll([...pending], next, graces);
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
          () => rest.forEach((c) => c.terminate(reason, graces.killMs)),
          graces.failureMs,
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

async function stopAll(children: ChildProc[], reason: string, graces: Graces): Promise<void> {
  for (const child of children) {
    await child.closeStdin();
    child.terminate(reason, graces.killMs);
  }
  await Promise.all(children.map((c) => c.status));
}

/** After a child closed its stdout without ready: how it ended (it may still be closing). */
async function howItEnded(child: ChildProc, graces: Graces): Promise<string> {
  const wait = timer(graces.killMs);
  const status = await Promise.race([child.status, wait.promise]);
  wait.cancel();
  if (status === "timeout") return "closed its stdout";
  return status.signal ? `died by signal ${status.signal}` : `exited with status ${status.code}`;
}

/**
 * A child that fails before ready (say, it cannot open its channel) writes its
 * failure report where the ready byte should be: that report, or null.
 */
async function failedBeforeReady(child: ChildProc, graces: Graces): Promise<string | null> {
  if (child.garbage !== "{".charCodeAt(0)) return null;
  const wait = timer(graces.killMs);
  const status = await Promise.race([child.status, wait.promise]);
  wait.cancel();
  if (status === "timeout") return null;
  const { message } = await child.result<ChildMessage>();
  return isChildMessage(message) && !message.ok ? String(message.error) : null;
}
