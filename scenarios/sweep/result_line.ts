/** Human-readable result lines of `skt run`. */
import type { TestRecord } from "../mptest/parent.ts";
import { ExitCode } from "../../ffi/errors.ts";

/** One line per test: name, backend, verdict, duration, frames per child, drops. */
export function resultLine(r: TestRecord): string {
  const head = `${r.test} ${r.backend} ${r.verdict.toUpperCase()} ${
    (r.durationMs / 1000).toFixed(2)
  }s`;
  if (r.verdict === "skip") return `${head} (${r.reason})`;
  const children = r.children.map((c) =>
    c.result
      ? `child ${c.index} sent ${c.result.sent} received ${c.result.received}`
      : `child ${c.index} ${c.outcome}`
  );
  const tail = r.verdict === "fail" ? `: ${r.reason}` : "";
  // a run that failed before it started children has no per-child part
  const body = children.length > 0 ? ` ${children.join(", ")}, drops ${r.drops}` : "";
  return `${head}${body}${tail}`;
}

/** The exit status of a run of several tests. */
export function exitStatus(records: readonly TestRecord[]): number {
  const interrupted = records.find((r) => r.interrupted)?.interrupted;
  if (interrupted) return interrupted === "SIGINT" ? 130 : 143;
  if (records.some((r) => r.verdict === "fail")) return ExitCode.fail;
  if (!records.some((r) => r.verdict === "pass")) return ExitCode.nothingRan;
  return ExitCode.pass;
}
