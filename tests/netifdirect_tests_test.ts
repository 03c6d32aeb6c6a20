/**
 * The seven netifdirect tests on the sim, run by the real driver and children,
 * with their counts checked against the fake driver's rules (xnu-feth.md 2-6),
 * and each test's own assertions shown to bite through the sim's test knobs.
 *
 * Over 300 lines: one test per upstream test and knob over the shared run
 * helpers at the top; they read best side by side.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { findTest, TESTS } from "../scenarios/netifdirect/table.ts";
import {
  DEFAULT_OPTIONS,
  runMpTest,
  type RunOptions,
  type TestRecord,
} from "../scenarios/mptest/parent.ts";
import {
  type ChildResult,
  IFADV_MIN_SPAN_INTERVALS,
  NETIF_IFADV_INTERVAL,
  NETIF_TX_PKT_DROP_RATE,
} from "../scenarios/netifdirect/defs.ts";

interface Run {
  record: TestRecord;
  /** the driver's log lines and the children's prefixed stderr lines, in order */
  lines: string[];
}

async function run(name: string, over: Partial<RunOptions> = {}): Promise<Run> {
  const test = findTest(name);
  if (!test) throw new Error(`no test ${name}`);
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), debug: () => {} };
  const options = { ...DEFAULT_OPTIONS, backend: "sim" as const, timeoutSec: 60, ...over };
  const record = await runMpTest(test, options, { log, writeLine: (l) => lines.push(l) });
  return { record, lines };
}

/** Both children's results of a run that must have passed. */
function passed({ record, lines }: Run): [ChildResult, ChildResult] {
  assertEquals(record.verdict, "pass", `${record.reason}\n${lines.join("\n")}`);
  const [a, b] = record.children.map((c) => c.result!);
  assert(a && b);
  return [a, b];
}

/** What the note reports: one line per run. */
function note(label: string, results: ChildResult[]): void {
  const parts = results.map((r) =>
    `child ${r.child}: sent ${r.sent} recv ${r.received} ifadv ${r.ifAdvEvents} chan ${r.chanEvents} ` +
    `status ${r.txStatusEvents} expired ${r.txExpiredEvents}` +
    (r.expiryNotifDelayNs ? ` notif ${r.expiryNotifDelayNs} prop ${r.expiryPropDelayNs}` : "") +
    (r.ifAdvLingerMs !== undefined ? ` linger ${r.ifAdvLingerMs.toFixed(1)}ms` : "") +
    ` driver: ${r.ifStats?.txPackets} in, ${r.ifStats?.dropTxRate} rate drops, ` +
    `${r.ifStats?.dropExpired} expired, ${r.ifStats?.eventsSent} events posted, ` +
    `${r.ifStats?.eventsDropped} lost, ${r.ifStats?.dropRxRingFull} peer ring full` +
    ` ${r.durationMs.toFixed(0)}ms`
  );
  console.log(`# ${label}: ${parts.join("; ")}`);
}

/** Every child's stderr ends with upstream's summary lines, with its own counts. */
function assertSummaryLines(lines: string[], results: ChildResult[]): void {
  for (const r of results) {
    const prefix = `child ${r.child}: `;
    const own = lines.filter((l) => l.startsWith(prefix));
    const expected = [
      `${prefix}child ${r.child}: received ${r.ifAdvEvents} ifadv events, ${r.chanEvents} chan events`,
      `${prefix}child ${r.child}: received ${r.txStatusEvents} tx status events, ` +
      `${r.txExpiredEvents} tx expired events ${r.chanEvents} total events`,
    ];
    const tail = r.txExpiredEvents > 0 ? own.slice(-3) : own.slice(-2);
    assertEquals(tail.slice(0, 2), expected);
    if (r.txExpiredEvents > 0) {
      assertMatch(
        tail[2],
        new RegExp(
          `^${prefix}child ${r.child}: expiration notification delay avg: ${r.expiryNotifDelayNs} ` +
            `total: \\d+; expiration propagation delay avg: ${r.expiryPropDelayNs} total: \\d+$`,
        ),
      );
    }
  }
}

/** Packet numbers the receiver found missing. */
function missingAt(receiver: ChildResult): Set<number> {
  const out = new Set<number>();
  for (const [first, count] of receiver.gapRanges!) {
    for (let n = first; n < first + count; n++) out.add(n);
  }
  return out;
}

/** Each event's packet is missing at the peer, or beyond what the peer read before it stopped. */
function assertMissingAtPeer(seqs: number[], receiver: ChildResult): void {
  const missing = missingAt(receiver);
  for (const s of seqs) {
    assert(
      missing.has(s) || s > receiver.lastReceived!,
      `packet ${s} has an event but child ${receiver.child} received it`,
    );
  }
}

/** the seven tests in upstream's order (mod_test.ts checks the list itself) */
const ALL = TESTS.map((t) => t.name);

// ---------------------------------------------------------------- the txrx tests and pools

