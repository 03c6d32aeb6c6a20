/**
 * The mptest driver against fake children: the ready/go barrier, result
 * collection, the timeout and its SIGTERM/SIGKILL, fini on every path, and
 * every way a child can misbehave, each reported as a failure that names the
 * child and what it did, within the timeout, with nothing left running.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { runMpTest } from "../scenarios/mptest/parent.ts";
import { type ChildCommandFactory, DEFAULT_OPTIONS } from "../scenarios/mptest/options.ts";
import type { MpTest } from "../scenarios/netifdirect/table.ts";
import { TestId } from "../scenarios/netifdirect/defs.ts";
import { SkFeature } from "../ffi/constants.ts";
import { isRunning } from "../scenarios/machine/processes.ts";
import { domainsOf, recordsOf } from "./leftovers.ts";

const fakeChild = new URL("./fixtures/fake_child.ts", import.meta.url).pathname;
/** The driver's SIGTERM-to-SIGKILL grace, plus room for a slow shared machine. */
const GRACE_MS = 2000 + 6000;

function fakeTest(calls: string[]): MpTest {
  return {
    name: "fake",
    description: "fake children",
    requiredFeatures: SkFeature.skywalk,
    nchildren: 2,
    testId: TestId.txrx,
    init: () => calls.push("init"),
    fini: () => calls.push("fini"),
    upstreamRegistered: true,
  };
}

function modes(...perChild: string[]): ChildCommandFactory {
  return (_test, index, _options, env) => ({
    command: Deno.execPath(),
    args: ["run", "--quiet", "--allow-env", fakeChild, String(index)],
    env: { ...env, FAKE_MODE: perChild[index] },
  });
}

async function run(perChild: string[], timeoutSec = 20) {
  const calls: string[] = [];
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), debug: () => {} };
  const started = performance.now();
  const record = await runMpTest(
    fakeTest(calls),
    { ...DEFAULT_OPTIONS, backend: "sim", timeoutSec },
    { log, writeLine: (l) => lines.push(l), childCommand: modes(...perChild) },
  );
  const elapsed = performance.now() - started;
  // every path: fini ran, both children are gone, the run's domain and record too
  assertEquals(calls, ["init", "fini"]);
  for (const child of record.children) {
    assert(!isRunning({ pid: child.pid, started: null }), `child ${child.index} still runs`);
  }
  assertEquals(domainsOf(Deno.pid), []);
  assertEquals(recordsOf(Deno.pid), []);
  assert(elapsed < timeoutSec * 1000 + GRACE_MS, `took ${elapsed} ms`);
  return { record, lines };
}

Deno.test("sequencer: two good children pass; go is sent after both are ready", async () => {
  const { record, lines } = await run(["good", "good"]);
  assertEquals(record.verdict, "pass", record.reason ?? "");
  assertEquals(record.children.map((c) => c.result?.received), [9, 9]);
  assertEquals(record.drops, 2);
  assert(lines.includes("child 0: got go: 1 byte(s), value 0"), lines.join("\n"));
  assert(lines.includes("child 1: fake child 1 in mode good"));
});

Deno.test("sequencer: a failing child fails the test with its message", async () => {
  const { record } = await run(["good", "fail-after-go"]);
  assertEquals(record.verdict, "fail");
  assertEquals(record.children[1].error, "assertion failed: fake check");
  assertEquals(record.reason, "child 1 assertion failed: fake check");
});

Deno.test("sequencer: garbage instead of the ready byte names the child and the byte", async () => {
  const { record } = await run(["good", "garbage"]);
  assertEquals(record.verdict, "fail");
  assertEquals(record.reason, "child 1 sent 0x41 instead of the ready byte 0x00");
});

Deno.test("sequencer: a child that exits 0 without running fails the run", async () => {
  const { record } = await run(["exit-before-ready", "good"]);
  assertEquals(record.verdict, "fail");
  assertEquals(record.reason, "child 0 exited with status 0 before sending ready");
});

Deno.test("sequencer: a child that fails before ready is reported with its failure", async () => {
  const { record } = await run(["good", "fail-before-ready"]);
  assertEquals(record.verdict, "fail");
  assertEquals(record.reason, "child 1 failed before sending ready: cannot open the channel");
});

Deno.test("sequencer: a child that exits 0 after go without a result is not a pass", async () => {
  const { record } = await run(["good", "exit0-no-result"]);
  assertEquals(record.verdict, "fail");
  assertEquals(record.reason, "child 1 exited 0 without reporting a result");
});

Deno.test("sequencer: a child that exits early after go is reported with its status", async () => {
  const { record } = await run(["exit-early", "good"]);
  assertEquals(record.verdict, "fail");
  assertEquals(record.reason, "child 0 exited 3 without reporting a result");
});

Deno.test("sequencer: garbage instead of a result is quoted in the report", async () => {
  const { record } = await run(["good", "garbage-result"]);
  assertEquals(record.verdict, "fail");
  assertEquals(record.reason, 'child 1 exited 0 with an unreadable result "hello, parent"');
});

Deno.test("sequencer: a child that dies by a signal is reported with the signal", async () => {
  const { record } = await run(["crash-after-go", "good"]);
  assertEquals(record.verdict, "fail");
  assertEquals(record.reason, "child 0 died by signal SIGKILL");
  assertEquals(record.children[0].signal, "SIGKILL");
});

Deno.test("sequencer: the timeout kills a child that never sends ready", async () => {
  const { record } = await run(["good", "no-ready"], 2);
  assertEquals(record.verdict, "fail");
  assertEquals(record.reason, "child 1 sent no ready byte before the timeout of 2 s expired");
  assertMatch(record.children[1].outcome, /was killed \(SIGTERM\)/);
});

Deno.test("sequencer: the timeout kills a child that hangs after go", async () => {
  const { record } = await run(["good", "hang-after-go"], 2);
  assertEquals(record.verdict, "fail");
  assertEquals(record.reason, "the timeout of 2 s expired");
  assert(record.children[0].passed);
  assertMatch(
    record.children[1].outcome,
    /was killed \(SIGTERM\) because the timeout of 2 s expired/,
  );
});

Deno.test("sequencer: a child that ignores SIGTERM is killed with SIGKILL", async () => {
  const { record, lines } = await run(["hang-after-go", "stubborn-hang"], 2);
  assertEquals(record.verdict, "fail");
  assertEquals(record.reason, "the timeout of 2 s expired");
  assertEquals(
    record.children.map((c) => c.outcome),
    [
      "was killed (SIGTERM) because the timeout of 2 s expired",
      "was killed (SIGKILL) because the timeout of 2 s expired",
    ],
  );
  assert(lines.includes("child 1: SIGTERM ignored"), lines.join("\n"));
});
