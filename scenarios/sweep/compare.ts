/**
 * Compares two sweeps run by run: per test, the verdicts (a pass that now
 * fails or skips is a regression) and each metric's distribution over the
 * passing runs, by an exact one-sided Mann–Whitney U test (two-sided for
 * event counts, where any change is news) with Holm's correction over every
 * metric compared, and the Hodges–Lehmann ratio new/old with its confidence
 * interval as the effect size. A metric is flagged only when its adjusted p
 * is below alpha AND its ratio is beyond the threshold in the worse direction.
 */
import type { RunRecord } from "./record.ts";
import { holm, mannWhitney, ratioEstimate, smallestP } from "./stats.ts";

/** Which way a metric gets worse. */
export type Worse = "higher" | "lower" | "either";

export interface Metric {
  key: string;
  /** how the table names it */
  label: string;
  worse: Worse;
  /** counts may be 0: their ratio is taken of (value + 1) */
  count: boolean;
  pick(r: RunRecord): number | null;
}

/** The metrics compared, in the table's order. */
export const METRICS: readonly Metric[] = [
  { key: "pps", label: "pps", worse: "lower", count: false, pick: (r) => r.pps },
  {
    key: "durationMs",
    label: "duration ms",
    worse: "higher",
    count: false,
    pick: (r) => r.durationMs,
  },
  { key: "drops", label: "drops", worse: "higher", count: true, pick: (r) => r.drops },
  ...(["ifAdv", "chan", "txStatus", "txExpired"] as const).map((k): Metric => ({
    key: `events.${k}`,
    label: `${k} events`,
    worse: "either",
    count: true,
    pick: (r) => r.events?.[k] ?? null,
  })),
  {
    key: "expiryNotifDelayNs",
    label: "expiry notif ns",
    worse: "higher",
    count: false,
    pick: (r) => r.expiryNotifDelayNs,
  },
  {
    key: "expiryPropDelayNs",
    label: "expiry prop ns",
    worse: "higher",
    count: false,
    pick: (r) => r.expiryPropDelayNs,
  },
];

export interface CompareOptions {
  /** family-wise significance level (Holm over every metric compared) */
  alpha: number;
  /** relative change beyond which a significant change is a regression: 0.25 = 25 % */
  threshold: number;
}

export const DEFAULT_COMPARE: CompareOptions = { alpha: 0.05, threshold: 0.25 };

export interface VerdictCounts {
  runs: number;
  pass: number;
  fail: number;
  skip: number;
}

export interface MetricComparison {
  metric: string;
  label: string;
  worse: Worse;
  /** values of the passing runs */
  baseline: number[];
  current: number[];
  baselineMedian: number;
  currentMedian: number;
  /** Mann–Whitney U of the new runs against the old */
  u: number;
  /** one-sided toward worse ("either": two-sided), before and after Holm */
  p: number;
  pAdjusted: number;
  /** Hodges–Lehmann ratio new/old (of value + 1 for counts) and its interval */
  ratio: number;
  low: number | null;
  high: number | null;
  level: number;
  regression: boolean;
}

export interface TestComparison {
  test: string;
  baseline: VerdictCounts;
  current: VerdictCounts;
  /** why the verdicts are a regression, or null */
  verdictRegression: string | null;
  metrics: MetricComparison[];
  /** the metrics flagged, and the verdict change: every reason this test regressed */
  regressions: string[];
}

export interface Comparison {
  options: CompareOptions;
  tests: TestComparison[];
  /** tests run on only one side: not compared */
  onlyBaseline: string[];
  onlyCurrent: string[];
  /** how many metric comparisons Holm's correction spans (those whose values are not all equal) */
  family: number;
  /** tests whose passing runs are too few for any metric to reach alpha after Holm */
  underpowered: string[];
}

function verdicts(runs: readonly RunRecord[]): VerdictCounts {
  const n = (v: string) => runs.filter((r) => r.verdict === v).length;
  return { runs: runs.length, pass: n("pass"), fail: n("fail"), skip: n("skip") };
}

function byTest(records: readonly RunRecord[]): Map<string, RunRecord[]> {
  const map = new Map<string, RunRecord[]>();
  for (const r of records) map.set(r.test, [...map.get(r.test) ?? [], r]);
  return map;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b), k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}

