/**
 * skt's strict verdict on the sim, end to end: every check passes on clean
 * runs of the seven tests on both timebases (the numbers are printed for the
 * record), and each check bites with a test-only fault while upstream's
 * verdict stays PASS: a frame lost without a counter, a status event naming
 * the wrong packet, an expiry prehook that sets nothing, advisories held back
 * until the linger.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { findTest, TESTS } from "../scenarios/netifdirect/table.ts";
import {
  DEFAULT_OPTIONS,
  runMpTest,
  type RunOptions,
  type TestRecord,
} from "../scenarios/mptest/parent.ts";
import type { StrictCheck } from "../scenarios/netifdirect/strict.ts";
import { CHILD_FAULT_ENV } from "../scenarios/machine/env.ts";
import { resultLine } from "../scenarios/sweep/result_line.ts";

/** the seven tests in upstream's order (mod_test.ts checks the list itself) */
const ALL = TESTS.map((t) => t.name);

const TIMEBASES = { "125/3": [125, 3], "1/1": [1, 1] } as const;

async function run(name: string, over: Partial<RunOptions> = {}): Promise<TestRecord> {
  const test = findTest(name)!;
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), debug: () => {} };
  const options = { ...DEFAULT_OPTIONS, backend: "sim" as const, timeoutSec: 60, ...over };
  const record = await runMpTest(test, options, { log, writeLine: (l) => lines.push(l) });
  // upstream's verdict is never touched by the strict checks or their faults
  assertEquals(record.verdict, "pass", `${record.reason}\n${lines.join("\n")}`);
  assert(record.strict !== null);
  return record;
}

function knobs(timebase: keyof typeof TIMEBASES, extra: Record<string, number> = {}) {
  const [numer, denom] = TIMEBASES[timebase];
  return { "debug.sim.timebase_numer": numer, "debug.sim.timebase_denom": denom, ...extra };
}

/** The checks whose name starts with `prefix`. */
function checks(record: TestRecord, prefix: string): StrictCheck[] {
  const found = record.strict!.checks.filter((c) => c.name.startsWith(prefix));
  assert(found.length > 0, `no check ${prefix}`);
  return found;
}

/** Runs with SKT_TEST_CHILD_FAULT set for the children, then unset. */
async function withFault<T>(spec: string, body: () => Promise<T>): Promise<T> {
  Deno.env.set(CHILD_FAULT_ENV, spec);
  try {
    return await body();
  } finally {
    Deno.env.delete(CHILD_FAULT_ENV);
  }
}

// ---------------------------------------------------------------- clean runs

for (const timebase of Object.keys(TIMEBASES) as (keyof typeof TIMEBASES)[]) {
  Deno.test(`strict: the seven tests pass every strict check on timebase ${timebase}`, async () => {
    for (const name of ALL) {
      const record = await run(name, { knobs: knobs(timebase) });
      for (const c of record.strict!.checks) {
        console.log(`# ${timebase} ${name}: ${c.name}: ${c.detail}`);
      }
      assertEquals(record.strict!.verdict, "pass", resultLine(record));
      assert(record.strict!.checks.every((c) => c.ok === true));
      assertEquals(record.strict!.upstreamWouldFail, null);
      assertMatch(resultLine(record), new RegExp(`^${name} sim PASS strict PASS `));
      if (name === "netifdirectexpiryevents" && timebase === "1/1") {
        assertMatch(checks(record, "expired events")[0].detail, /expiry required/);
      }
    }
  });
}

// ---------------------------------------------------------------- the checks bite

Deno.test("strict: frames lost without a counter fail the accounting, upstream PASSES", async () => {
  const record = await run("netifdirecttxrx", {
    knobs: { "debug.sim.lose_frame_every": 50 },
  });
  assertEquals(record.strict!.verdict, "fail");
  for (const c of checks(record, "accounting")) {
    assertEquals(c.ok, false, c.detail);
    assertMatch(c.detail, /; \d+ frames unaccounted for$/);
  }
  assertMatch(resultLine(record), /^netifdirecttxrx sim PASS strict FAIL .*strict: accounting/);
});

Deno.test("strict: frames lost after delivery put the receiver below its floor", async () => {
  const record = await run("netifdirecttxrx", { knobs: { "debug.sim.lose_frame_every": 5 } });
  const floors = checks(record, "received floor");
  assert(floors.some((c) => c.ok === false), floors.map((c) => c.detail).join("; "));
});

Deno.test("strict: status events naming the wrong packet fail chanevents, upstream PASSES", async () => {
  const record = await run("netifdirectchanevents", {
    knobs: { "debug.sim.status_wrong_pktid": 1 },
  });
  assertEquals(record.strict!.verdict, "fail");
  for (const c of checks(record, "status events")) {
    assertEquals(c.ok, false, c.detail);
    assertMatch(c.detail, /name frames the peer received/);
  }
});

for (const timebase of Object.keys(TIMEBASES) as (keyof typeof TIMEBASES)[]) {
  Deno.test(`strict: an expiry prehook that sets nothing fails (timebase ${timebase}), upstream PASSES`, async () => {
    const record = await withFault(
      "*:no-expire",
      () => run("netifdirectexpiryevents", { knobs: knobs(timebase) }),
    );
    assertEquals(record.strict!.verdict, "fail");
    for (const c of checks(record, "expire time set")) {
      assertEquals(c.ok, false, c.detail);
      assertMatch(c.detail, /^0 of \d+ frames/);
    }
    // where expiry must happen, no event at all is a failure of its own
    const events = checks(record, "expired events");
    for (const c of events) assertEquals(c.ok, timebase === "1/1" ? false : true, c.detail);
  });
}

Deno.test("strict: advisories only in skt's linger fail ifadvenable, labelled upstream would FAIL", async () => {
  // reports held back 45 ms after enabling: a 200-frame transfer is over by then,
  // the linger (until 90 ms) still sees one
  const record = await run("netifdirectifadvenable", {
    packets: 200,
    knobs: { "debug.sim.adv_hold_ms": 45 },
  });
  assertEquals(record.strict!.verdict, "fail");
  for (const c of checks(record, "advisories in transfer")) assertEquals(c.ok, false, c.detail);
  assertMatch(record.strict!.upstreamWouldFail!, /child 0 and child 1 saw advisories only/);
  assertMatch(
    resultLine(record),
    /^netifdirectifadvenable sim PASS \(upstream would FAIL\) strict FAIL /,
  );
});
