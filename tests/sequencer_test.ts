/**
 * The mptest driver against fake children: the ready/go barrier, result
 * collection, failure reports, the timeout and its SIGTERM/SIGKILL, and fini
 * on every path.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { type ChildCommandFactory, DEFAULT_OPTIONS, runMpTest } from "../scenarios/driver.ts";
import type { MpTest } from "../scenarios/table.ts";
import { TestId } from "../scenarios/netifdirect.ts";
import { SkFeature } from "../ffi/constants.ts";

const fakeChild = new URL("./fixtures/fake_child.ts", import.meta.url).pathname;

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
  const record = await runMpTest(
    fakeTest(calls),
    { ...DEFAULT_OPTIONS, backend: "sim", timeoutSec },
    { log, writeLine: (l) => lines.push(l), childCommand: modes(...perChild) },
  );
  return { record, calls, lines };
}

Deno.test("sequencer: two good children pass; go is sent after both are ready", async () => {
  const { record, calls, lines } = await run(["good", "good"]);
  assertEquals(record.verdict, "pass", record.reason ?? "");
  assertEquals(calls, ["init", "fini"]);
  assertEquals(record.children.map((c) => c.result?.received), [9, 9]);
  assertEquals(record.drops, 2);
  assert(lines.includes("child 0: got go: 1 byte(s), value 0"), lines.join("\n"));
  assert(lines.includes("child 1: fake child 1 in mode good"));
});

Deno.test("sequencer: a failing child fails the test with its message; fini runs", async () => {
  const { record, calls } = await run(["good", "fail-after-go"]);
  assertEquals(record.verdict, "fail");
  assertEquals(calls, ["init", "fini"]);
  assertEquals(record.children[1].error, "assertion failed: fake check");
  assertMatch(record.reason!, /child 1 assertion failed: fake check/);
});

Deno.test("sequencer: garbage on the sequencer pipe is a failure naming the child", async () => {
  const { record, calls } = await run(["good", "garbage"]);
  assertEquals(record.verdict, "fail");
  assertEquals(calls, ["init", "fini"]);
  assertEquals(record.reason, "child 1 sent 0x41 instead of the ready byte 0x00");
});

Deno.test("sequencer: a child that exits before ready fails the run", async () => {
  const { record } = await run(["exit-before-ready", "good"]);
  assertEquals(record.verdict, "fail");
  assertEquals(record.reason, "child 0 exited before sending ready");
});

Deno.test("sequencer: a child that exits 0 without a result is not a pass", async () => {
  const { record } = await run(["good", "exit0-no-result"]);
  assertEquals(record.verdict, "fail");
  assertEquals(record.children[1].outcome, "exited 0 without reporting a result");
});

Deno.test("sequencer: the timeout kills a child that never sends ready", async () => {
  const started = performance.now();
  const { record, calls } = await run(["good", "no-ready"], 2);
  assertEquals(record.verdict, "fail");
  assertEquals(calls, ["init", "fini"]);
  assertEquals(record.reason, "child 1 sent no ready byte before the timeout of 2 s expired");
  assertMatch(record.children[1].outcome, /was killed \(SIGTERM\)/);
  assert(performance.now() - started < 10_000);
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
