/**
 * What a child measures for skt's strict verdict (strict.ts), beside the port:
 * the expire time read back after the prehook, advisories before the linger,
 * the peer's counters when the loop ended, and the events left unread. Every
 * read here is skt's own: a failure is noted for the strict verdict and never
 * thrown, so nothing here can fail upstream's verdict.
 */
import type { Channel, Shim } from "../../ffi/spi.ts";
import type { StrictProbe } from "./defs.ts";
import { drainEvents } from "./events.ts";
import { interfaceStats } from "./if_stats.ts";

export class ProbeRecorder {
  readonly probe: StrictProbe = { problems: [] };

  constructor(readonly shim: Shim, readonly chan: Channel) {}

  /**
   * The expiry prehook: upstream's os_packet_set_expire_time(now + deadline),
   * then skt's read-back. `setsNothing` is the test-only no-expire fault.
   */
  expiryPrehook(deadlineMach: bigint, setsNothing: boolean): (pkt: number) => void {
    const { shim, chan, probe } = this;
    probe.expireTimeSet = 0;
    return (pkt: number) => {
      const expireTime = shim.machAbsoluteTime() + deadlineMach;
      if (!setsNothing) chan.packetSetExpireTime(pkt, expireTime);
      try {
        if (chan.packetGetExpireTime(pkt) === expireTime) probe.expireTimeSet!++;
      } catch (e) {
        this.#note(`os_packet_get_expire_time: ${(e as Error).message}`);
      }
    };
  }

  /** Upstream's deadline in real ns, through the right conversion (ticks x numer / denom). */
  expiryDeadline(deadlineMach: bigint, numer: bigint, denom: bigint): void {
    this.probe.expiryDeadlineNs = Number(deadlineMach * numer / denom);
  }

  /** Right after the transfer loop: what the peer had delivered by then. */
  atLoopEnd(peerIfname: string, ifAdvInTransfer: number | undefined): void {
    this.probe.ifAdvInTransfer = ifAdvInTransfer;
    this.probe.peerStatsAtStop = interfaceStats(this.shim, peerIfname);
    if (this.probe.peerStatsAtStop === undefined) this.#note(`no counters for ${peerIfname}`);
  }

  /** After upstream's final checks: the packet numbers of the events nobody read. */
  drainEvents(): number[] {
    const data = new Uint8Array(56);
    try {
      return drainEvents(this.chan, new DataView(data.buffer), data);
    } catch (e) {
      this.#note(`event drain: ${(e as Error).message}`);
      return [];
    }
  }

  #note(problem: string): void {
    // a per-frame failure must not grow the result without bound
    const { problems } = this.probe;
    if (problems.length < 8 && !problems.includes(problem)) problems.push(problem);
  }
}
