/** Mach time as upstream's test converts it. */
import type { Shim } from "../../ffi/spi.ts";

/** Mach time conversions as upstream writes them: both formulas are inverted (kept). */
export class MachClock {
  readonly numer: bigint;
  readonly denom: bigint;
  constructor(readonly shim: Shim) {
    const { numer, denom } = shim.machTimebaseInfo();
    this.numer = BigInt(numer);
    this.denom = BigInt(denom);
  }
  /** SKT_NETIF_TIMESTAMP_MACH_TO_NS: ts * denom / numer */
  machToNs(ts: bigint): bigint {
    return ts * this.denom / this.numer;
  }
  /** SKT_NETIF_TIMESTAMP_NS_TO_MACH: ns * numer / denom */
  nsToMach(ns: bigint): bigint {
    return ns * this.numer / this.denom;
  }
}