for (
  const [name, split] of [
    ["netifdirecttxrx", false],
    ["netifdirecttxrxcopymode", false],
    ["netifdirecttxrxsp", true],
  ] as const
) {
  Deno.test(`${name}: passes; each frame crosses the device ${split ? "TX and RX pools" : "pool"}`, async () => {
    const r = await run(name);
    const results = passed(r);
    note(name, results);
    assertSummaryLines(r.lines, results);
    for (const [me, peer] of [[results[0], results[1]], [results[1], results[0]]]) {
      const st = me.ifStats!;
      const peerSt = peer.ifStats!;
      assert(me.received > 0);
      // every frame the child sent was copied into its device TX pool and offered to the
      // driver, which took it unless the peer's channel was already closed
      // (feth_nx_queue_tx_push leaves the chain; netif frees it: NETIF_STATS_DROP)
      assertEquals(st.txPackets! + st.dropUnconsumed!, me.sent);
      assertEquals(st.devTxAlloc, me.sent);
      // what the peer's driver let through reached this device; each child reads the
      // counters when its own loop ends, and the peer may still send after that reading
      assert(st.devRxFrames! <= peerSt.txPackets! - peerSt.dropTxRate! - peerSt.dropExpired!);
      assert(st.devRxFrames! >= me.received);
      if (split) {
        assertEquals(st.devRxAlloc, st.devRxFrames, "split: every RX frame is a copy");
        assertEquals(st.rxFromTxPool, 0, "split: no RX frame ever comes from a TX pool");
      } else {
        assertEquals(st.devRxAlloc, 0, "global pool: the sender's packet is handed over");
        assertEquals(st.rxFromTxPool, st.devRxFrames);
      }
      assertEquals(st.dropDevNoMem, 0);
    }
  });
}

// ---------------------------------------------------------------- interface advisories

Deno.test("netifdirectifadvenable: both children see advisories", async () => {
  const r = await run("netifdirectifadvenable");
  const results = passed(r);
  note("netifdirectifadvenable", results);
  assertSummaryLines(r.lines, results);
  for (const c of results) {
    assert(c.ifAdvEvents >= 1);
    // coalesced, at most one per interval of the run (+1 for the edge at the start)
    assert(c.ifAdvEvents <= Math.ceil(c.ifAdvSpanMs! / NETIF_IFADV_INTERVAL) + 1);
    assert(c.ifStats!.ifAdvSent! >= c.ifAdvEvents);
  }
});

Deno.test("netifdirectifadvdisable: none reach a channel that disabled them", async () => {
  const r = await run("netifdirectifadvdisable");
  const results = passed(r);
  note("netifdirectifadvdisable", results);
  assertSummaryLines(r.lines, results);
  for (const c of results) {
    assertEquals(c.ifAdvEvents, 0);
    assertEquals(c.ifStats!.ifAdvSent, 0);
  }
});

/** A short run, which must pass at once: the go bytes leave back to back (no retry). */
async function shortRun(name: string, packets: number): Promise<[ChildResult, ChildResult]> {
  return passed(await run(name, { packets }));
}

Deno.test("ifadv: a transfer shorter than an interval still spans one", async () => {
  const span = IFADV_MIN_SPAN_INTERVALS * NETIF_IFADV_INTERVAL;
  // 1,000 frames take ~20 ms on the sim, less than the 30 ms interval
  const enabled = await shortRun("netifdirectifadvenable", 1000);
  note("netifdirectifadvenable --packets 1000", enabled);
  for (const c of enabled) assert(c.ifAdvEvents >= 1, `child ${c.child} saw no advisory`);

  const disabled = await shortRun("netifdirectifadvdisable", 1000);
  note("netifdirectifadvdisable --packets 1000", disabled);
  for (const c of disabled) {
    assertEquals(c.ifAdvEvents, 0);
    // the span is guaranteed whatever the transfer took
    assert(c.ifAdvSpanMs! >= span, `child ${c.child} watched only ${c.ifAdvSpanMs} ms`);
  }
});

// ---------------------------------------------------------------- channel events (tx_drops)

Deno.test("netifdirectchanevents: one status event per 100 frames, each for a frame the peer missed", async () => {
  const r = await run("netifdirectchanevents");
  const results = passed(r);
  note("netifdirectchanevents", results);
  assertSummaryLines(r.lines, results);
  for (const [me, peer] of [[results[0], results[1]], [results[1], results[0]]]) {
    const st = me.ifStats!;
    // frames sent once the peer's channel was closed never reach the driver
    assertEquals(st.txPackets! + st.dropUnconsumed!, me.sent);
    assertEquals(st.dropExpired, 0);
    // exactly every 100th frame handed to the driver, counted from the interface's creation
    const drops = Math.floor(st.txPackets! / NETIF_TX_PKT_DROP_RATE);
    assertEquals(st.dropTxRate, drops);
    assertEquals(st.eventsSent, drops);
    assertEquals(st.eventsDropped, 0, "the event ring (31 usable slots) never overflowed");
    // handled ones and the ones still unread when the loop ended: one per drop, in order
    assertEquals(me.txStatusEvents, me.statusEventSeqs!.length);
    assertEquals(me.txStatusEvents, me.chanEvents);
    const seqs = [...me.statusEventSeqs!, ...me.unreadEventSeqs!];
    assertEquals(
      seqs,
      Array.from({ length: drops }, (_, k) => NETIF_TX_PKT_DROP_RATE * (k + 1) - 1),
    );
    assertMissingAtPeer(seqs, peer);
    // with no other loss the peer's gaps are exactly the dropped frames
    if (st.dropRxRingFull === 0 && st.dropNoMem === 0) {
      const before = seqs.filter((s) => s < peer.lastReceived!);
      assertEquals([...missingAt(peer)], before);
      assertEquals(peer.gaps, before.length);
    }
  }
});

