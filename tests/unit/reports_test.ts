/**
 * The sweep's records and reports without running anything: records built
 * from driver records field by field, JSON Lines / JUnit XML / KTAP parsed
 * back, the summary table, the progress line, test selection, and the sweep
 * loop (order, --fail-fast, abort, logs) over a stand-in runner.
 *
 * Over 300 lines: every report format is checked against the same records
 * built at the top; split, each file would rebuild them.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "@std/assert";
import type { ChildReport, TestRecord } from "../../scenarios/mptest/parent.ts";
import { DEFAULT_OPTIONS } from "../../scenarios/mptest/parent.ts";
import type { ChildResult } from "../../scenarios/netifdirect/defs.ts";
import { type RunRecord, toRunRecord, totalsLine } from "../../scenarios/sweep/record.ts";
import {
  globToRegExp,
  planSweep,
  type Runner,
  runSweep,
  selectTests,
} from "../../scenarios/sweep/sweep.ts";
import { TESTS } from "../../scenarios/netifdirect/table.ts";
import { exitStatus, resultLine } from "../../scenarios/sweep/result_line.ts";
import { UsageError } from "../../ffi/errors.ts";
import { toJsonLines } from "../../scenarios/sweep/reports/jsonl.ts";
import { toJUnitXml, xmlEscape } from "../../scenarios/sweep/reports/junit.ts";
import { toKtap } from "../../scenarios/sweep/reports/ktap.ts";
import { median, summaryTable } from "../../scenarios/sweep/reports/table.ts";
import { formatSeconds, Progress } from "../../scenarios/sweep/reports/progress.ts";
import { findAll, parseKtap, parseXml } from "../report_parsers.ts";
import { childResult } from "./child_result.ts";

const result = childResult;

function child(index: number, res: ChildResult | null, error: string | null = null): ChildReport {
  return {
    index,
    pid: 1000 + index,
    exitCode: res ? 0 : 1,
    signal: null,
    passed: res !== null,
    outcome: res ? "exited 0" : "exited 1",
    result: res,
    error,
  };
}

function driverRecord(over: Partial<TestRecord> = {}): TestRecord {
  return {
    test: "netifdirecttxrx",
    backend: "sim",
    verdict: "pass",
    reason: null,
    durationMs: 432.1234,
    children: [child(0, result(0)), child(1, result(1))],
    drops: 0,
    interrupted: null,
    strict: null,
    ...over,
  };
}

const startedAt = new Date("2026-01-02T03:04:05.678Z");
const ctx = (iteration = 1, log: string[] = ["a log line"]) => ({
  iteration,
  startedAt,
  packets: 1000,
  batch: 8,
  log,
});

/** pass, fail (with characters XML and KTAP must escape), skip, and a second test's pass */
function sampleRecords(): RunRecord[] {
  const nasty = "frame #7 <bad> & \"odd\" 'quoted'\u0001 checksum\nsecond line";
  return [
    toRunRecord(driverRecord(), ctx(1)),
    toRunRecord(
      driverRecord({
        verdict: "fail",
        reason: `child 1 ${nasty}`,
        children: [child(0, result(0)), child(1, null, nasty)],
      }),
      ctx(2, ["child 1: FAIL: <x>", "Test netifdirecttxrx FAILED"]),
    ),
    toRunRecord(
      driverRecord({
        test: "netifdirectchanevents",
        verdict: "skip",
        reason: "kern.skywalk.features lacks 0x4",
        children: [],
      }),
      ctx(1),
    ),
    toRunRecord(driverRecord({ test: "netifdirectchanevents", durationMs: 900 }), ctx(2)),
  ];
}

