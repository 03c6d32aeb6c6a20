/**
 * `skt sweep` end to end on the sim: the right runs the right number of times,
 * every report parsed back, a forced failure (the test-only corrupt_frame
 * knob) reported in all three formats with exit 1, --fail-fast, usage errors
 * before anything runs, skips off macOS, and the library's sweep().
 * Small --packets keep it quick; nothing here asserts on time.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import type { RunRecord } from "../scenarios/sweep/record.ts";
import { exitStatus, sweep, toJUnitXml } from "../mod.ts";
import { findAll, parseKtap, parseXml } from "./report_parsers.ts";

const main = new URL("../cli/main.ts", import.meta.url).pathname;
const PACKETS = "2000";
const CORRUPT = ["--sim-knob", "debug.sim.corrupt_frame=100"];

async function skt(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", main, "sweep", ...args],
    stdout: "piped",
    stderr: "piped",
    // progress must take its non-terminal form whatever runs the tests
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  return {
    code: out.code,
    stdout,
    stderr: dec.decode(out.stderr),
    lines: stdout.trimEnd().split("\n"),
  };
}

const readJsonLines = (path: string): RunRecord[] =>
  Deno.readTextFileSync(path).trimEnd().split("\n").map((l) => JSON.parse(l));

const TXRX = ["netifdirecttxrx", "netifdirecttxrxcopymode", "netifdirecttxrxsp"];

function checkPassingRecord(r: RunRecord): void {
  const where = `${r.test} iteration ${r.iteration}`;
  assertEquals(r.schema, 1, where);
  assertEquals(r.backend, "sim", where);
  assertEquals(r.verdict, "pass", `${where}: ${r.reason}`);
  assertEquals(r.reason, null, where);
  assertEquals([r.packets, r.batch], [2000, 8], where);
  assert(!Number.isNaN(Date.parse(r.startedAt)), where);
  assert(r.durationMs > 0, where);
  assertEquals(r.children.length, 2, where);
  for (const c of r.children) {
    assert(c.passed && c.result, where);
    const res = c.result!;
    // a child stops as soon as its TX or its RX is done: at most 2000 each way
    assert(res.sent > 0 && res.sent <= 2000, where);
    assert(res.received > 0 && res.received <= 2000, where);
  }
  assertEquals(r.framesSent, r.children.reduce((n, c) => n + c.result!.sent, 0), where);
  assertEquals(r.framesReceived, r.children.reduce((n, c) => n + c.result!.received, 0), where);
  assertEquals(
    r.transferMs,
    Math.max(...r.children.map((c) => Math.round(c.result!.durationMs * 1000) / 1000)),
  );
  assertEquals(
    r.pps,
    Math.round(
      r.framesReceived / (Math.max(...r.children.map((c) => c.result!.durationMs)) / 1000),
    ),
  );
  assertEquals(r.drops, r.children.reduce((n, c) => n + c.result!.gaps, 0), where);
  assertEquals(r.events.ifAdv, r.children.reduce((n, c) => n + c.result!.ifAdvEvents, 0), where);
  assertEquals(r.events.chan, r.children.reduce((n, c) => n + c.result!.chanEvents, 0), where);
  assertEquals(r.interrupted, null, where);
  assertEquals(r.log, null, where);
}

Deno.test("sweep: --repeat 3 --filter 'netifdirecttxrx*' runs the three txrx tests 3 times each", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "skt-sweep-test-" });
  try {
    const junit = `${dir}/junit.xml`;
    const r = await skt(
      "--repeat",
      "3",
      "--filter",
      "netifdirecttxrx*",
      "--packets",
      PACKETS,
      "--json",
      "-",
      "--junit",
      junit,
    );
    assertEquals(r.code, 0, r.stderr);
    // --json -: stdout is the records, then the totals line, nothing else
    assertEquals(r.lines.length, 10, r.stdout);
    assertEquals(r.lines.at(-1), "9 passed, 0 failed, 0 skipped");
    const records: RunRecord[] = r.lines.slice(0, -1).map((l) => JSON.parse(l));
    assertEquals(
      records.map((x) => `${x.test}.${x.iteration}`),
      [1, 2, 3].flatMap((i) => TXRX.map((t) => `${t}.${i}`)),
    );
    records.forEach(checkPassingRecord);
    for (const x of records) {
      assertEquals([x.events.txStatus, x.events.txExpired], [0, 0]);
      assertEquals([x.expiryNotifDelayNs, x.expiryPropDelayNs], [null, null]);
    }
    // progress: one line per finished run; the table went to stderr
    const progress = r.stderr.split("\n").filter((l) => /^\[\s*\d+\/9\] /.test(l));
    assertEquals(progress.length, 9, r.stderr);
    assertMatch(progress[8], /^\[9\/9\] netifdirecttxrxsp iteration 3 PASS \(strict PASS\) in /);
    assertMatch(r.stderr, /^netifdirecttxrxsp +3 +3 +0 +0 +\d+\.\d{3} +\d+$/m);
    const root = parseXml(Deno.readTextFileSync(junit));
    assertEquals(findAll(root, "testcase").length, 9);
    assertEquals(
      findAll(root, "testsuite").map((s) => [s.attrs.name, s.attrs.tests]),
      TXRX.map((t) => [t, "3"]),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("sweep: a forced failure exits 1 and is reported in KTAP, JSON Lines and JUnit", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "skt-sweep-test-" });
  try {
    const [json, junit] = [`${dir}/runs.jsonl`, `${dir}/junit.xml`];
    const r = await skt(
      "--filter",
      "netifdirecttxrx",
      "--filter",
      "netifdirecttxrxsp",
      "--packets",
      PACKETS,
      ...CORRUPT,
      "--tap",
      "--json",
      json,
      "--junit",
      junit,
    );
    assertEquals(r.code, 1, r.stderr);
    assertEquals(r.lines.at(-1), "0 passed, 2 failed, 0 skipped");
    const checksum = /frame #\d+ received by child \d .*failed the checksum check/;

    const ktap = parseKtap(r.lines.slice(0, -1).join("\n"));
    assertEquals(ktap.plan, 2);
    assertEquals(ktap.results.map((x) => [x.ok, x.name]), [
      [false, "netifdirecttxrx iteration 1"],
      [false, "netifdirecttxrxsp iteration 1"],
    ]);
    for (const x of ktap.results) assertMatch(x.diagnostics.join("\n"), checksum);
    assertEquals([ktap.totals.pass, ktap.totals.fail, ktap.totals.skip], [0, 2, 0]);
    assertMatch(ktap.trailer.join("\n"), /netifdirecttxrx +1 +0 +1 +0/);

    const records = readJsonLines(json);
    assertEquals(records.map((x) => [x.test, x.verdict]), [
      ["netifdirecttxrx", "fail"],
      ["netifdirecttxrxsp", "fail"],
    ]);
    for (const x of records) {
      assertMatch(x.reason!, checksum);
      assert(x.log!.some((l) => /child \d: FAIL: frame #/.test(l)), x.log!.join("\n"));
      assert(x.children.some((c) => !c.passed && c.error !== null));
    }

    const root = parseXml(Deno.readTextFileSync(junit));
    assertEquals([root.attrs.tests, root.attrs.failures, root.attrs.skipped], ["2", "2", "0"]);
    const failures = findAll(root, "failure");
    assertEquals(failures.map((f) => f.attrs.message), records.map((x) => x.reason));
    assertMatch(findAll(root, "system-err")[0].text, /FAILED/);
    // the failed run's log is also on stderr, after its progress line
    assertMatch(
      r.stderr,
      /\[1\/2\] netifdirecttxrx iteration 1 FAIL[^\n]*\n--- log of netifdirecttxrx iteration 1 ---\n/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("sweep: --fail-fast stops after the first failed run and says so", async () => {
  const r = await skt(
    "--filter",
    "netifdirecttxrx*",
    "--repeat",
    "2",
    "--packets",
    PACKETS,
    "--fail-fast",
    ...CORRUPT,
  );
  assertEquals(r.code, 1, r.stderr);
  assertEquals(r.lines.at(-1), "0 passed, 1 failed, 0 skipped");
  assertEquals(r.lines.at(-2), "stopped after the first failure (--fail-fast): 1 of 6 runs ran");
});

Deno.test("sweep: usage errors exit 2 with one line before anything runs", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "skt-sweep-test-" });
  try {
    const cases: [string[], RegExp][] = [
      [
        ["--filter", "netifdirecttxrx*", "--filter", "nothing*"],
        /--filter 'nothing\*' matches no test/,
      ],
      [
        ["--json", `${dir}/missing/runs.jsonl`],
        /cannot write the --json report to .*: its folder does not exist/,
      ],
      [["--junit", dir], /cannot write the --junit report to .*: it is a folder/],
      [["--junit", `${dir}/new.xml`, "--json", `${dir}/missing/x.jsonl`], /--json report/],
      [["--json", "-", "--tap"], /--json - and --tap both write to stdout/],
      [["--repeat", "0"], /repeat/],
      [["--sim-knob", "debug.sim.corrupt_frame"], /--sim-knob wants \[TEST:\]NAME=INTEGER/],
    ];
    for (const [args, message] of cases) {
      const r = await skt(...args);
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assertEquals(r.stdout, "", args.join(" "));
      assertMatch(r.stderr, message);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert(!r.stderr.includes("    at "), r.stderr);
    }
    // the --junit check leaves no empty file behind when a later check refuses the sweep
    assertEquals([...Deno.readDirSync(dir)], []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("sweep: the skywalk backend off macOS skips every run with its reason, exit 4", {
  ignore: Deno.build.os === "darwin",
}, async () => {
  const dir = Deno.makeTempDirSync({ prefix: "skt-sweep-test-" });
  try {
    const r = await skt("--backend", "skywalk", "--junit", `${dir}/j.xml`, "--tap");
    assertEquals(r.code, 4, r.stderr);
    assertEquals(r.lines.at(-1), "0 passed, 0 failed, 7 skipped");
    const ktap = parseKtap(r.lines.slice(0, -1).join("\n"));
    assert(
      ktap.results.every((x) => x.ok && x.directive === "SKIP" && /needs macOS/.test(x.reason!)),
    );
    const skipped = findAll(parseXml(Deno.readTextFileSync(`${dir}/j.xml`)), "skipped");
    assertEquals(skipped.length, 7);
    assertMatch(skipped[0].attrs.message, /needs macOS/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("sweep: every test twice, as the issue's done-when check, both reports parse", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "skt-sweep-test-" });
  try {
    const [json, junit] = [`${dir}/runs.jsonl`, `${dir}/out.xml`];
    const r = await skt("--repeat", "2", "--packets", PACKETS, "--junit", junit, "--json", json);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.lines.at(-1), "14 passed, 0 failed, 0 skipped");
    assertMatch(r.lines[0], /^test +runs +pass +fail +skip +median s +median pps$/);
    assertEquals(r.lines.length, 9, r.stdout);
    const records = readJsonLines(json);
    assertEquals(records.length, 14);
    records.forEach(checkPassingRecord);
    const byTest = (name: string) => records.filter((x) => x.test === name);
    // the event tests count their events by kind
    for (const x of byTest("netifdirectifadvenable")) {
      assert(x.events.ifAdv > 0, JSON.stringify(x.events));
    }
    for (const x of byTest("netifdirectifadvdisable")) assertEquals(x.events.ifAdv, 0);
    for (const x of byTest("netifdirectchanevents")) {
      assert(x.events.txStatus > 0, JSON.stringify(x.events));
    }
    for (const x of byTest("netifdirectexpiryevents")) {
      if (x.events.txExpired > 0) {
        assert(x.expiryNotifDelayNs !== null && x.expiryPropDelayNs !== null);
      }
    }
    const root = parseXml(Deno.readTextFileSync(junit));
    assertEquals([root.attrs.tests, root.attrs.failures, root.attrs.skipped], ["14", "0", "0"]);
    assertEquals(findAll(root, "testcase").length, 14);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("library: sweep() resolves to the same records, usable by the report writers", async () => {
  const seen: string[] = [];
  const records = await sweep({
    filters: ["netifdirecttxrx"],
    repeat: 2,
    backend: "sim",
    packets: 2000,
    onRecord: (x) => seen.push(`${x.test}.${x.iteration}`),
  });
  assertEquals(seen, ["netifdirecttxrx.1", "netifdirecttxrx.2"]);
  records.forEach(checkPassingRecord);
  assertEquals(exitStatus(records), 0);
  assertEquals(findAll(parseXml(toJUnitXml(records)), "testcase").length, 2);
  let refused = false;
  await sweep({ filters: ["nope"] }).catch((e) => refused = e.name === "UsageError");
  assert(refused, "a filter that matches nothing rejects with a UsageError");
});
