/**
 * The statistics of `compare`: an exact Mann–Whitney U test (rank-sum
 * permutation distribution, ties given mid-ranks), the Hodges–Lehmann ratio
 * of two samples (the median of all pairwise ratios) with its distribution-free
 * confidence interval (Moses), and Holm's step-down adjustment for testing many
 * metrics at once. Written here (small, no dependency) and checked against
 * published values in tests/stats_test.ts.
 */

/** Which way the alternative hypothesis points, for `b` against `a`. */
export type Alternative = "greater" | "less" | "two-sided";

/** Ranks 1..N of the pooled values, ties given the mean of the ranks they span. */
export function midranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const rank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Pooled sizes up to this get the exact distribution; larger ones the normal approximation. */
export const EXACT_LIMIT = 50;

/**
 * The permutation distribution of the sum of `m` of the given ranks (as
 * doubled ranks, so mid-ranks stay integers): probability of each sum.
 */
function rankSumDistribution(doubled: readonly number[], m: number): Map<number, number> {
  // counts[k] maps a sum to the number of k-subsets with it, divided as we go
  // by nothing: counts stay below C(50, 25) ~ 1.3e14, well inside a double's range
  let counts: Map<number, number>[] = [new Map([[0, 1]])];
  for (const r of doubled) {
    const next = counts.map((c) => new Map(c));
    for (let k = Math.min(counts.length - 1, m - 1); k >= 0; k--) {
      next[k + 1] ??= new Map();
      for (const [s, n] of counts[k]) next[k + 1].set(s + r, (next[k + 1].get(s + r) ?? 0) + n);
    }
    counts = next;
  }
  const top = counts[m];
  let total = 0;
  for (const n of top.values()) total += n;
  const p = new Map<number, number>();
  for (const [s, n] of top) p.set(s, n / total);
  return p;
}

/** Standard normal upper tail, P(Z > z) (Abramowitz–Stegun 7.1.26 via erfc, |error| < 1.5e-7). */
export function normalUpper(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

export interface UTest {
  /** U of `b`: pairs (a_i, b_j) with b_j > a_i, plus half the ties */
  u: number;
  /** the p-value for the alternative asked */
  p: number;
  /** true when p came from the exact permutation distribution */
  exact: boolean;
}

/**
 * Mann–Whitney U test of `b` against `a`. "greater": b tends to be larger.
 * Exact (all C(n+m, m) rank assignments, ties kept) up to EXACT_LIMIT values,
 * else the normal approximation with the tie correction and a continuity
 * correction of 1/2.
 */
export function mannWhitney(a: readonly number[], b: readonly number[], alt: Alternative): UTest {
  const n = a.length, m = b.length;
  if (n === 0 || m === 0) throw new RangeError("mannWhitney needs two non-empty samples");
  const ranks = midranks([...a, ...b]);
  const rb = ranks.slice(n).reduce((s, r) => s + r, 0);
  const u = rb - m * (m + 1) / 2;
  if (n + m <= EXACT_LIMIT) {
    const dist = rankSumDistribution(ranks.map((r) => Math.round(2 * r)), m);
    const observed = Math.round(2 * rb);
    let ge = 0, le = 0;
    for (const [s, q] of dist) {
      if (s >= observed) ge += q;
      if (s <= observed) le += q;
    }
    const p = alt === "greater" ? ge : alt === "less" ? le : Math.min(1, 2 * Math.min(ge, le));
    return { u, p: Math.min(1, p), exact: true };
  }
  const N = n + m;
  const tieTerm = tieSum([...a, ...b]);
  const sd = Math.sqrt(n * m / 12 * ((N + 1) - tieTerm / (N * (N - 1))));
  const mean = n * m / 2;
  if (sd === 0) return { u, p: 1, exact: false };
  const upper = normalUpper((u - mean - 0.5) / sd);
  const lower = 1 - normalUpper((u - mean + 0.5) / sd);
  const p = alt === "greater" ? upper : alt === "less" ? lower : 2 * Math.min(upper, lower);
  return { u, p: Math.min(1, p), exact: false };
}

/** sum of t^3 - t over groups of t tied values */
function tieSum(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let s = 0;
  for (const t of counts.values()) s += t * t * t - t;
  return s;
}

/** P(U <= c) for untied samples of sizes n and m: the null distribution the CI uses. */
function uCdf(n: number, m: number): number[] {
  const dist = rankSumDistribution(Array.from({ length: n + m }, (_, i) => 2 * (i + 1)), m);
  const base = m * (m + 1); // doubled minimum rank sum
  const pmf = new Array<number>(n * m + 1).fill(0);
  for (const [s, q] of dist) pmf[(s - base) / 2] += q;
  const cdf: number[] = [];
  pmf.reduce((acc, q, i) => (cdf[i] = acc + q), 0);
  return cdf;
}

function median(sorted: readonly number[]): number {
  const k = sorted.length >> 1;
  return sorted.length % 2 ? sorted[k] : (sorted[k - 1] + sorted[k]) / 2;
}

export interface RatioEstimate {
  /** Hodges–Lehmann: the median of every b_j / a_i */
  ratio: number;
  /** the confidence interval's ends; null where the samples are too small to bound it */
  low: number | null;
  high: number | null;
  /** its level, e.g. 0.95 */
  level: number;
}

/**
 * The Hodges–Lehmann ratio of b to a (values > 0) and its distribution-free
 * confidence interval: the k-th smallest and k-th largest pairwise ratio,
 * with k from the U distribution (Moses 1953), so the interval holds at least
 * `level` without assuming a shape. Exact for untied data; sizes beyond
 * EXACT_LIMIT use the normal quantile.
 */
export function ratioEstimate(
  a: readonly number[],
  b: readonly number[],
  level = 0.95,
): RatioEstimate {
  if (a.some((x) => !(x > 0)) || b.some((x) => !(x > 0))) {
    throw new RangeError("ratioEstimate needs positive values");
  }
  const ratios = a.flatMap((x) => b.map((y) => y / x)).sort((x, y) => x - y);
  const ratio = median(ratios);
  const n = a.length, m = b.length, nm = n * m;
  const tail = (1 - level) / 2;
  // k = the number of smallest U values whose total probability stays <= tail
  let k: number;
  if (n + m <= EXACT_LIMIT) {
    const cdf = uCdf(n, m);
    k = 0;
    while (k < cdf.length && cdf[k] <= tail + 1e-12) k++;
  } else {
    const z = normalQuantileUpper(tail);
    k = Math.floor(nm / 2 - z * Math.sqrt(nm * (n + m + 1) / 12));
  }
  if (k < 1) return { ratio, low: null, high: null, level };
  return { ratio, low: ratios[k - 1], high: ratios[nm - k], level };
}

/** z with P(Z > z) = q, by bisection on normalUpper (only for large samples). */
function normalQuantileUpper(q: number): number {
  let lo = -10, hi = 10;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (normalUpper(mid) > q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Holm's step-down adjusted p-values (family-wise error), in the input's order. */
export function holm(ps: readonly number[]): number[] {
  const order = ps.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const adjusted = new Array<number>(ps.length);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (ps.length - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/** The smallest one-sided p-value samples of sizes n and m can reach: 1 / C(n+m, n). */
export function smallestP(n: number, m: number): number {
  let c = 1;
  for (let i = 1; i <= Math.min(n, m); i++) c = c * (n + m - Math.min(n, m) + i) / i;
  return 1 / c;
}
