/**
 * Assertions of the ported test. Upstream's assert() aborts the child; here a
 * failed check throws TestFailure, which the child turns into exit status 1
 * with the message on stderr.
 */
export class TestFailure extends Error {
  override name = "TestFailure";
}

/** assert(condition): throws TestFailure with `what` (upstream's asserted expression). */
export function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new TestFailure(`assertion failed: ${what}`);
}
