/**
 * The options of the reports built on records: --pcap (run, sweep), --html,
 * --alpha and --threshold (sweep, compare), and the `compare` and `report`
 * commands' parsers (cli/compare.ts runs them).
 */
import { argument, command, constant, option } from "@optique/core/primitives";
import { object } from "@optique/core/constructs";
import { optional, withDefault } from "@optique/core/modifiers";
import { float, string } from "@optique/core/valueparser";
import { message, text } from "@optique/core/message";
import { DEFAULT_COMPARE } from "../scenarios/sweep/compare.ts";

export const pcapOption = optional(option("--pcap", string({ metavar: "DIR" }), {
  description: [{ type: "text", text: "write each interface's frames as pcapng into DIR" }],
}));
export const htmlOption = optional(option("--html", string({ metavar: "FILE" }), {
  description: [{ type: "text", text: "a self-contained HTML report with plots" }],
}));
export const alphaOption = withDefault(
  option("--alpha", float({ min: 1e-9, max: 0.5, metavar: "P" }), {
    description: [{ type: "text", text: "significance level over all metrics compared (Holm)" }],
  }),
  DEFAULT_COMPARE.alpha,
  { message: message`${text(String(DEFAULT_COMPARE.alpha))}` },
);
export const thresholdOption = withDefault(
  option("--threshold", float({ min: 0, max: 100, metavar: "R" }), {
    description: [{
      type: "text",
      text: "relative change a significant change must pass to count (0.25 = 25%)",
    }],
  }),
  DEFAULT_COMPARE.threshold,
  { message: message`${text(String(DEFAULT_COMPARE.threshold))}` },
);

/** `skt compare OLD.jsonl NEW.jsonl ...` */
export const compareParser = command(
  "compare",
  object({
    cmd: constant("compare" as const),
    baseline: argument(string({ metavar: "OLD.jsonl" })),
    current: argument(string({ metavar: "NEW.jsonl" })),
    json: optional(option("--json", string({ metavar: "FILE|-" }), {
      description: [{ type: "text", text: "the comparison as JSON (- for stdout)" }],
    })),
    junit: optional(option("--junit", string({ metavar: "FILE" }), {
      description: [{ type: "text", text: "JUnit XML, a failing testcase per regressed test" }],
    })),
    html: htmlOption,
    alpha: alphaOption,
    threshold: thresholdOption,
  }),
  {
    description: [{
      type: "text",
      text: "Compare two sweeps' JSON Lines: exit 1 when a test regressed",
    }],
  },
);

/** `skt report RUNS.jsonl --html FILE` */
export const reportParser = command(
  "report",
  object({
    cmd: constant("report" as const),
    runs: argument(string({ metavar: "RUNS.jsonl" })),
    html: option("--html", string({ metavar: "FILE" }), {
      description: [{ type: "text", text: "where the HTML report goes" }],
    }),
  }),
  { description: [{ type: "text", text: "An HTML report of a sweep's JSON Lines" }] },
);
