/**
 * The test assertions, typed: the `@std/assert` alias of deno.json points here.
 * JSR (where @std/assert lives) is out of reach, and npm's copy of deno-std is
 * untyped (`assertEquals(1)` type-checks), so these are thin typed wrappers
 * over node:assert/strict with @std/assert's names and argument order.
 */
import * as node from "node:assert/strict";

/** Fails unless `expr` is truthy. */
export function assert(expr: unknown, msg?: string): asserts expr {
  node.ok(expr, msg);
}

/** Fails unless `actual` and `expected` are deeply and strictly equal. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  node.deepStrictEqual(actual, expected, msg);
}

/** Fails if `actual` and `expected` are deeply and strictly equal. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  node.notDeepStrictEqual(actual, expected, msg);
}

/** Fails unless `actual` matches `expected`. */
export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  node.match(actual, expected, msg);
}

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/** Fails unless `fn` throws; returns what it threw. */
export function assertThrows(fn: () => unknown, msg?: string): unknown;
/**
 * Fails unless `fn` throws an instance of `errorClass` whose message includes
 * `msgIncludes` (when given); returns the error, typed.
 */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  errorClass: ErrorClass<E>,
  msgIncludes?: string,
  msg?: string,
): E;
export function assertThrows<E extends Error>(
  fn: () => unknown,
  errorClassOrMsg?: ErrorClass<E> | string,
  msgIncludes?: string,
  msg?: string,
): unknown {
  try {
    fn();
  } catch (e) {
    if (typeof errorClassOrMsg === "function") {
      const context = msg ? `: ${msg}` : "";
      node.ok(e instanceof errorClassOrMsg, `expected ${errorClassOrMsg.name}, got ${e}${context}`);
      if (msgIncludes !== undefined) {
        node.ok(
          (e as Error).message.includes(msgIncludes),
          `expected the message to include "${msgIncludes}", got "${
            (e as Error).message
          }"${context}`,
        );
      }
    }
    return e;
  }
  const why = typeof errorClassOrMsg === "string" ? errorClassOrMsg : msg;
  throw new node.AssertionError({
    message: `expected the function to throw${why ? `: ${why}` : ""}`,
  });
}

/** Fails unless `actual` is within `tolerance` of `expected` (default 1e-7, as @std/assert). */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance = 1e-7,
  msg?: string,
): void {
  if (Math.abs(actual - expected) <= tolerance) return;
  throw new node.AssertionError({
    message: `expected ${actual} to be within ${tolerance} of ${expected}${msg ? `: ${msg}` : ""}`,
  });
}
