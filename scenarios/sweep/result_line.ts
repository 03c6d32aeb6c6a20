/** Human-readable result lines of `skt run`, and the exit status of a run. */
import type { TestRecord } from "../mptest/parent.ts";
import { strictReason } from "../netifdirect/strict.ts";
import { ExitCode } from "../../ffi/errors.ts";
import { describeKernelDrops } from "../netifdirect/kernel_drops.ts";
import { XDP_MODE_NAMES } from "../../ffi/constants.ts";

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
  return `${head}${body}${xdpPart(r)}${tails.length ? `: ${tails.join("; ")}` : ""}`;
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