// ---------------------------------------------------------------- expiry, both timebases

for (const [timebase, everyFrame] of [["125/3", false], ["1/1", true]] as const) {
  Deno.test(`netifdirectexpiryevents with timebase ${timebase}`, async () => {
    const [numer, denom] = timebase.split("/").map(Number);
    const r = await run("netifdirectexpiryevents", {
      knobs: { "debug.sim.timebase_numer": numer, "debug.sim.timebase_denom": denom },
    });
    const results = passed(r);
    note(`netifdirectexpiryevents ${timebase}`, results);
    assertSummaryLines(r.lines, results);
    for (const [me, peer] of [[results[0], results[1]], [results[1], results[0]]]) {
      const st = me.ifStats!;
      // frames sent once the peer's channel was closed never reach the driver
      assertEquals(st.txPackets! + st.dropUnconsumed!, me.sent);
      // policy 1: every expired frame is dropped with one event, nothing else is dropped
      assertEquals(st.dropTxRate, 0);
      assertEquals(st.eventsSent! + st.eventsDropped!, st.dropExpired);
      assertEquals(me.expiredNotDropped, 0);
      assertEquals(me.expiredDropped, me.txExpiredEvents);
      assertEquals(me.txStatusEvents, 0);
      assertEquals(me.txExpiredEvents + me.unreadEventSeqs!.length, st.eventsSent);
      assertEquals(
        st.txDelivered! + st.dropRxRingFull! + st.dropNoMem! + st.dropExpired!,
        st.txPackets,
      );
      assertMissingAtPeer([...me.expiredEventSeqs!, ...me.unreadEventSeqs!], peer);
      if (everyFrame) {
        // 15 ticks are 15 ns: no frame reaches TX sync in time
        assertEquals(st.dropExpired, st.txPackets);
        assertEquals(peer.received, 0);
      }
      if (me.txExpiredEvents > 0) {
        // upstream's inverted mach->ns conversion, kept: propagation = timestamp - deadline > 0
        assert(BigInt(me.expiryPropDelayNs!) >= 0n);
        assert(BigInt(me.expiryNotifDelayNs!) >= 0n);
      }
    }
  });
}

// ---------------------------------------------------------------- the assertions bite

Deno.test("ifadvdisable fails when advisories reach a channel that disabled them", async () => {
  const { record } = await run("netifdirectifadvdisable", {
    knobs: { "debug.sim.adv_ignore_disable": 1 },
  });
  assertEquals(record.verdict, "fail");
  assertMatch(record.reason!, /n_ifadv_events == 0/);
});

Deno.test("chanevents fails when the driver drops frames without status events", async () => {
  const { record } = await run("netifdirectchanevents", {
    knobs: { "debug.sim.drop_without_event": 1 },
  });
  assertEquals(record.verdict, "fail");
  assertMatch(record.reason!, /n_total_chan_events != 0/);
});

Deno.test("expiryevents fails on an expired event with a wrong status", async () => {
  const { record } = await run("netifdirectexpiryevents", {
    // 1/1: every frame expires, so events are certain
    knobs: {
      "debug.sim.timebase_numer": 1,
      "debug.sim.timebase_denom": 1,
      "debug.sim.expired_wrong_status": 1,
    },
  });
  assertEquals(record.verdict, "fail");
  assertMatch(
    record.reason!,
    /packet_tx_expiration_status is EXPIRED_DROPPED or EXPIRED_NOT_DROPPED/,
  );
});

// ---------------------------------------------------------------- the CLI, all seven at once

Deno.test("cli: all seven in one call with --strict print both verdicts and exit 0", async () => {
  const main = new URL("../cli/main.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", main, "run", ...ALL, "--backend", "sim", "--strict"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  const lines = stdout.trim().split("\n");
  assertEquals(
    lines.map((l) => l.split(" ").slice(0, 5).join(" ")),
    ALL.map((n) => `${n} sim PASS strict PASS`),
  );
  // fourteen children, each with upstream's two summary lines
  assertEquals(
    stderr.match(/child (\d): child \1: received \d+ ifadv events, \d+ chan events/g)?.length,
    14,
  );
  assertEquals(
    stderr.match(
      /child (\d): child \1: received \d+ tx status events, \d+ tx expired events \d+ total events/g,
    )
      ?.length,
    14,
  );
});
