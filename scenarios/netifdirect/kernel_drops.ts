/**
 * skt, afxdp only: each receiver's sequence gaps set against the drops the
 * kernel counted for it. Every frame the receiving veth took in (its
 * `rx_packets`) was read by the test, is still unread in the socket's RX ring
 * or slots, or was dropped by the kernel and counted on the socket
 * (`rx_dropped`: no fill-ring entry, also counted in `rx_fill_ring_empty_descs`;
 * or `rx_ring_full`). The backend reads these counters as one consistent
 * snapshot, so the identity is exact. The dropped frames are the receiver's
 * sequence gaps plus those dropped after the last frame it read (upstream's
 * loop stops reading once its own TX is done): gaps = kernel drops - drops
 * after the last read frame. A run where this does not hold fails.
 */
import { XDP_MODE_NAMES } from "../../ffi/constants.ts";
import type { ChildResult, XdpStatName } from "./defs.ts";

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
  counters: {
    rxDropped: number;
    rxRingFull: number;
    rxFillRingEmptyDescs: number;
    txInvalidDescs: number;
    linkRxDropped: number;
    linkTxDropped: number;
  };
}

/** Per receiver that reported afxdp counters. */
export function kernelDrops(results: readonly (ChildResult | null)[]): KernelDrops[] {
  return results.flatMap((me) => {
    if (!me?.xdp) return [];
    const x = me.xdp;
    const n = (name: XdpStatName) => x[name] ?? 0;
    const counters = {
      rxDropped: n("rxDropped"),
      rxRingFull: n("rxRingFull"),
      rxFillRingEmptyDescs: n("rxFillRingEmptyDescs"),
      txInvalidDescs: n("txInvalidDescs"),
      linkRxDropped: n("linkRxDropped"),
      linkTxDropped: n("linkTxDropped"),
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
    if (d.gaps !== d.kernel - d.droppedAfterLast) {
      return `child ${d.child}: ${d.gaps} frames missing in its sequence but the kernel counted ` +
        `${d.kernel} drops, ${d.droppedAfterLast} of them after the last frame read (${detail(d)})`;
    }
  }
  return null;
}

function detail(d: KernelDrops): string {
  const c = d.counters;
  return `${d.mode}: rx_dropped ${c.rxDropped}, rx_ring_full ${c.rxRingFull}, ` +
    `rx_fill_ring_empty_descs ${c.rxFillRingEmptyDescs}, tx_invalid_descs ${c.txInvalidDescs}, ` +
    `veth rx_dropped ${c.linkRxDropped}, veth tx_dropped ${c.linkTxDropped}`;
}

/** One phrase per receiver for result lines and reports. */
export function describeKernelDrops(d: KernelDrops): string {
  return `child ${d.child} gaps ${d.gaps} + ${d.droppedAfterLast} after its last frame = ` +
    `kernel ${d.kernel} (${detail(d)})`;
}
