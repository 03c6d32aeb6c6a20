/**
 * skt's strict verdict, beside upstream's and never inside it: checks that a
 * run did what its test's name says and that every frame is accounted for.
 * Pure: it reads the children's results (what they measured, see StrictProbe)
 * and the interfaces' counters the parent read after both children exited.
 *
 * A check is ok (true), failed (false), or not measured (null: the backend
 * keeps no such counter, or a child reported no result). The verdict is
 * "fail" when any check failed, "unmeasured" when none failed but one could
 * not be measured, else "pass".
 */
import type { Shim } from "../../ffi/spi.ts";
import { FETH0_NAME, FETH1_NAME } from "../machine/addresses.ts";
import { TestId } from "./defs.ts";
import { interfaceStats } from "./if_stats.ts";
import type { IfStats, StrictCheck, StrictInput, StrictReport, StrictVerdict } from "./defs.ts";
import {
  accounting,
  advisoriesInTransfer,
  advisoriesWithheld,
  expiry,
  postRunReads,
  receiveFloor,
  statusEvents,
  upstreamWouldFail,
} from "./strict_checks.ts";

export type { IfStats, StrictCheck, StrictInput, StrictReport, StrictVerdict };
export { missingAtPeer, MUST_EXPIRE_BELOW_NS } from "./strict_checks.ts";

/** The interface of each child: child 0 runs on feth0, child 1 on feth1. */
export const CHILD_IFNAMES: readonly string[] = [FETH0_NAME, FETH1_NAME];

/**
 * The parent's read of the pair's counters, once both children exited (so
 * final) and before fini destroys the pair; null for an interface it cannot read.
 */
export function readFinalStats(shim: Shim, ifnames = CHILD_IFNAMES): (IfStats | null)[] {
  return ifnames.map((name) => interfaceStats(shim, name) ?? null);
}

/** Every strict check of the test, and the verdict. */
export function evaluateStrict(input: StrictInput): StrictReport {
  const children = input.results.map((_, i) => i);
  if (children.length === 0) {
    const checks = [{ name: "children", ok: null, detail: "no child ran" }];
    return { verdict: "unmeasured", checks, upstreamWouldFail: null };
  }
  const checks: StrictCheck[] = children.map((i) => accounting(input, i));
  switch (input.testId) {
    case TestId.txrx:
      checks.push(...children.map((i) => receiveFloor(input, i)));
      break;
    case TestId.ifAdvEnabled:
      checks.push(...children.map((i) => advisoriesInTransfer(input, i)));
      break;
    case TestId.ifAdvDisabled:
      checks.push(...children.map((i) => advisoriesWithheld(input, i)));
      break;
    case TestId.channelEvents:
      checks.push(...children.map((i) => statusEvents(input, i)));
      break;
    case TestId.expiryEvents:
      checks.push(...children.flatMap((i) => expiry(input, i)));
      break;
  }
  checks.push(postRunReads(input));
  const verdict: StrictVerdict = checks.some((c) => c.ok === false)
    ? "fail"
    : checks.some((c) => c.ok === null)
    ? "unmeasured"
    : "pass";
  return { verdict, checks, upstreamWouldFail: upstreamWouldFail(input) };
}

/** The first failing (or unmeasured) check, as one phrase for a result line. */
export function strictReason(report: StrictReport): string | null {
  const bad = report.checks.find((c) => c.ok === false) ??
    report.checks.find((c) => c.ok === null);
  return bad ? `${bad.name}: ${bad.detail}` : null;
}
