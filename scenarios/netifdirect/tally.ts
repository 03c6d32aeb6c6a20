/**
 * skt_netif_send_and_receive's event counters: what each channel event adds,
 * the summary lines upstream logs after the loop, and its final checks, in
 * upstream's order.
 */
import type { Shim } from "../../ffi/spi.ts";
import { TransmitExpiredStatus, TransmitStatus } from "../../ffi/constants.ts";
import { check } from "./assert.ts";
import type { MachClock } from "./clock.ts";
import { EvFlagChannel, EvFlagExpiry, EvFlagIfAdv, type Log } from "./defs.ts";

/** The counters of the event loop, named as upstream's locals. */
export class EventTally {
  nIfadvEvents = 0;
  nTotalChanEvents = 0;
  nTxExpiredChanEvents = 0;
  nTxStatusChanEvents = 0;
  totalTxExpNotifDelay = 0n;
  totalTxExpPropDelay = 0n;
  // skt's own, for the record: which packets the events named
  readonly statusEventSeqs: number[] = [];
  readonly expiredEventSeqs: number[] = [];
  expiredDropped = 0;
  expiredNotDropped = 0;
  /** average delays in ns, set by logSummary when expiry events came */
  notifAvg: bigint | undefined;
  propAvg: bigint | undefined;

  constructor(readonly shim: Shim, readonly clock: MachClock, readonly log: Log) {}

  /** A transmit status event: upstream asserts ERR_RETRY_FAILED. */
  onStatus(status: number, seq: number): void {
    this.nTxStatusChanEvents++;
    this.statusEventSeqs.push(seq);
    check(
      status === TransmitStatus.errRetryFailed,
      "pkt_ev->packet_status == CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_RETRY_FAILED",
    );
  }

  /** A transmit expired event: its status, and the two delays upstream sums. */
  onExpired(status: number, deadline: bigint, timestamp: bigint, seq: number): void {
    this.expiredEventSeqs.push(seq);
    if (status === TransmitExpiredStatus.expiredDropped) this.expiredDropped++;
    if (status === TransmitExpiredStatus.expiredNotDropped) this.expiredNotDropped++;
    check(
      status === TransmitExpiredStatus.expiredDropped ||
        status === TransmitExpiredStatus.expiredNotDropped,
      "packet_tx_expiration_status is EXPIRED_DROPPED or EXPIRED_NOT_DROPPED",
    );
    this.nTxExpiredChanEvents++;
    const notifDelay = this.shim.machAbsoluteTime() - timestamp;
    this.totalTxExpNotifDelay += notifDelay;
    const propDelay = timestamp - deadline;
    this.totalTxExpPropDelay += propDelay;
    this.log.debug(
      `tx_expired_event deadline=${deadline} ts=${timestamp} exp=${propDelay}m ${
        this.clock.machToNs(propDelay)
      }ns notif=${notifDelay}m ${this.clock.machToNs(notifDelay)}ns`,
    );
  }

  /** The lines upstream logs after the loop, in its order. */
  logSummary(child: number, receiveCount: number, howMany: number): void {
    const { log } = this;
    const percent = receiveCount / howMany * 100.0;
    log.info(`RX child ${child}: received ${receiveCount} (of ${howMany}) ${percent.toFixed(2)}%`);
    log.info(
      `child ${child}: received ${this.nIfadvEvents} ifadv events, ${this.nTotalChanEvents} chan events`,
    );
    log.info(
      `child ${child}: received ${this.nTxStatusChanEvents} tx status events, ` +
        `${this.nTxExpiredChanEvents} tx expired events ${this.nTotalChanEvents} total events`,
    );
    if (this.nTxExpiredChanEvents > 0) {
      const notifTotalNs = this.clock.machToNs(this.totalTxExpNotifDelay);
      const propTotalNs = this.clock.machToNs(this.totalTxExpPropDelay);
      this.propAvg = propTotalNs / BigInt(this.nTxExpiredChanEvents);
      this.notifAvg = notifTotalNs / BigInt(this.nTxExpiredChanEvents);
      log.info(
        `child ${child}: expiration notification delay avg: ${this.notifAvg} total: ${notifTotalNs}; ` +
          `expiration propagation delay avg: ${this.propAvg} total: ${propTotalNs}`,
      );
    }
  }

  /** Upstream's final assertions, in its order. */
  finalChecks(
    eventFlags: number,
    errorsOk: boolean,
    ifadvEnabled: boolean,
    receiveCount: number,
  ): void {
    if (!errorsOk) check(receiveCount > 0, "receive_packet_count > 0");
    if (eventFlags & EvFlagIfAdv) {
      if (ifadvEnabled) check(this.nIfadvEvents !== 0, "n_ifadv_events != 0");
      else check(this.nIfadvEvents === 0, "n_ifadv_events == 0");
    }
    // Expiry events may all have been sent within the deadline, so with expiry the
    // check is predicated on any event arriving; transmit status events are not.
    if (eventFlags & EvFlagChannel) {
      if (eventFlags & EvFlagExpiry) {
        if (this.nTotalChanEvents) {
          check(this.nTxExpiredChanEvents !== 0, "n_tx_expired_chan_events != 0");
        }
      } else {
        check(this.nTotalChanEvents !== 0, "n_total_chan_events != 0");
        check(this.nTxStatusChanEvents !== 0, "n_tx_status_chan_events != 0");
      }
    }
  }
}
