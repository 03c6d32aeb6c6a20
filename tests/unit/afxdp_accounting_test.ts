/**
 * The afxdp backend's pure parts: its gate (root, AF_XDP sockets, the tests
 * without an AF_XDP counterpart) and the strict accounting of each receiver
 * against the kernel's counters (scenarios/netifdirect/kernel_drops.ts).
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { skipReason } from "../../scenarios/machine/gate.ts";
import {
  dropMismatch,
  kernelDrops,
  kernelStrict,
} from "../../scenarios/netifdirect/kernel_drops.ts";
import { type ChildResult, TestId } from "../../scenarios/netifdirect/defs.ts";
import { TESTS } from "../../scenarios/netifdirect/table.ts";
import { childResult } from "./child_result.ts";

const linux = { os: "linux", features: null, uid: 0, xsk: 0 };

Deno.test("afxdp gate: Linux, root and AF_XDP sockets; Skywalk's features are not asked", () => {
  assertEquals(skipReason("afxdp", 0x3n, linux), null);
  assertMatch(skipReason("afxdp", 0x3n, { ...linux, os: "darwin" })!, /needs Linux/);
  assertMatch(skipReason("afxdp", 0x3n, { ...linux, uid: 1000 })!, /needs root.*uid 1000/);
  assertMatch(skipReason("afxdp", 0x3n, { ...linux, xsk: 97 })!, /refuses AF_XDP.*errno 97/);
  assertMatch(skipReason("afxdp", 0x3n, { ...linux, xsk: null })!, /could not be checked/);
});

Deno.test("afxdp gate: exactly the advisory, status and expiry tests are skipped, with why", () => {
  const skipped = TESTS.filter((t) => t.afxdpSkip).map((t) => t.testId).sort();
  assertEquals(
    skipped,
    [
      TestId.ifAdvEnabled,
      TestId.ifAdvDisabled,
      TestId.channelEvents,
      TestId.expiryEvents,
    ].sort(),
  );
  for (const t of TESTS) if (t.afxdpSkip) assertMatch(t.afxdpSkip, /^AF_XDP has no /);
});

/** A receiver that read `read` frames of the peer's 20000 with these counters. */
function child(
  index: number,
  read: number,
  gaps: number,
  last: number,
  xdp: Partial<NonNullable<ChildResult["xdp"]>>,
): ChildResult {
  return childResult(index, {
    sent: 20000,
    received: read,
    gaps,
    lastReceived: last,
    xdp: { mode: 1, linkTxDropped: 0, ...xdp },
  });
}

Deno.test("kernel accounting: gaps plus the drops after the last frame are the kernel's count", () => {
  // 20000 arrived: 15000 read, 8 unread, 4992 dropped (4000 in gaps, 992 after frame 18999)
  const a = child(0, 15000, 4000, 18999, {
    linkRxPackets: 20000,
    rxUnread: 8,
    rxDropped: 4992,
    rxFillRingEmptyDescs: 4992,
  });
  const b = child(1, 20000, 0, 19999, { linkRxPackets: 20000, rxUnread: 0, rxDropped: 0 });
  const drops = kernelDrops([a, b]);
  assertEquals(drops[0].droppedAfterLast, 992);
  assertEquals(drops[0].gaps, drops[0].kernel - drops[0].droppedAfterLast);
  assertEquals(dropMismatch(drops), null);
  assertEquals(kernelStrict(TestId.txrx, [a, b], ["feth0", "feth1"]).verdict, "pass");
});

Deno.test("kernel accounting: frames the kernel never counted fail the strict verdict", () => {
  const a = child(0, 3264, 1184, 4447, { linkRxPackets: 20000, rxUnread: 32, rxDropped: 15712 });
  const b = child(1, 20000, 0, 19999, { linkRxPackets: 20000 });
  const why = dropMismatch(kernelDrops([a, b]));
  assertMatch(
    why!,
    /took in 20000 frames but it read 3264, left 32 unread and the kernel counted 15712/,
  );
  const strict = kernelStrict(TestId.txrx, [a, b], ["feth0", "feth1"]);
  assertEquals(strict.verdict, "fail");
  assert(strict.checks.some((c) => c.ok === false && c.name === "kernel accounting feth0"));
});

Deno.test("kernel accounting: a gap dropped by the peer's veth is allowed only as its tx_dropped", () => {
  // 10 frames never reached this veth; the socket dropped none of the 19990 that did
  const a = child(0, 19990, 10, 19999, { linkRxPackets: 19990, rxUnread: 0, rxDropped: 0 });
  const lost = child(1, 20000, 0, 19999, { linkRxPackets: 20000, linkTxDropped: 0 });
  assertMatch(dropMismatch(kernelDrops([a, lost]))!, /on the peer's veth/);
  const counted = child(1, 20000, 0, 19999, { linkRxPackets: 20000, linkTxDropped: 10 });
  assertEquals(dropMismatch(kernelDrops([a, counted])), null);
});

Deno.test("kernel accounting: a child without counters leaves the strict verdict unmeasured", () => {
  const a = child(0, 20000, 0, 19999, { linkRxPackets: 20000 });
  assertEquals(kernelStrict(TestId.txrx, [a, null], ["feth0", "feth1"]).verdict, "unmeasured");
});
