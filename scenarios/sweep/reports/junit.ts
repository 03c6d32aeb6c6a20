/**
 * JUnit XML as CI systems read it (Jenkins, GitLab, GitHub test reporters):
 * <testsuites> of one <testsuite> per test, one <testcase> per run, a
 * <failure> with the first failing check as its message, a <skipped> with the
 * reason, and a failed run's log in <system-err>. Each <testcase> has
 * <properties>: skt's strict verdict and each strict check (`strict.NAME`),
 * and `upstream-would-fail` when only skt's linger made upstream's pass; with
 * `strict`, a strict failure is a <failure type="strict">.
 */
import { strictReason } from "../../netifdirect/strict.ts";
import { failed } from "../result_line.ts";
import { runLabel, type RunRecord, totals } from "../record.ts";
import { describeKernelDrops } from "../../netifdirect/kernel_drops.ts";

// XML 1.0 forbids these characters even when escaped; child messages may hold anything.
// deno-lint-ignore no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text safe in an attribute value or element content. */
export function xmlEscape(text: string): string {
  return text
    .replace(INVALID_XML_CHARS, "\uFFFD")
    .replace(LONE_SURROGATE, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values).map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`).join("");
}

/** What the run did, for <system-out>: frames per child, drops, events, pps. */
function runSummary(r: RunRecord): string {
  const children = r.children.map((c) =>
    c.result
      ? `child ${c.index}: sent ${c.result.sent}, received ${c.result.received}, ${c.outcome}`
      : `child ${c.index}: ${c.outcome}${c.error ? `: ${c.error}` : ""}`
  );
  const e = r.events;
  return [
    ...children,
    ...(r.kernelDrops ?? []).map(describeKernelDrops),
    `drops ${r.drops}, pps ${r.pps ?? "-"}, events ifadv ${e.ifAdv} chan ${e.chan} ` +
    `tx-status ${e.txStatus} tx-expired ${e.txExpired}`,
  ].join("\n");
}

/** The strict verdict and checks as <property> lines. */
function strictProperties(r: RunRecord): string[] {
  if (!r.strict) return [];
  const props = [
    { name: "strict", value: r.strict.verdict },
    ...r.strict.checks.map((c) => ({
      name: `strict.${c.name}`,
      value: `${c.ok === null ? "unmeasured" : c.ok ? "pass" : "fail"}: ${c.detail}`,
    })),
    ...(r.strict.upstreamWouldFail
      ? [{ name: "upstream-would-fail", value: r.strict.upstreamWouldFail }]
      : []),
  ];
  return [
    `      <properties>`,
    ...props.map((p) => `        <property${attrs(p)}/>`),
    `      </properties>`,
  ];
}

function testcase(r: RunRecord, strict: boolean): string {
  const open = `    <testcase${
    attrs({
      name: runLabel(r),
      classname: `skt.${r.backend}.${r.test}`,
      time: seconds(r.durationMs),
    })
  }>`;
  const body: string[] = strictProperties(r);
  if (r.verdict === "fail") {
    const message = r.reason ?? "failed";
    body.push(
      `      <failure${attrs({ message, type: "fail" })}>${xmlEscape(message)}</failure>`,
    );
  } else if (strict && r.verdict === "pass" && r.strict && r.strict.verdict !== "pass") {
    const message = `strict: ${strictReason(r.strict)}`;
    body.push(
      `      <failure${attrs({ message, type: "strict" })}>${xmlEscape(message)}</failure>`,
    );
  } else if (r.verdict === "skip") {
    body.push(`      <skipped${attrs({ message: r.reason ?? "skipped" })}/>`);
  }
  if (r.children.length > 0) {
    body.push(`      <system-out>${xmlEscape(runSummary(r))}</system-out>`);
  }
  if (r.log?.length) body.push(`      <system-err>${xmlEscape(r.log.join("\n"))}</system-err>`);
  return [open, ...body, "    </testcase>"].join("\n");
}

/** Options of {@link toJUnitXml}. */
export interface JUnitOptions {
  /** the <testsuites> name (default "skt sweep") */
  name?: string;
  /** a strict failure is a <failure> (--strict) */
  strict?: boolean;
  /** the hostname written on each <testsuite> (default this machine's) */
  hostname?: string;
}

/** The whole report; suites in order of first appearance, runs in sweep order. */
export function toJUnitXml(records: readonly RunRecord[], options: JUnitOptions = {}): string {
  const suites = new Map<string, RunRecord[]>();
  for (const r of records) suites.set(r.test, [...suites.get(r.test) ?? [], r]);
  const sum = (rs: readonly RunRecord[]) => rs.reduce((ms, r) => ms + r.durationMs, 0);
  const counts = (rs: readonly RunRecord[]) => {
    const t = totals(rs);
    const failures = rs.filter((r) => failed(r, options.strict)).length;
    return { tests: rs.length, failures, errors: 0, skipped: t.skipped };
  };
  const hostname = options.hostname ?? Deno.hostname();
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites${
      attrs({ name: options.name ?? "skt sweep", ...counts(records), time: seconds(sum(records)) })
    }>`,
  ];
  for (const [i, [test, runs]] of [...suites].entries()) {
    lines.push(
      `  <testsuite${
        attrs({
          name: test,
          ...counts(runs),
          time: seconds(sum(runs)),
          // the Ant schema's timestamp has no zone; it is UTC
          timestamp: runs[0].startedAt.slice(0, 19),
          hostname,
          id: i,
          package: `skt.${runs[0].backend}`,
        })
      }>`,
      `    <properties>`,
      `      <property${attrs({ name: "backend", value: runs[0].backend })}/>`,
      `      <property${attrs({ name: "packets", value: runs[0].packets })}/>`,
      `      <property${attrs({ name: "batch", value: runs[0].batch })}/>`,
      `    </properties>`,
      ...runs.map((r) => testcase(r, options.strict ?? false)),
      `  </testsuite>`,
    );
  }
  lines.push(`</testsuites>`);
  return lines.join("\n") + "\n";
}
