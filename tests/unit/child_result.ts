/** A child's result for the evaluators' unit tests: no run needed. */
import type { ChildResult } from "../../scenarios/netifdirect/defs.ts";

/** A plausible child (1000 sent, 990 received, no gap, no event, 100 ms); a test gives what it varies. */
export function childResult(child: number, over: Partial<ChildResult> = {}): ChildResult {
  return {
    child,
    sent: 1000,
    received: 990,
    gaps: 0,
    ifAdvEvents: 0,
    chanEvents: 0,
    txStatusEvents: 0,
    txExpiredEvents: 0,
    durationMs: 100,
    ...over,
  };
}
