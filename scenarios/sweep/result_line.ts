/** Human-readable result lines of `skt run`, and the exit status of a run. */
import type { TestRecord } from "../mptest/parent.ts";
import { strictReason } from "../netifdirect/strict.ts";
import { ExitCode } from "../../ffi/errors.ts";

/**
 * One line per test: name, backend, upstream's verdict (labelled when only
 * skt's linger made it a pass), skt's strict verdict, duration, frames per
 * child, drops, then why upstream's and the strict verdict failed.
 */
export function resultLine(r: TestRecord): string {
  const duration = `${(r.durationMs / 1000).toFixed(2)}s`;
  if (r.verdict === "skip") return `${r.test} ${r.backend} SKIP ${duration} (${r.reason})`;
  const wouldFail = r.strict?.upstreamWouldFail && r.verdict === "pass"
    ? " (upstream would FAIL)"
    : "";
  const strict = r.strict ? ` strict ${r.strict.verdict.toUpperCase()}` : "";
  const head = `${r.test} ${r.backend} ${r.verdict.toUpperCase()}${wouldFail}${strict} ${duration}`;
  const children = r.children.map((c) =>
    c.result
      ? `child ${c.index} sent ${c.result.sent} received ${c.result.received}`
      : `child ${c.index} ${c.outcome}`
  );
  const tails: string[] = [];
  if (r.verdict === "fail") tails.push(r.reason ?? "failed");
  if (wouldFail) tails.push(r.strict!.upstreamWouldFail!);
  // a run upstream failed leaves strict checks unmeasured: its own reason says why
  const strictWhy = r.strict?.verdict === "fail" ||
    (r.strict?.verdict === "unmeasured" && r.verdict === "pass");
  if (strictWhy) tails.push(`strict: ${strictReason(r.strict!)}`);
  // a run that failed before it started children has no per-child part
  const body = children.length > 0 ? ` ${children.join(", ")}, drops ${r.drops}` : "";
  return `${head}${body}${tails.length ? `: ${tails.join("; ")}` : ""}`;
}

/** Whether a run failed: upstream's verdict, or with `strict` also skt's strict one. */
export function failed(r: Pick<TestRecord, "verdict" | "strict">, strict = false): boolean {
  if (r.verdict === "fail") return true;
  return strict && r.verdict === "pass" && r.strict?.verdict !== "pass";
}

/** The exit status of a run of several tests; `strict`: a strict failure fails it too. */
export function exitStatus(records: readonly TestRecord[], strict = false): number {
  const interrupted = records.find((r) => r.interrupted)?.interrupted;
  if (interrupted) return interrupted === "SIGINT" ? 130 : 143;
  if (records.some((r) => failed(r, strict))) return ExitCode.fail;
  if (!records.some((r) => r.verdict === "pass")) return ExitCode.nothingRan;
  return ExitCode.pass;
}
