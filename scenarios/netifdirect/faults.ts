/**
 * Test-only faults a child can be told to commit, so that the suite can prove
 * the parent survives them and leaves nothing behind:
 *
 *   SKT_TEST_CHILD_FAULT=INDEX:FAULT[,INDEX:FAULT...]   (INDEX a child index or *)
 *
 *   crash     right after go, the child kills itself with SIGKILL (a signal
 *             that leaves no core file behind)
 *   hang      right after go, it stops working and waits forever (SIGTERM ends it)
 *   stubborn  as hang, but it ignores SIGTERM: only the driver's SIGKILL ends it
 *   no-ready  it opens its channel and never sends the ready byte
 *   no-expire the expiry test's prehook sets no expire time on its frames (the
 *             run goes on: upstream's verdict stays PASS, skt's strict one fails)
 *
 * The children inherit the variable from the parent's environment.
 */
import { TestFailure } from "./assert.ts";
import type { Log } from "../log.ts";

import { CHILD_FAULT_ENV } from "../machine/env.ts";

export { CHILD_FAULT_ENV };

const FAULTS = ["crash", "hang", "stubborn", "no-ready", "no-expire"] as const;
export type ChildFault = typeof FAULTS[number];

/** The fault child `index` is asked to commit, or null. */
export function childFault(
  index: number,
  spec: string | undefined = Deno.env.get(CHILD_FAULT_ENV),
): ChildFault | null {
  if (!spec) return null;
  for (const part of spec.split(",")) {
    const m = /^(\*|\d+):([a-z-]+)$/.exec(part.trim());
    if (!m || !(FAULTS as readonly string[]).includes(m[2])) {
      throw new TestFailure(`${CHILD_FAULT_ENV}: cannot read "${part}"`);
    }
    if (m[1] === "*" || Number(m[1]) === index) return m[2] as ChildFault;
  }
  return null;
}

function waitForever(): Promise<never> {
  // a pending timer keeps the event loop (and so the process) alive
  return new Promise(() => setInterval(() => {}, 3_600_000));
}

/** Before the ready byte. */
export async function faultBeforeReady(fault: ChildFault | null, log: Log): Promise<void> {
  if (fault !== "no-ready") return;
  log.info(`fault injected: ${fault}`);
  await waitForever();
}

/** Right after go, with the channel open. */
export async function faultAfterGo(fault: ChildFault | null, log: Log): Promise<void> {
  if (fault === null || fault === "no-ready" || fault === "no-expire") return;
  log.info(`fault injected: ${fault}`);
  switch (fault) {
    case "crash":
      Deno.kill(Deno.pid, "SIGKILL");
      break;
    case "stubborn":
      Deno.addSignalListener("SIGTERM", () => log.info("SIGTERM ignored"));
      break;
  }
  await waitForever();
}