Deno.test("record: a run record carries the driver's record plus totals, events, expiry, pps", () => {
  const r = toRunRecord(
    driverRecord({
      test: "netifdirectexpiryevents",
      drops: 12,
      children: [
        child(
          0,
          result(0, {
            sent: 2000,
            received: 1500,
            chanEvents: 5,
            txExpiredEvents: 1,
            expiryNotifDelayNs: "2000",
            expiryPropDelayNs: "40",
            durationMs: 250,
          }),
        ),
        child(
          1,
          result(1, {
            sent: 1800,
            received: 1000,
            ifAdvEvents: 2,
            chanEvents: 7,
            txStatusEvents: 4,
            txExpiredEvents: 3,
            expiryNotifDelayNs: "4000",
            expiryPropDelayNs: "80",
            durationMs: 200,
          }),
        ),
      ],
    }),
    ctx(3),
  );
  assertEquals(r.schema, 1);
  assertEquals(r.test, "netifdirectexpiryevents");
  assertEquals(r.iteration, 3);
  assertEquals(r.backend, "sim");
  assertEquals(r.verdict, "pass");
  assertEquals(r.reason, null);
  assertEquals(r.startedAt, "2026-01-02T03:04:05.678Z");
  assertEquals(r.durationMs, 432.123);
  assertEquals([r.packets, r.batch], [1000, 8]);
  assertEquals(r.framesSent, 3800);
  assertEquals(r.framesReceived, 2500);
  assertEquals(r.drops, 12);
  assertEquals(r.transferMs, 250);
  assertEquals(r.pps, 10_000); // 2500 frames in the longest transfer, 0.25 s
  assertEquals(r.events, { ifAdv: 2, chan: 12, txStatus: 4, txExpired: 4 });
  // weighted by each child's expired events: (2000 * 1 + 4000 * 3) / 4
  assertEquals(r.expiryNotifDelayNs, 3500);
  assertEquals(r.expiryPropDelayNs, 70);
  assertEquals(r.children.map((c) => c.result?.sent), [2000, 1800]);
  assertEquals(r.interrupted, null);
  assertEquals(r.log, null, "a passing run keeps no log");
});

Deno.test("record: a failed run keeps its log and has no pps without results", () => {
  const r = toRunRecord(
    driverRecord({
      verdict: "fail",
      reason: "child 0 exited before sending ready",
      children: [child(0, null), child(1, null)],
    }),
    ctx(1, ["line 1", "line 2"]),
  );
  assertEquals(r.log, ["line 1", "line 2"]);
  assertEquals([r.pps, r.transferMs, r.framesSent, r.framesReceived], [null, null, 0, 0]);
  assertEquals([r.expiryNotifDelayNs, r.expiryPropDelayNs], [null, null]);
});

Deno.test("jsonl: one line per record, each parsing back to the record field by field", () => {
  const records = sampleRecords();
  const text = toJsonLines(records);
  assert(text.endsWith("\n"));
  const lines = text.slice(0, -1).split("\n");
  assertEquals(lines.length, records.length);
  lines.forEach((line, i) => {
    const parsed = JSON.parse(line);
    for (const key of Object.keys(records[i]) as (keyof RunRecord)[]) {
      assertEquals(parsed[key], records[i][key], `record ${i} field ${key}`);
    }
    assertEquals(Object.keys(parsed).length, Object.keys(records[i]).length);
  });
  assertEquals(JSON.parse(lines[1]).reason, records[1].reason);
});

