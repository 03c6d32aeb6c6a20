/** Human-readable result lines of `skt run`. */
import type { TestRecord } from "../mptest/parent.ts";
import { ExitCode } from "../../ffi/errors.ts";
import { describeKernelDrops } from "../netifdirect/kernel_drops.ts";
import { XDP_MODE_NAMES } from "../../ffi/constants.ts";

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
  return `${head}${body}${xdpPart(r)}${tail}`;
}

/** afxdp: the XDP mode, zero copy, pps and the kernel's drop counters of each receiver. */
function xdpPart(r: TestRecord): string {
  const x = r.children.flatMap((c) => c.result?.xdp ? [c.result] : []);
  if (x.length === 0) return "";
  const modes = [...new Set(x.map((c) => XDP_MODE_NAMES[c.xdp!.mode ?? 0] ?? "?"))].join("/");
  const zc = x[0].xdp!.zeroCopyTried
    ? `, zero copy refused (errno ${x[0].xdp!.zeroCopyErrno})`.replace(
      " refused (errno 0)",
      " accepted",
    )
    : "";
  const pps = x.map((c) => `${Math.round(c.received / (c.durationMs / 1000))}`).join("/");
  const drops = (r.kernelDrops ?? []).map(describeKernelDrops).join("; ");
  return `; XDP ${modes}${zc}${x[0].xdp!.zeroCopy ? ", zero copy" : ", copy"}, rx pps ${pps}` +
    (drops ? `; ${drops}` : "");
}

/** The exit status of a run of several tests. */
export function exitStatus(records: readonly TestRecord[]): number {
  const interrupted = records.find((r) => r.interrupted)?.interrupted;
  if (interrupted) return interrupted === "SIGINT" ? 130 : 143;
  if (records.some((r) => r.verdict === "fail")) return ExitCode.fail;
  if (!records.some((r) => r.verdict === "pass")) return ExitCode.nothingRan;
  return ExitCode.pass;
}
