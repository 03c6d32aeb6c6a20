/**
 * The HTML report of a sweep, or of a sweep against its baseline: one
 * self-contained file (no script, no stylesheet or font fetched, every plot
 * an inline SVG rendered here by Apache ECharts' server-side SVG renderer),
 * so it opens offline and in any browser. Per test: packets per second and
 * duration per run, drops and event counts per run, and the expiry delay
 * distributions; with a baseline both sides side by side and the
 * regressions marked in red.
 */
import type { RunRecord } from "../record.ts";
import type { Comparison, TestComparison } from "../compare.ts";
import { xmlEscape } from "./junit.ts";
import { compareNotes, compareTable, compareTotalsLine } from "./compare_report.ts";
import { summaryTable } from "./table.ts";

export interface HtmlInput {
  title: string;
  current: readonly RunRecord[];
  baseline?: readonly RunRecord[];
  comparison?: Comparison;
  warnings?: readonly string[];
}

const W = 460, H = 260;
const BASE = "#7f8c9a", NEW = "#1f6fd1", BAD = "#c62828";

type ECharts = typeof import("echarts");

/** One chart as an SVG string; the option is plain ECharts, animation off. */
function svg(echarts: ECharts, option: Record<string, unknown>): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: W, height: H });
  try {
    chart.setOption({ animation: false, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function quartiles(values: readonly number[]): number[] {
  const s = [...values].sort((a, b) => a - b);
  const q = (f: number) => {
    const i = (s.length - 1) * f, lo = Math.floor(i), hi = Math.ceil(i);
    return s[lo] + (s[hi] - s[lo]) * (i - lo);
  };
  return [s[0], q(0.25), q(0.5), q(0.75), s[s.length - 1]];
}

interface Side {
  name: string;
  runs: readonly RunRecord[];
  color: string;
}

/** A metric per run, one line per side, x = iteration. */
function perRunPlot(
  echarts: ECharts,
  title: string,
  sides: Side[],
  pick: (r: RunRecord) => number | null,
  flagged: string | null,
): string {
  const n = Math.max(...sides.map((s) => s.runs.length));
  return svg(echarts, {
    title: {
      text: flagged ? `${title} - REGRESSION ${flagged}` : title,
      textStyle: { fontSize: 13, color: flagged ? BAD : "#222" },
    },
    legend: { bottom: 0, data: sides.map((s) => s.name) },
    grid: { top: 40, left: 70, right: 16, bottom: 56 },
    xAxis: { type: "category", name: "run", data: Array.from({ length: n }, (_, i) => `${i + 1}`) },
    yAxis: { type: "value", scale: true },
    series: sides.map((s) => ({
      name: s.name,
      type: "line",
      symbolSize: 8,
      color: flagged && s.name === "new" ? BAD : s.color,
      data: s.runs.map((r) => pick(r)),
    })),
  });
}

const COUNTS: [string, (r: RunRecord) => number][] = [
  ["drops", (r) => r.drops],
  ["ifAdv", (r) => r.events.ifAdv],
  ["chan", (r) => r.events.chan],
  ["txStatus", (r) => r.events.txStatus],
  ["txExpired", (r) => r.events.txExpired],
];

/** Drops and event counts, grouped bars per run of each side. */
function countsPlot(echarts: ECharts, sides: Side[], flagged: string | null): string {
  const runs = sides.flatMap((s) => s.runs.map((r) => ({ label: `${s.name} ${r.iteration}`, r })));
  return svg(echarts, {
    title: {
      text: flagged ? `drops and events - REGRESSION ${flagged}` : "drops and events per run",
      textStyle: { fontSize: 13, color: flagged ? BAD : "#222" },
    },
    legend: { bottom: 0 },
    grid: { top: 40, left: 70, right: 16, bottom: 72 },
    xAxis: { type: "category", data: runs.map((x) => x.label), axisLabel: { rotate: 30 } },
    yAxis: { type: "value" },
    series: COUNTS.map(([name, pick]) => ({ name, type: "bar", data: runs.map((x) => pick(x.r)) })),
  });
}

/** The expiry delays of the runs (each run's mean) as box plots, side by side. */
function expiryPlot(echarts: ECharts, sides: Side[], flagged: string | null): string | null {
  const kinds: [string, (r: RunRecord) => number | null][] = [
    ["notification", (r) => r.expiryNotifDelayNs],
    ["propagation", (r) => r.expiryPropDelayNs],
  ];
  const cats: string[] = [], boxes: { value: number[]; itemStyle: { color: string } }[] = [];
  const points: [number, number][] = [];
  for (const [kind, pick] of kinds) {
    for (const s of sides) {
      const vs = s.runs.map(pick).filter((v): v is number => v !== null);
      if (vs.length === 0) continue;
      cats.push(`${kind} ${s.name}`);
      boxes.push({ value: quartiles(vs).map((v) => v / 1000), itemStyle: { color: s.color } });
      for (const v of vs) points.push([cats.length - 1, v / 1000]);
    }
  }
  if (cats.length === 0) return null;
  return svg(echarts, {
    title: {
      text: flagged ? `expiry delays (µs) - REGRESSION ${flagged}` : "expiry delays per run (µs)",
      textStyle: { fontSize: 13, color: flagged ? BAD : "#222" },
    },
    grid: { top: 40, left: 70, right: 16, bottom: 36 },
    xAxis: { type: "category", data: cats },
    yAxis: { type: "value", scale: true },
    series: [
      { type: "boxplot", data: boxes },
      { type: "scatter", data: points, symbolSize: 6, color: "#333" },
    ],
  });
}

function flags(t: TestComparison | undefined, keys: string[]): string | null {
  const hit = t?.metrics.filter((m) => m.regression && keys.includes(m.metric)) ?? [];
  return hit.length ? hit.map((m) => `${m.label} x${m.ratio.toPrecision(3)}`).join(", ") : null;
}

function section(echarts: ECharts, test: string, input: HtmlInput): string {
  const sides: Side[] = [];
  const base = input.baseline?.filter((r) => r.test === test) ?? [];
  if (input.baseline) sides.push({ name: "baseline", runs: base, color: BASE });
  sides.push({ name: "new", runs: input.current.filter((r) => r.test === test), color: NEW });
  const t = input.comparison?.tests.find((x) => x.test === test);
  const regressed = (t?.regressions.length ?? 0) > 0;
  const plots = [
    perRunPlot(echarts, "packets per second", sides, (r) => r.pps, flags(t, ["pps"])),
    perRunPlot(echarts, "duration (ms)", sides, (r) => r.durationMs, flags(t, ["durationMs"])),
    countsPlot(echarts, sides, flags(t, ["drops", ...COUNTS.map(([k]) => `events.${k}`)])),
    expiryPlot(echarts, sides, flags(t, ["expiryNotifDelayNs", "expiryPropDelayNs"])),
  ];
  const verdicts = sides.map((s) =>
    `${s.name}: ${s.runs.filter((r) => r.verdict === "pass").length}/${s.runs.length} passed`
  ).join("; ");
  return `<section class="test${regressed ? " regressed" : ""}" id="${xmlEscape(test)}">
<h2>${xmlEscape(test)}${regressed ? ` <span class="badge">REGRESSION</span>` : ""}</h2>
<p>${xmlEscape(verdicts)}</p>
${
    regressed
      ? `<ul class="why">${t!.regressions.map((x) => `<li>${xmlEscape(x)}</li>`).join("")}</ul>`
      : ""
  }
<div class="plots">${
    plots.map((p) =>
      p === null
        ? `<p class="none">no expiry events in these runs: no delays to plot</p>`
        : `<figure class="plot">${p}</figure>`
    ).join("\n")
  }</div>
</section>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
pre{background:#f6f6f6;padding:.6em;overflow:auto}
.plots{display:flex;flex-wrap:wrap;gap:8px}.plot{margin:0;border:1px solid #ddd}
section.test{border-top:1px solid #ccc;margin-top:1em}
section.regressed{border-left:6px solid ${BAD};padding-left:.8em}
.badge{background:${BAD};color:#fff;padding:1px 6px;border-radius:3px;font-size:12px}
.why{color:${BAD}}.warn{color:#8a5a00}.none{color:#666;font-style:italic}`;

/** The whole page. Loads ECharts only when called, so other commands don't pay for it. */
export async function toHtml(input: HtmlInput): Promise<string> {
  const echarts = await import("echarts");
  const tests = [...new Set([...(input.baseline ?? []), ...input.current].map((r) => r.test))];
  const summary = input.comparison
    ? [
      ...compareTable(input.comparison),
      "",
      ...compareNotes(input.comparison),
      compareTotalsLine(input.comparison),
    ]
    : summaryTable([...input.current]);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${xmlEscape(input.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${xmlEscape(input.title)}</h1>
${(input.warnings ?? []).map((w) => `<p class="warn">warning: ${xmlEscape(w)}</p>`).join("\n")}
<pre>${xmlEscape(summary.join("\n"))}</pre>
${tests.map((t) => section(echarts, t, input)).join("\n")}
</body></html>
`;
}
