/**
 * KTAP as kselftest prints it: `TAP version 13`, the plan, `ok N name` /
 * `not ok N name` / `ok N name # SKIP reason`, diagnostics as `# ` lines (a
 * failure's reason just before its result line), and the `# Totals:` line.
 */
import { runLabel, type RunRecord, totals } from "../record.ts";

/** One line of text (a reason may hold newlines; a result line may not). */
const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, " ").trim();

/** The KTAP document; `diagnostics` are `# ` lines placed before the totals. */
export function toKtap(records: readonly RunRecord[], diagnostics: readonly string[] = []): string {
  const lines = ["TAP version 13", `1..${records.length}`];
  records.forEach((r, i) => {
    const n = i + 1;
    // `#` starts a directive on a result line; the label never has one, a name might
    const name = runLabel(r).replace(/#/g, "");
    if (r.verdict === "pass") lines.push(`ok ${n} ${name}`);
    else if (r.verdict === "skip") lines.push(`ok ${n} ${name} # SKIP ${oneLine(r.reason ?? "")}`);
    else {
      lines.push(`# ${name}: ${oneLine(r.reason ?? "failed")}`);
      lines.push(`not ok ${n} ${name}`);
    }
  });
  for (const d of diagnostics) lines.push(`# ${d}`.trimEnd());
  const t = totals(records);
  lines.push(
    `# Totals: pass:${t.passed} fail:${t.failed} xfail:0 xpass:0 skip:${t.skipped} error:0`,
  );
  return lines.join("\n") + "\n";
}
