/** Summaries of repeated measurements: the median, the smallest and the largest. */

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** every value, in the order measured */
  values: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summarize(values: readonly number[]): Summary {
  return {
    median: median(values),
    min: values.length ? Math.min(...values) : NaN,
    max: values.length ? Math.max(...values) : NaN,
    values: [...values],
  };
}
