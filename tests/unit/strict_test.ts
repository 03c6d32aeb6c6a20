/**
 * The strict evaluator on hand-made results: each check passes on a consistent
 * run and fails on the inconsistency it exists for (the end-to-end bites, with
 * the sim's fault knobs, are in netifdirect_strict_test.ts).
 */
import { assertEquals, assertMatch } from "@std/assert";
import {
  evaluateStrict,
  type IfStats,
  type StrictInput,
  strictReason,
} from "../../scenarios/netifdirect/strict.ts";
import { type ChildResult, TestId } from "../../scenarios/netifdirect/defs.ts";
import { childResult } from "./child_result.ts";

/** a consistent strict-mode child: its gaps, last frame, events and peer counters agree */
function result(child: number, over: Partial<ChildResult> = {}): ChildResult {
  return childResult(child, {
    durationMs: 10,
    gapRanges: [],
    lastReceived: 989,
    statusEventSeqs: [],
    expiredEventSeqs: [],
    unreadEventSeqs: [],
    strict: {
      problems: [],
      peerStatsAtStop: { txDelivered: 1000 },
    },
    ...over,
  });
}

function stats(over: IfStats = {}): IfStats {
  return {
    txPackets: 1000,
    txDelivered: 1000,
    dropRxRingFull: 0,
    dropNoFlow: 0,
    dropTxRate: 0,
    dropExpired: 0,
    dropNoMem: 0,
    dropDevNoMem: 0,
    dropUnconsumed: 0,
    dropNoRxCb: 0,
    eventsSent: 0,
    eventsDropped: 0,
    ifAdvSent: 0,
    rxLeftAtClose: 10,
    ...over,
  };
}

function input(over: Partial<StrictInput> = {}): StrictInput {
  return {
    testId: TestId.txrx,
    ifnames: ["feth0", "feth1"],
    results: [result(0), result(1)],
    finalStats: [stats(), stats()],
    ...over,
  };
}

Deno.test("strict: a consistent txrx run passes", () => {
  const report = evaluateStrict(input());
  assertEquals(report.verdict, "pass", strictReason(report) ?? "");
  assertEquals(report.upstreamWouldFail, null);
});

Deno.test("strict: a frame counted nowhere fails the accounting", () => {
  const report = evaluateStrict(input({ results: [result(0), result(1, { received: 989 })] }));
  assertEquals(report.verdict, "fail");
  assertMatch(strictReason(report)!, /^accounting feth0->feth1: .*1 frames unaccounted for/);
});

Deno.test("strict: a receiver that read less than the floor fails", () => {
  const r1 = result(1, { received: 900 });
  const report = evaluateStrict(input({ results: [result(0), r1] }));
  const floor = report.checks.find((c) => c.name === "received floor feth1")!;
  assertEquals(floor.ok, false);
});

Deno.test("strict: counters a backend lacks leave the verdict unmeasured, not passed", () => {
  const report = evaluateStrict(input({ finalStats: [{ txPackets: 1000 }, { txPackets: 1000 }] }));
  assertEquals(report.verdict, "unmeasured");
});

Deno.test("strict: status events must name exactly frames missing at the peer", () => {
  const drops = stats({ dropTxRate: 2, rxLeftAtClose: 10 });
  const base = {
    testId: TestId.channelEvents,
    finalStats: [drops, drops],
  } as const;
  const receiver = (n: number) =>
    result(n, { gapRanges: [[99, 1], [199, 1]], lastReceived: 989, received: 988 });
  const sender = (n: number, ids: number[]) => ({ ...receiver(n), statusEventSeqs: ids });
  const good = evaluateStrict(
    input({ ...base, results: [sender(0, [99, 199]), sender(1, [99, 199])] }),
  );
  assertEquals(good.verdict, "pass", strictReason(good) ?? "");
  const wrong = evaluateStrict(
    input({ ...base, results: [sender(0, [100, 200]), sender(1, [99, 199])] }),
  );
  assertEquals(wrong.verdict, "fail");
  assertMatch(
    strictReason(wrong)!,
    /status events feth0: .*2 name frames the peer received \(100, 200\)/,
  );
});

Deno.test("strict: expiry needs the expire time read back on every frame", () => {
  const probe = { problems: [], expireTimeSet: 0, expiryDeadlineNs: 26041 };
  const report = evaluateStrict(input({
    testId: TestId.expiryEvents,
    results: [result(0, { strict: probe }), result(1, { strict: probe })],
  }));
  assertEquals(report.verdict, "fail");
  assertMatch(strictReason(report)!, /^expire time set feth0: 0 of 1000 frames/);
});

Deno.test("strict: where the deadline is below the floor, expiry must happen", () => {
  const probe = { problems: [], expireTimeSet: 1000, expiryDeadlineNs: 15 };
  const report = evaluateStrict(input({
    testId: TestId.expiryEvents,
    results: [result(0, { strict: probe }), result(1, { strict: probe })],
  }));
  assertEquals(report.verdict, "fail");
  assertMatch(strictReason(report)!, /no expiry although the deadline \(15 ns\)/);
});

Deno.test("strict: an ifadvenable pass made by the linger is labelled", () => {
  const r = (n: number) =>
    result(n, { ifAdvEvents: 1, ifAdvLingerMs: 40, strict: { problems: [], ifAdvInTransfer: 0 } });
  const report = evaluateStrict(input({ testId: TestId.ifAdvEnabled, results: [r(0), r(1)] }));
  assertEquals(report.verdict, "fail");
  assertMatch(report.upstreamWouldFail!, /child 0 and child 1 saw advisories only in skt's linger/);
});