Deno.test("junit: parses back with one testcase per run, failures and skips counted", () => {
  const records = sampleRecords();
  const root = parseXml(toJUnitXml(records, { hostname: "host" }));
  assertEquals(root.name, "testsuites");
  assertEquals(
    [root.attrs.tests, root.attrs.failures, root.attrs.errors, root.attrs.skipped],
    ["4", "1", "0", "1"],
  );
  const suites = findAll(root, "testsuite");
  assertEquals(suites.map((s) => s.attrs.name), ["netifdirecttxrx", "netifdirectchanevents"]);
  for (const suite of suites) {
    const cases = findAll(suite, "testcase");
    assertEquals(suite.attrs.tests, String(cases.length));
    assertEquals(
      suite.attrs.failures,
      String(cases.filter((c) => findAll(c, "failure").length).length),
    );
    assertEquals(
      suite.attrs.skipped,
      String(cases.filter((c) => findAll(c, "skipped").length).length),
    );
    assertMatch(suite.attrs.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    assertEquals(suite.attrs.hostname, "host");
  }
  const cases = findAll(root, "testcase");
  assertEquals(cases.map((c) => c.attrs.name), [
    "netifdirecttxrx iteration 1",
    "netifdirecttxrx iteration 2",
    "netifdirectchanevents iteration 1",
    "netifdirectchanevents iteration 2",
  ]);
  assertEquals(cases[0].attrs.classname, "skt.sim.netifdirecttxrx");
  assertEquals(cases[0].attrs.time, "0.432");
  assertEquals(findAll(cases[0], "failure").length + findAll(cases[0], "skipped").length, 0);
  const [failure] = findAll(cases[1], "failure");
  // the message survives, except the control character XML cannot carry
  assertEquals(failure.attrs.message, records[1].reason!.replace("\u0001", "\uFFFD"));
  assertEquals(failure.text, failure.attrs.message);
  assertEquals(
    findAll(cases[1], "system-err")[0].text,
    "child 1: FAIL: <x>\nTest netifdirecttxrx FAILED",
  );
  assertMatch(findAll(cases[0], "system-out")[0].text, /child 0: sent 1000, received 990/);
  const [skipped] = findAll(cases[2], "skipped");
  assertEquals(skipped.attrs.message, "kern.skywalk.features lacks 0x4");
  assertEquals(findAll(cases[2], "system-out").length, 0, "a skipped run has no children");
});

Deno.test("junit: an empty sweep is still a valid report", () => {
  const root = parseXml(toJUnitXml([], { hostname: "h" }));
  assertEquals([root.attrs.tests, root.children.length], ["0", 0]);
});

Deno.test("junit: escaping leaves no markup and no illegal character", () => {
  assertEquals(xmlEscape(`<a b="c">&'`), "&lt;a b=&quot;c&quot;&gt;&amp;&apos;");
  assertEquals(xmlEscape("x\u0000y\u001Fz\tw\n"), "x\uFFFDy\uFFFDz\tw\n");
  assertEquals(xmlEscape("\uD800"), "\uFFFD");
  assertEquals(xmlEscape("\uD83D\uDE00"), "\uD83D\uDE00");
});

Deno.test("ktap: parses back: plan, ok / not ok / SKIP with reason, diagnostics, totals", () => {
  const records = sampleRecords();
  const doc = parseKtap(toKtap(records, ["a table line"]));
  assertEquals(doc.plan, 4);
  assertEquals(doc.results.length, 4);
  assertEquals(doc.results.map((r) => [r.ok, r.name, r.directive]), [
    [true, "netifdirecttxrx iteration 1", null],
    [false, "netifdirecttxrx iteration 2", null],
    [true, "netifdirectchanevents iteration 1", "SKIP"],
    [true, "netifdirectchanevents iteration 2", null],
  ]);
  // the failure's reason is the diagnostic line before it, on one line
  assertEquals(doc.results[1].diagnostics, [
    `netifdirecttxrx iteration 2: ${records[1].reason!.replace("\n", " ")}`,
  ]);
  assertEquals(doc.results[2].reason, "kern.skywalk.features lacks 0x4");
  assertEquals(doc.trailer, ["a table line"]);
  assertEquals(doc.totals, { pass: 2, fail: 1, xfail: 0, xpass: 0, skip: 1, error: 0 });
});

Deno.test("ktap: no runs is a plan of 0 with zero totals", () => {
  const doc = parseKtap(toKtap([]));
  assertEquals([doc.plan, doc.results.length, doc.totals.pass], [0, 0, 0]);
});

Deno.test("table: per test runs, verdicts, median duration and pps; the totals line", () => {
  const records = sampleRecords();
  const lines = summaryTable(records);
  assertEquals(lines.length, 3);
  assertMatch(lines[0], /^test +runs +pass +fail +skip +median s +median pps$/);
  // txrx: durations 432.123 twice; pps 19800 and 9900 (the failed run has one child's frames)
  assertMatch(lines[1], /^netifdirecttxrx +2 +1 +1 +0 +0\.432 +14850$/);
  // chanevents: the skip counts in neither median
  assertMatch(lines[2], /^netifdirectchanevents +2 +1 +0 +1 +0\.900 +19800$/);
  assertEquals(totalsLine(records), "2 passed, 1 failed, 1 skipped");
  assertEquals(median([3, 1, 2]), 2);
  assertEquals(median([4, 1, 2, 3]), 2.5);
  assertEquals(median([]), null);
});

function progressFixture(tty: boolean, color: boolean) {
  let out = "";
  let clock = 0;
  const progress = new Progress({
    total: 4,
    tty,
    color,
    write: (t) => out += t,
    refreshMs: 0,
    columns: () => 60,
    now: () => clock,
  });
  const [pass, fail, skip] = sampleRecords();
  progress.start(pass, 0);
  clock += 1000;
  progress.finish(pass, 0);
  progress.start(fail, 1);
  clock += 1000;
  progress.finish(fail, 1);
  progress.start(skip, 2);
  progress.finish(skip, 2);
  // a run cut short (an interrupted sweep): close() must not leave its live line
  progress.start(pass, 3);
  progress.close();
  return out;
}

Deno.test("progress: off a terminal, one plain line per finished run with elapsed and ETA", () => {
  const out = progressFixture(false, false);
  assert(!out.includes("\x1b"), JSON.stringify(out));
  const lines = out.trimEnd().split("\n");
  assertEquals(lines.length, 3);
  assertEquals(
    lines[0],
    "[1/4] netifdirecttxrx iteration 1 PASS in 0.4s, 19800 pps (elapsed 1.0s, ETA 3.0s)",
  );
  assertMatch(
    lines[1],
    /^\[2\/4\] netifdirecttxrx iteration 2 FAIL in 0\.4s, 9900 pps \(elapsed 2\.0s, ETA 2\.0s\): child 1 frame #7 .* checksum second line$/,
  );
  assertEquals(
    lines[2],
    "[3/4] netifdirectchanevents iteration 1 SKIP: kern.skywalk.features lacks 0x4",
  );
});

Deno.test("progress: on a terminal, a live line redrawn in place; colour unless NO_COLOR", () => {
  const colored = progressFixture(true, true);
  const clear = "\r\x1b[2K";
  assert(colored.includes(`${clear}[1/4] netifdirecttxrx iteration 1  elapsed 0.0s, ETA -`));
  // passes only move the live line; failures and skips stay above it, coloured
  assert(!colored.includes("PASS"));
  assert(colored.includes("\x1b[31mFAIL\x1b[0m"));
  assert(colored.includes("\x1b[33mSKIP\x1b[0m"));
  assert(colored.endsWith("\r\x1b[2K"), "close() clears the live line");
  for (const line of colored.split(clear)) {
    if (!line.includes("\n")) assert(line.length <= 59, `live line too wide: ${line}`);
  }
  const plain = progressFixture(true, false);
  const colours = ["\x1b[31m", "\x1b[32m", "\x1b[33m"];
  assert(!colours.some((c) => plain.includes(c)), "no colour codes with NO_COLOR");
  assert(plain.includes("\r\x1b[2K"));
  assertEquals(formatSeconds(125_000), "2:05");
});

Deno.test("selection: globs over whole names, table order, a glob matching nothing refused", () => {
  const names = (filters: string[]) => selectTests(filters).map((t) => t.name);
  assertEquals(names([]), TESTS.map((t) => t.name));
  assertEquals(names(["netifdirecttxrx*"]), [
    "netifdirecttxrx",
    "netifdirecttxrxcopymode",
    "netifdirecttxrxsp",
  ]);
  assertEquals(names(["*events", "netifdirecttxrx"]), [
    "netifdirecttxrx",
    "netifdirectchanevents",
    "netifdirectexpiryevents",
  ]);
  assertEquals(names(["netifdirectifadv[de]*"]), [
    "netifdirectifadvenable",
    "netifdirectifadvdisable",
  ]);
  assertEquals(names(["netifdirecttxrx??"]), ["netifdirecttxrxsp"]);
  assertEquals(names(["netifdirectifadv[!e]*"]), ["netifdirectifadvdisable"]);
  assert(!globToRegExp("netif.irect*").test("netifdirecttxrx"), ". is literal");
  assertThrows(() => selectTests(["txrx"]), UsageError, "--filter 'txrx' matches no test");
  assertThrows(() => selectTests(["netifdirecttxrx", "nope*"]), UsageError, "nope*");
  const plan = planSweep(selectTests(["netifdirecttxrx", "netifdirecttxrxsp"]), 2);
  assertEquals(plan.map((p) => `${p.test.name}.${p.iteration}`), [
    "netifdirecttxrx.1",
    "netifdirecttxrxsp.1",
    "netifdirecttxrx.2",
    "netifdirecttxrxsp.2",
  ]);
});

/** A runner that fails the runs named in `failing` ("test.iteration") and logs a line. */
function fakeRunner(failing: string[], calls: string[]): Runner {
  const seen = new Map<string, number>();
  return (test, _options, deps) => {
    const iteration = (seen.get(test.name) ?? 0) + 1;
    seen.set(test.name, iteration);
    const id = `${test.name}.${iteration}`;
    calls.push(id);
    deps.log.info(`driver line of ${id}`);
    deps.log.debug(`debug line of ${id}`);
    deps.writeLine(`child 0: line of ${id}`);
    const fail = failing.includes(id);
    return Promise.resolve(
      driverRecord({
        test: test.name,
        verdict: fail ? "fail" : "pass",
        reason: fail ? `check of ${id} failed` : null,
      }),
    );
  };
}

const sweepConfig = (filters: string[], repeat: number, failFast = false) => ({
  tests: selectTests(filters),
  repeat,
  failFast,
  run: { ...DEFAULT_OPTIONS, backend: "sim" as const },
});

Deno.test("sweep loop: every test N times, round by round, one record each", async () => {
  const calls: string[] = [];
  const logged: string[] = [];
  const started: string[] = [];
  const outcome = await runSweep(sweepConfig(["netifdirecttxrx*"], 3), {
    onStart: (p, i, total) => started.push(`${i}/${total} ${p.test.name}.${p.iteration}`),
    onLog: (l) => logged.push(l),
  }, fakeRunner(["netifdirecttxrxsp.2"], calls));
  assertEquals(outcome.planned, 9);
  assertEquals(outcome.stoppedBy, null);
  assertEquals(outcome.records.map((r) => `${r.test}.${r.iteration}`), calls);
  assertEquals(calls.length, 9);
  assertEquals(started[0], "0/9 netifdirecttxrx.1");
  assertEquals(calls.slice(0, 3), [
    "netifdirecttxrx.1",
    "netifdirecttxrxcopymode.1",
    "netifdirecttxrxsp.1",
  ]);
  const failed = outcome.records.filter((r) => r.verdict === "fail");
  assertEquals(failed.map((r) => [r.test, r.iteration, r.reason]), [
    ["netifdirecttxrxsp", 2, "check of netifdirecttxrxsp.2 failed"],
  ]);
  // the failed run keeps its own lines (no debug line without --verbose), the others none
  assertEquals(failed[0].log, [
    "driver line of netifdirecttxrxsp.2",
    "child 0: line of netifdirecttxrxsp.2",
  ]);
  assert(outcome.records.every((r) => r.verdict === "fail" || r.log === null));
  assertEquals(logged.length, 18);
});

Deno.test("sweep loop: --fail-fast stops after the first failed run", async () => {
  const calls: string[] = [];
  const outcome = await runSweep(
    sweepConfig([], 2, true),
    {},
    fakeRunner(["netifdirectifadvenable.1", "netifdirectchanevents.1"], calls),
  );
  assertEquals(outcome.stoppedBy, "fail-fast");
  assertEquals(outcome.planned, 14);
  assertEquals(outcome.records.length, 4);
  assertEquals(calls.at(-1), "netifdirectifadvenable.1");
});

Deno.test("sweep loop: an abort stops it before the next run", async () => {
  const controller = new AbortController();
  const calls: string[] = [];
  const outcome = await runSweep(
    { ...sweepConfig([], 1), signal: controller.signal },
    { onRecord: (_r, i) => i === 1 && controller.abort() },
    fakeRunner([], calls),
  );
  assertEquals(outcome.stoppedBy, "aborted");
  assertEquals(calls.length, 2);
});

Deno.test("the tests' readers refuse what is not well-formed XML or KTAP", () => {
  for (
    const bad of [
      "<a><b></a></b>",
      "<a>x & y</a>",
      "<a>&nbsp;</a>",
      "<a>\u0001</a>",
      '<a x="1" x="2"/>',
      "<a/><b/>",
      "<a>",
      "text",
    ]
  ) assertThrows(() => parseXml(bad), Error, undefined, bad);
  assertEquals(parseXml('<?xml version="1.0"?>\n<a k="&lt;&#65;"><b/>t&amp;</a>\n').attrs.k, "<A");
  const good = "TAP version 13\n1..1\nok 1 x\n# Totals: pass:1 fail:0\n";
  assertEquals(parseKtap(good).results.length, 1);
  for (
    const bad of [
      good.replace("TAP version 13", "TAP version 14"),
      good.replace("1..1", "1.1"),
      good.replace("ok 1 x", "ok 2 x"),
      good.replace("ok 1 x", "okay 1 x"),
      good.replace("# Totals: pass:1 fail:0\n", ""),
      good + "trailing\n",
    ]
  ) assertThrows(() => parseKtap(bad), Error, undefined, bad);
});

// ---------------------------------------------------------------- the strict verdict

const strictFail = {
  verdict: "fail" as const,
  checks: [
    {
      name: "accounting feth0->feth1",
      ok: false,
      detail: "sent 10 = received 9; 1 frames unaccounted for",
    },
    { name: "post-run reads", ok: true, detail: "event drain and counters read" },
  ],
  upstreamWouldFail: "child 0 saw advisories only in skt's linger",
};

Deno.test("strict: the result line shows both verdicts, the label, and the strict reason", () => {
  const line = resultLine(driverRecord({ strict: strictFail }));
  assertMatch(
    line,
    /^netifdirecttxrx sim PASS \(upstream would FAIL\) strict FAIL 0\.43s child 0 /,
  );
  assertMatch(
    line,
    /: child 0 saw advisories .*; strict: accounting feth0->feth1: .*unaccounted for$/,
  );
  const pass = { verdict: "pass" as const, checks: [], upstreamWouldFail: null };
  assertMatch(
    resultLine(driverRecord({ strict: pass })),
    /^netifdirecttxrx sim PASS strict PASS 0\.43s /,
  );
  assertEquals(exitStatus([driverRecord({ strict: strictFail })]), 0);
  assertEquals(exitStatus([driverRecord({ strict: strictFail })], true), 1);
});

Deno.test("strict: JUnit properties per testcase, a strict <failure> only with strict", () => {
  const records = [toRunRecord(driverRecord({ strict: strictFail }), ctx())];
  const lax = parseXml(toJUnitXml(records, { hostname: "h" }));
  const props = findAll(findAll(lax, "testcase")[0], "property");
  assertEquals(props.map((p) => p.attrs.name), [
    "strict",
    "strict.accounting feth0->feth1",
    "strict.post-run reads",
    "upstream-would-fail",
  ]);
  assertEquals(props[0].attrs.value, "fail");
  assertMatch(props[1].attrs.value, /^fail: sent 10/);
  assertEquals(findAll(lax, "failure").length, 0);
  const strict = parseXml(toJUnitXml(records, { hostname: "h", strict: true }));
  assertEquals(findAll(strict, "failure")[0].attrs.type, "strict");
  assertEquals(findAll(strict, "testsuite")[0].attrs.failures, "1");
});

Deno.test("strict: KTAP diagnostics, and not ok under strict", () => {
  const records = [toRunRecord(driverRecord({ strict: strictFail }), ctx())];
  const lax = parseKtap(toKtap(records));
  assertEquals(lax.results[0].ok, true);
  assertMatch(
    lax.results[0].diagnostics[0],
    /^netifdirecttxrx iteration 1: strict FAIL: accounting/,
  );
  assertMatch(lax.results[0].diagnostics[1], /upstream would FAIL: child 0 saw/);
  const strict = parseKtap(toKtap(records, [], true));
  assertEquals(strict.results[0].ok, false);
  assertEquals(strict.totals.fail, 1);
});
