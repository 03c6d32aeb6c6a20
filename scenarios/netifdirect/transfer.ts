/**
 * skt_netif_send_and_receive: kevent registration, the event loop that
 * dispatches write, read and channel events, then upstream's summary lines and
 * final checks (scenarios/netifdirect/tally.ts), in upstream's order.
 */
import type { KEvent, KQueue, Shim } from "../../ffi/spi.ts";
import { EvFilter, EvFlag, INTERFACE_ADVISORY_SIZE, Note } from "../../ffi/constants.ts";
import { errno, SpiError } from "../../ffi/errors.ts";
import { inet6Ntop } from "../machine/addresses.ts";
import { check } from "./assert.ts";
import { MachClock } from "./clock.ts";
import {
  type ChannelPort,
  type ChildResult,
  EvFlagChannel,
  EvFlagExpiry,
  EvFlagIfAdv,
  IFADV_MIN_SPAN_INTERVALS,
  type Log,
  NETIF_IFADV_INTERVAL,
  NETIF_TXRX_TIMEOUT_NS,
  SKT_NETIF_DIRECT_TEST_EXPIRY_DEADLINE_NS,
} from "./defs.ts";
import { processChannelEvent, processIfAdv } from "./events.ts";
import { interfaceStats, xdpStats } from "./if_stats.ts";
import { lingerForAdvisories } from "./linger.ts";
import { ProbeRecorder } from "./probe.ts";
import { Receiver } from "./receive.ts";
import { Sender } from "./send.ts";
import { EventTally } from "./tally.ts";

/** the event list of upstream's kevent loop */
export const N_EVENTS_MAX = 4;

/** What skt_netif_send_and_receive takes besides the port. */
export interface SendReceiveArgs {
  ifname: string;
  /** the peer's interface (skt's strict probe reads its counters) */
  peerIfname: string;
  srcPort: number;
  dstMac: Uint8Array;
  dstIp: Uint8Array;
  dstPort: number;
  howMany: number;
  batchSize: number;
  child: number;
  eventFlags: number;
  ifadvEnabled: boolean;
  paceUs: number;
  log: Log;
  /** test-only fault: the expiry prehook sets no expire time */
  prehookSetsNothing?: boolean;
}

/**
 * Registers write and read, and the channel notes the test asks for; returns
 * errors_ok (channel events expected: losses are not errors).
 */
function registerKevents(kq: KQueue, fd: number, eventFlags: number): boolean {
  const add = EvFlag.add | EvFlag.enable;
  const changes: Omit<KEvent, "data">[] = [
    { ident: fd, filter: EvFilter.write, flags: add, fflags: 0 },
    { ident: fd, filter: EvFilter.read, flags: add, fflags: 0 },
  ];
  if (eventFlags & EvFlagIfAdv) {
    changes.push({ ident: fd, filter: EvFilter.nwChannel, flags: add, fflags: Note.ifAdvUpdate });
  }
  if (eventFlags & EvFlagChannel) {
    changes.push({ ident: fd, filter: EvFilter.nwChannel, flags: add, fflags: Note.channelEvent });
  }
  kq.change(changes);
  return (eventFlags & EvFlagChannel) !== 0;
}

