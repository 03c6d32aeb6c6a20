/**
 * skt, afxdp only: each receiver's sequence gaps set against the drops the
 * kernel counted for it. Every frame the receiving veth took in (its
 * `rx_packets`) was read by the test, is still unread in the socket's RX ring
 * or slots, or was dropped by the kernel and counted on the socket
 * (`rx_dropped`: no fill-ring entry, also counted in `rx_fill_ring_empty_descs`;
 * or `rx_ring_full`). The backend reads these counters as one consistent
 * snapshot (once every frame the veth counted in has reached the socket), so
 * the identity is exact. The socket's drops are then the receiver's sequence
 * gaps plus the frames dropped after the last one it read (upstream's loop
 * stops reading once its own TX is done): gaps = kernel drops - drops after
 * the last read frame, that second term derived from the veth's own count.
 * A gap the socket did not count must have been dropped by the peer's veth
 * before it got here (its tx_dropped). These are afxdp's strict checks: a run
 * where either does not hold has a strict verdict FAIL (upstream's stands).
 */
import { XDP_MODE_NAMES } from "../../ffi/constants.ts";
import type { ChildResult, StrictCheck, StrictReport, TestId, XdpStatName } from "./defs.ts";
import { postRunReads } from "./strict_checks.ts";

/** One receiver's account. */
export interface KernelDrops {
  child: number;
  /** "DRV" or "SKB" */
  mode: string;
  /** frames the veth took in (its rx_packets) */
  arrived: number;
  /** frames the test read */
  read: number;
  /** frames the test had not taken yet */
  unread: number;
  /** drops the kernel counted on the socket (rx_dropped + rx_ring_full) */
  kernel: number;
  /** the receiver's sequence gaps */
  gaps: number;
  /** frames dropped after the last frame read: arrived - unread - (last packet number + 1) */
  droppedAfterLast: number;
  /** ms the backend waited for frames the veth counted in to reach the socket */
  waitedMs: number;
  counters: {
    rxDropped: number;
    rxRingFull: number;
    rxFillRingEmptyDescs: number;
    txInvalidDescs: number;
    linkRxDropped: number;
    linkTxDropped: number;
    /** frames the peer's veth could not hand over to this one */
    peerLinkTxDropped: number;
  };
}

/** Per receiver that reported afxdp counters. */
export function kernelDrops(results: readonly (ChildResult | null)[]): KernelDrops[] {
  return results.flatMap((me) => {
    if (!me?.xdp) return [];
    const x = me.xdp;
    const peer = results.find((r) => r !== me && r?.xdp)?.xdp;
    const n = (name: XdpStatName) => x[name] ?? 0;
    const counters = {
      rxDropped: n("rxDropped"),
      rxRingFull: n("rxRingFull"),
      rxFillRingEmptyDescs: n("rxFillRingEmptyDescs"),
      txInvalidDescs: n("txInvalidDescs"),
      linkRxDropped: n("linkRxDropped"),
      linkTxDropped: n("linkTxDropped"),
      peerLinkTxDropped: peer?.linkTxDropped ?? 0,
    };
    const arrived = n("linkRxPackets");
    const unread = n("rxUnread");
    return [{
      child: me.child,
      mode: XDP_MODE_NAMES[n("mode")] ?? `mode ${n("mode")}`,
      arrived,
      read: me.received,
      unread,
      kernel: counters.rxDropped + counters.rxRingFull,
      gaps: me.gaps,
      droppedAfterLast: arrived - unread - ((me.lastReceived ?? -1) + 1),
      waitedMs: n("statsWaitMs"),
      counters,
    }];
  });
}

/** Why an account does not balance, or null. */
export function dropMismatch(drops: readonly KernelDrops[]): string | null {
  for (const d of drops) {
    if (d.arrived !== d.read + d.unread + d.kernel) {
      return `child ${d.child}: its veth took in ${d.arrived} frames but it read ${d.read}, left ` +
        `${d.unread} unread and the kernel counted ${d.kernel} drops (${detail(d)})`;
    }
    if (d.droppedAfterLast < -d.counters.peerLinkTxDropped) {
      return `child ${d.child}: ${d.gaps} frames missing in its sequence but the kernel counted ` +
        `${d.kernel} drops here and ${d.counters.peerLinkTxDropped} on the peer's veth (${
          detail(d)
        })`;
    }
  }
  return null;
}

function detail(d: KernelDrops): string {
  const c = d.counters;
  return `${d.mode}: rx_dropped ${c.rxDropped}, rx_ring_full ${c.rxRingFull}, ` +
    `rx_fill_ring_empty_descs ${c.rxFillRingEmptyDescs}, tx_invalid_descs ${c.txInvalidDescs}, ` +
    `veth rx_dropped ${c.linkRxDropped}, peer veth tx_dropped ${c.peerLinkTxDropped}` +
    (d.waitedMs ? `; counters read after waiting ${d.waitedMs} ms for frames in flight` : "");
}

/** One phrase per receiver for result lines and reports. */
export function describeKernelDrops(d: KernelDrops): string {
  return `child ${d.child} gaps ${d.gaps} + ${d.droppedAfterLast} after its last frame = ` +
    `kernel ${d.kernel} (${detail(d)})`;
}

/** afxdp's strict verdict: each receiver's account, and skt's own reads in the children. */
export function kernelStrict(
  testId: TestId,
  results: readonly (ChildResult | null)[],
  ifnames: readonly string[],
): StrictReport {
  const drops = kernelDrops(results);
  const checks: StrictCheck[] = results.map((r, i) => {
    const name = `kernel accounting ${ifnames[i] ?? `child ${i}`}`;
    const d = drops.find((k) => k.child === r?.child);
    if (!r || !d) return { name, ok: null, detail: "the child reported no kernel counters" };
    const why = dropMismatch([d]);
    return { name, ok: why === null, detail: why ?? describeKernelDrops(d) };
  });
  checks.push(postRunReads({ testId, ifnames, results, finalStats: [] }));
  const verdict = checks.some((c) => c.ok === false)
    ? "fail"
    : checks.some((c) => c.ok === null)
    ? "unmeasured"
    : "pass";
  return { verdict, checks, upstreamWouldFail: null };
}
