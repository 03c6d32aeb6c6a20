/**
 * The statistics of `compare` against published values: R's and SciPy's
 * Mann–Whitney examples, exact permutation p-values with ties (computed with
 * SciPy's permutation_test over every arrangement), Moses' interval, Holm.
 */
import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import {
  holm,
  mannWhitney,
  midranks,
  normalUpper,
  ratioEstimate,
  smallestP,
} from "../../scenarios/sweep/stats.ts";

Deno.test("midranks give ties the mean of the ranks they span", () => {
  assertEquals(midranks([3, 1, 3, 2, 3]), [4, 1, 4, 2, 4]);
  assertEquals(midranks([5]), [1]);
});

Deno.test("Mann–Whitney, exact: R's ?wilcox.test example (Hollander & Wolfe), W = 35, p = 0.1272", () => {
  const x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
  const y = [1.15, 0.88, 0.90, 0.74, 1.21];
  // wilcox.test(x, y, alternative = "g"): x tends to be greater than y
  const r = mannWhitney(y, x, "greater");
  assertEquals(r.u, 35);
  assertEquals(r.exact, true);
  assertAlmostEquals(r.p, 0.1272061272061272, 1e-12);
  // the same from the other side
  const s = mannWhitney(x, y, "less");
  assertEquals(s.u, 15);
  assertAlmostEquals(s.p, 0.1272061272061272, 1e-12);
});

Deno.test("Mann–Whitney, exact with ties: SciPy permutation_test over all 462 arrangements", () => {
  const a = [1, 2, 2, 3, 5], b = [2, 4, 4, 6, 7, 7];
  assertAlmostEquals(mannWhitney(a, b, "greater").p, 0.0367965367965368, 1e-12);
  assertAlmostEquals(mannWhitney(a, b, "two-sided").p, 0.0735930735930736, 1e-12);
  assertAlmostEquals(mannWhitney(a, b, "less").p, 0.9761904761904762, 1e-12);
});

Deno.test("Mann–Whitney: full separation of 4 and 4 gives 1/70 one-sided, 2/70 two-sided", () => {
  assertAlmostEquals(mannWhitney([1, 2, 3, 4], [5, 6, 7, 8], "greater").p, 1 / 70, 1e-12);
  assertAlmostEquals(mannWhitney([1, 2, 3, 4], [5, 6, 7, 8], "two-sided").p, 2 / 70, 1e-12);
  assertAlmostEquals(mannWhitney([1, 2, 3, 4], [5, 6, 7, 8], "less").p, 1, 1e-12);
  // 2 and 2 can never go below 1/6: why compare needs more runs than that
  assertAlmostEquals(mannWhitney([1, 2], [3, 4], "greater").p, 1 / 6, 1e-12);
  assertAlmostEquals(smallestP(2, 2), 1 / 6, 1e-12);
  assertAlmostEquals(smallestP(8, 8), 1 / 12870, 1e-15);
});

Deno.test("Mann–Whitney: constant equal samples give p = 1", () => {
  assertEquals(mannWhitney([3, 3, 3], [3, 3], "two-sided").p, 1);
  assertEquals(mannWhitney([3, 3, 3], [3, 3], "greater").p, 1);
});

Deno.test("Mann–Whitney, normal approximation beyond the exact limit: SciPy's asymptotic p", () => {
  const a = Array.from({ length: 40 }, (_, i) => i + 1);
  const b = a.map((x) => x + 10.5);
  const r = mannWhitney(a, b, "greater");
  assertEquals(r.exact, false);
  assertEquals(r.u, 1165);
  assertAlmostEquals(r.p, 0.00022625174321507698, 1e-6);
});

Deno.test("normalUpper matches the standard normal tail", () => {
  assertAlmostEquals(normalUpper(0), 0.5, 1e-7);
  assertAlmostEquals(normalUpper(1.959963985), 0.025, 1e-6);
  assertAlmostEquals(normalUpper(-1), 0.8413447461, 1e-6);
});

Deno.test("Hodges–Lehmann ratio and Moses' interval from the order statistics", () => {
  const a = [10, 12, 11, 13], b = [20, 22, 25, 21];
  const r = ratioEstimate(a, b, 0.95);
  // the median of the 16 pairwise ratios (SciPy/NumPy: 1.9160839...)
  assertAlmostEquals(r.ratio, 1.9160839160839163, 1e-12);
  // P(U <= 0) = 1/70 <= 0.025 < P(U <= 1) = 2/70: k = 1, the extreme ratios
  assertAlmostEquals(r.low!, 20 / 13, 1e-12);
  assertAlmostEquals(r.high!, 25 / 10, 1e-12);
  // too few runs to bound it at 95%: no interval rather than a false one
  const small = ratioEstimate([10, 11], [20, 21]);
  assertEquals([small.low, small.high], [null, null]);
  assertThrows(() => ratioEstimate([0, 1], [1, 2]), RangeError);
});

Deno.test("Holm's adjustment: step-down, monotone, capped at 1", () => {
  const adj = holm([0.01, 0.04, 0.03, 0.005]);
  // sorted 0.005*4, 0.01*3, 0.03*2, 0.04*1 -> 0.02, 0.03, 0.06, max(0.06, 0.04)
  assertEquals(adj.map((p) => Math.round(p * 1e6) / 1e6), [0.03, 0.06, 0.06, 0.02]);
  assertEquals(holm([0.9, 0.8]), [1, 1]);
});