/** "a pass that now fails or skips": the share of passes fell below the baseline's */
function verdictChange(old: VerdictCounts, now: VerdictCounts): string | null {
  if (old.pass === 0 || now.pass / now.runs >= old.pass / old.runs) return null;
  return `passed ${old.pass} of ${old.runs} runs, now ${now.pass} of ${now.runs}` +
    ` (${now.fail} failed, ${now.skip} skipped)`;
}

interface Pending {
  test: number;
  cmp: Omit<MetricComparison, "pAdjusted" | "regression">;
}

/** Compares the current sweep's records against the baseline's. */
export function compareRuns(
  baseline: readonly RunRecord[],
  current: readonly RunRecord[],
  options: CompareOptions = DEFAULT_COMPARE,
): Comparison {
  const old = byTest(baseline), now = byTest(current);
  const names = [...old.keys()].filter((t) => now.has(t));
  const pending: Pending[] = [];
  const tests: TestComparison[] = names.map((test, ti) => {
    const a = old.get(test)!, b = now.get(test)!;
    const passA = a.filter((r) => r.verdict === "pass");
    const passB = b.filter((r) => r.verdict === "pass");
    for (const m of METRICS) {
      const xs = passA.map(m.pick).filter((v): v is number => v !== null && Number.isFinite(v));
      const ys = passB.map(m.pick).filter((v): v is number => v !== null && Number.isFinite(v));
      if (xs.length === 0 || ys.length === 0) continue;
      const alt = m.worse === "higher" ? "greater" : m.worse === "lower" ? "less" : "two-sided";
      const t = mannWhitney(xs, ys, alt);
      const shift = m.count || [...xs, ...ys].some((v) => v <= 0)
        ? 1 - Math.min(0, ...xs, ...ys)
        : 0;
      const est = ratioEstimate(
        xs.map((v) => v + shift),
        ys.map((v) => v + shift),
        1 - options.alpha,
      );
      pending.push({
        test: ti,
        cmp: {
          metric: m.key,
          label: m.label,
          worse: m.worse,
          baseline: xs,
          current: ys,
          baselineMedian: median(xs),
          currentMedian: median(ys),
          u: t.u,
          p: t.p,
          ...est,
        },
      });
    }
    const va = verdicts(a), vb = verdicts(b);
    const change = verdictChange(va, vb);
    return {
      test,
      baseline: va,
      current: vb,
      verdictRegression: change,
      metrics: [],
      regressions: change ? [`verdict: ${change}`] : [],
    };
  });
  // Comparisons whose pooled values are all equal have p = 1 under every arrangement of
  // the runs: they stay out of Holm's family (the choice depends only on the pooled values,
  // which the permutation test conditions on, so the family-wise error still holds).
  const live = pending.map((x) => new Set([...x.cmp.baseline, ...x.cmp.current]).size > 1);
  const liveAdjusted = holm(pending.filter((_, i) => live[i]).map((x) => x.cmp.p));
  let k = 0;
  const adjusted = live.map((l) => l ? liveAdjusted[k++] : 1);
  pending.forEach(({ test, cmp }, i) => {
    const regression = adjusted[i] < options.alpha &&
      beyond(cmp.ratio, cmp.worse, options.threshold);
    tests[test].metrics.push({ ...cmp, pAdjusted: adjusted[i], regression });
    if (regression) tests[test].regressions.push(`${cmp.label}: ${describeRatio(cmp.ratio)}`);
  });
  const family = live.filter(Boolean).length;
  const underpowered = tests.filter((t) => {
    const n = t.baseline.pass, m = t.current.pass;
    return n > 0 && m > 0 && smallestP(n, m) * family >= options.alpha;
  }).map((t) => t.test);
  return {
    options,
    tests,
    onlyBaseline: [...old.keys()].filter((t) => !now.has(t)),
    onlyCurrent: [...now.keys()].filter((t) => !old.has(t)),
    family,
    underpowered,
  };
}

/** Is a ratio new/old worse than the threshold allows? Symmetric on a log scale. */
export function beyond(ratio: number, worse: Worse, threshold: number): boolean {
  const up = ratio > 1 + threshold, down = ratio < 1 / (1 + threshold);
  return worse === "higher" ? up : worse === "lower" ? down : up || down;
}

/** "x0.52 (-48%)" */
export function describeRatio(ratio: number): string {
  const pct = Math.round((ratio - 1) * 100);
  return `x${ratio.toPrecision(3)} (${pct > 0 ? "+" : ""}${pct}%)`;
}

/** Tests that regressed, by name. */
export function regressedTests(c: Comparison): string[] {
  return c.tests.filter((t) => t.regressions.length > 0).map((t) => t.test);
}