/** skt_netif_send_and_receive: the event loop over write, read and channel events. */
export function sendAndReceive(shim: Shim, port: ChannelPort, a: SendReceiveArgs): ChildResult {
  const started = performance.now();
  const { chan } = port;
  const { child, howMany, log } = a;
  const clock = new MachClock(shim);
  // init_expiration_deadline_mach: 15 "ns" through the inverted conversion
  const expirationDeadlineMach = clock.nsToMach(SKT_NETIF_DIRECT_TEST_EXPIRY_DEADLINE_NS);

  log.info(`Sending to ${inet6Ntop(a.dstIp)}:${a.dstPort}`);
  const tx = new Sender(port, {
    srcMac: port.mac,
    dstMac: a.dstMac,
    srcIp: port.ip6,
    dstIp: a.dstIp,
    srcPort: a.srcPort,
    dstPort: a.dstPort,
  }, log);
  const rx = new Receiver(port, child, log);
  const tally = new EventTally(shim, clock, log);

  let rxComplete = false;
  let txComplete = false;
  using kq: KQueue = shim.kqueue(N_EVENTS_MAX);
  const errorsOk = registerKevents(kq, port.fd, a.eventFlags);
  let rxKnote = true;
  let txKnote = true;

  // skt's strict probe: upstream's prehook sets the expire time, the probe reads it back
  const probe = new ProbeRecorder(shim, chan);
  probe.expiryDeadline(expirationDeadlineMach, clock.numer, clock.denom);
  const prehook = (a.eventFlags & EvFlagExpiry)
    ? probe.expiryPrehook(expirationDeadlineMach, a.prehookSetsNothing ?? false)
    : null;
  const eventData = new Uint8Array(56);
  const eventView = new DataView(eventData.buffer);
  const advisory = new Uint8Array(INTERFACE_ADVISORY_SIZE + 32);
  const eventHandlers = {
    onStatus: (status: number, seq: number) => tally.onStatus(status, seq),
    onExpired: (status: number, deadline: bigint, timestamp: bigint, seq: number) =>
      tally.onExpired(status, deadline, timestamp, seq),
  };

  while (!rxComplete && !txComplete) {
    // wait for TX/RX/Channel events to become available
    let n: number;
    try {
      n = kq.wait(NETIF_TXRX_TIMEOUT_NS);
    } catch (e) {
      if (e instanceof SpiError && e.is("EAGAIN")) continue;
      throw e;
    }
    if (n === 0) {
      // missed seeing last few packets
      if (!errorsOk) {
        log.info(
          `child ${child}: timed out, TX ${txComplete ? "complete" : "incomplete"} ` +
            `RX ${rxComplete ? "complete" : "incomplete"}`,
        );
      }
      break;
    }
    for (let i = 0; i < n; i++) {
      // the record is built only for an error (it allocates); otherwise its fields are read
      if (kq.flagsOf(i) & EvFlag.error) {
        const ev = kq.event(i);
        const err = Number(ev.data);
        log.info(
          `child ${child}: ev_filter ${ev.filter}, flags 0x${ev.flags} fflags 0x${ev.fflags} data ${
            ev.data.toString(16)
          }`,
        );
        if (err === errno("EAGAIN")) break;
        check(err === 0, "err == 0");
      }
      const filter = kq.filterOf(i);
      switch (filter) {
        case EvFilter.nwChannel: {
          const fflags = kq.fflagsOf(i);
          if (fflags & Note.ifAdvUpdate) {
            processIfAdv(chan, advisory, log);
            tally.nIfadvEvents++;
          }
          if (fflags & Note.channelEvent) {
            processChannelEvent(chan, eventData, eventView, eventHandlers);
          }
          tally.nTotalChanEvents++;
          break;
        }
        case EvFilter.read: {
          rx.receive(howMany, errorsOk);
          if (rx.receiveIndex >= howMany) {
            check(rx.receiveIndex === howMany, "receive_packet_index == how_many");
            log.debug(`child ${child}: disable RX`);
            kq.change([{ ident: port.fd, filter: EvFilter.read, flags: EvFlag.delete, fflags: 0 }]);
            rxComplete = true;
            rxKnote = false;
          }
          break;
        }
        case EvFilter.write: {
          const nextBatch = Math.min(tx.packetNumber + a.batchSize, howMany);
          tx.send(nextBatch, prehook);
          if (tx.packetNumber >= howMany) {
            check(tx.packetNumber === howMany, "payload.packet_number == how_many");
            log.info(`TX child ${child}: completed ${howMany}`);
            txComplete = true;
            log.debug(`child ${child}: disable TX`);
            kq.change([{
              ident: port.fd,
              filter: EvFilter.write,
              flags: EvFlag.delete,
              fflags: 0,
            }]);
            txKnote = false;
          }
          // yield for the peer thread to read
          if (a.paceUs > 0) shim.usleep(a.paceUs);
          break;
        }
        default:
          log.info(`${kq.event(i).ident} event ${filter}?`);
          check(false, `unexpected kevent filter ${filter}`);
      }
    }
  }

  probe.atLoopEnd(
    a.peerIfname,
    (a.eventFlags & EvFlagIfAdv) ? tally.nIfadvEvents : undefined,
  );
  let ifAdvLingerMs: number | undefined;
  if (a.eventFlags & EvFlagIfAdv) {
    const until = started + IFADV_MIN_SPAN_INTERVALS * NETIF_IFADV_INTERVAL;
    const stale = [...(rxKnote ? [EvFilter.read] : []), ...(txKnote ? [EvFilter.write] : [])];
    const linger = lingerForAdvisories(
      kq,
      port,
      until,
      stale,
      a.ifadvEnabled && tally.nIfadvEvents > 0,
      () => {
        processIfAdv(chan, advisory, log);
        tally.nIfadvEvents++;
        return a.ifadvEnabled;
      },
    );
    if (linger !== null) {
      ifAdvLingerMs = linger;
      log.info(
        `child ${child}: transfer shorter than ${IFADV_MIN_SPAN_INTERVALS} advisory intervals: ` +
          `waited ${linger.toFixed(1)} ms more for interface advisories (skt)`,
      );
    }
  }
  const ifAdvSpanMs = performance.now() - started;

  tally.logSummary(child, rx.receiveCount, howMany);
  tally.finalChecks(a.eventFlags, errorsOk, a.ifadvEnabled, rx.receiveCount);
  const durationMs = performance.now() - started;
  return {
    child,
    sent: tx.packetNumber,
    received: rx.receiveCount,
    gaps: rx.gapsTotal,
    ifAdvEvents: tally.nIfadvEvents,
    chanEvents: tally.nTotalChanEvents,
    txStatusEvents: tally.nTxStatusChanEvents,
    txExpiredEvents: tally.nTxExpiredChanEvents,
    expiryNotifDelayNs: tally.notifAvg?.toString(),
    expiryPropDelayNs: tally.propAvg?.toString(),
    durationMs,
    statusEventSeqs: tally.statusEventSeqs,
    expiredEventSeqs: tally.expiredEventSeqs,
    expiredDropped: tally.expiredDropped,
    expiredNotDropped: tally.expiredNotDropped,
    // skt's own, after upstream's checks: feeds the strict verdict only
    unreadEventSeqs: (a.eventFlags & EvFlagChannel) ? probe.drainEvents() : [],
    gapRanges: rx.gapRanges,
    lastReceived: rx.lastReceived,
    ifAdvLingerMs,
    ifAdvSpanMs: (a.eventFlags & EvFlagIfAdv) ? ifAdvSpanMs : undefined,
    ifStats: interfaceStats(shim, a.ifname),
    xdp: xdpStats(shim, a.ifname),
    strict: probe.probe,
  };
}
