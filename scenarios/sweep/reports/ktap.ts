/**
 * KTAP as kselftest prints it: `TAP version 13`, the plan, `ok N name` /
 * `not ok N name` / `ok N name # SKIP reason`, diagnostics as `# ` lines (a
 * failure's reason just before its result line, and for every run that ran,
 * skt's strict verdict: `# NAME: strict PASS|FAIL|UNMEASURED[: first failing
 * check]`, plus `upstream would FAIL` when only skt's linger made the pass),
 * and the `# Totals:` line. With `strict`, a strict failure is `not ok`.
 */
import { runLabel, type RunRecord, totals } from "../record.ts";
import { describeKernelDrops } from "../../netifdirect/kernel_drops.ts";
import { strictReason } from "../../netifdirect/strict.ts";
import { failed } from "../result_line.ts";

/** One line of text (a reason may hold newlines; a result line may not). */
const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, " ").trim();

/** The strict diagnostics of one run that ran. */
function strictLines(r: RunRecord, name: string): string[] {
  if (!r.strict || r.verdict === "skip") return [];
  const why = r.strict.verdict === "pass" ? "" : `: ${oneLine(strictReason(r.strict) ?? "")}`;
  const lines = [`# ${name}: strict ${r.strict.verdict.toUpperCase()}${why}`];
  if (r.strict.upstreamWouldFail && r.verdict === "pass") {
    lines.push(`# ${name}: upstream would FAIL: ${oneLine(r.strict.upstreamWouldFail)}`);
  }
  return lines;
}

/** The KTAP document; `diagnostics` are `# ` lines placed before the totals. */
export function toKtap(
  records: readonly RunRecord[],
  diagnostics: readonly string[] = [],
  strict = false,
): string {
  const lines = ["TAP version 13", `1..${records.length}`];
  records.forEach((r, i) => {
    const n = i + 1;
    // `#` starts a directive on a result line; the label never has one, a name might
    const name = runLabel(r).replace(/#/g, "");
    // afxdp: the kernel's drop counters of each receiver, before the result line
    for (const d of r.kernelDrops ?? []) lines.push(`# ${name}: ${describeKernelDrops(d)}`);
    lines.push(...strictLines(r, name));
    if (r.verdict === "skip") lines.push(`ok ${n} ${name} # SKIP ${oneLine(r.reason ?? "")}`);
    else if (!failed(r, strict)) lines.push(`ok ${n} ${name}`);
    else {
      if (r.verdict === "fail") lines.push(`# ${name}: ${oneLine(r.reason ?? "failed")}`);
      lines.push(`not ok ${n} ${name}`);
    }
  });
  for (const d of diagnostics) lines.push(`# ${d}`.trimEnd());
  const t = totals(records);
  const fails = records.filter((r) => failed(r, strict)).length;
  lines.push(
    `# Totals: pass:${
      t.passed + t.failed - fails
    } fail:${fails} xfail:0 xpass:0 skip:${t.skipped} error:0`,
  );
  return lines.join("\n") + "\n";
}
