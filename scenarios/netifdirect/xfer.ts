/**
 * The child side of xnu's tests/skywalk/skt_netifdirect.c, ported call by call:
 * flow setup, channel open, the ready/go barrier, then the send/receive event
 * loop with every assertion of the original (quirks kept, and marked).
 */
import type { Channel, KEvent, KQueue, Shim } from "../../ffi/spi.ts";
import {
  ChannelAttr,
  EvFilter,
  EvFlag,
  IfStat,
  INTERFACE_ADVISORY_SIZE,
  NexusFlowFlags,
  Note,
  TransmitExpiredStatus,
  TransmitStatus,
} from "../../ffi/constants.ts";
import { errno, SpiError } from "../../ffi/errors.ts";
import { check, TestFailure } from "./assert.ts";
import {
  FETH0_INET6_ADDR,
  FETH0_NAME,
  FETH0_UDP_PORT,
  FETH1_INET6_ADDR,
  FETH1_NAME,
  FETH1_UDP_PORT,
  inet6Ntop,
  inet6Pton,
  uuidUnparse,
} from "../machine/addresses.ts";
import { Sender } from "./send.ts";
import { Receiver } from "./receive.ts";
import { drainEvents, processChannelEvent, processIfAdv } from "./events.ts";
import {
  type ChannelPort,
  type ChildResult,
  IFADV_MIN_SPAN_INTERVALS,
  type IfStatName,
  type Log,
  NETIF_IFADV_INTERVAL,
  NETIF_TXRX_TIMEOUT_NS,
  SKT_NETIF_DIRECT_TEST_EXPIRY_DEADLINE_NS,
  TestId,
  type XferOptions,
} from "./defs.ts";

export * from "./defs.ts";
export { Receiver, Sender };

const EvFlagIfAdv = 0x1;
const EvFlagChannel = 0x2;
const EvFlagExpiry = 0x4;

/** Mach time conversions as upstream writes them: both formulas are inverted (kept). */
class MachClock {
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

/** skt_netifdirect_xfer_ipv6 */
export async function netifdirectXferIpv6(
  shim: Shim,
  child: number,
  testId: TestId,
  options: XferOptions,
): Promise<ChildResult> {
  const { log } = options;
  check(child === 0 || child === 1, "child == 0 || child == 1");
  const [ifname, peerName] = child === 0 ? [FETH0_NAME, FETH1_NAME] : [FETH1_NAME, FETH0_NAME];
  const ourMac = shim.ifnetLladdr(ifname);
  const peerMac = shim.ifnetLladdr(peerName);
  const ourIp6 = inet6Pton(child === 0 ? FETH0_INET6_ADDR : FETH1_INET6_ADDR);
  const peerIp6 = inet6Pton(child === 0 ? FETH1_INET6_ADDR : FETH0_INET6_ADDR);
  const ourPort = child === 0 ? FETH0_UDP_PORT : FETH1_UDP_PORT;
  const peerPort = child === 0 ? FETH1_UDP_PORT : FETH0_UDP_PORT;

  // skt_setup_netif_with_ipv6_flow
  using controller = shim.nexusControllerCreate();
  let nxUuid: Uint8Array;
  try {
    nxUuid = shim.ifnetNetifNexus(ifname);
  } catch (e) {
    throw new TestFailure(
      `assertion failed: sktc_get_netif_nexus(${ifname}): ${(e as Error).message}`,
    );
  }
  // The listener flow only exercises the listener code path, as upstream says.
  controller.flowAdd(nxUuid, NexusFlowFlags.ipv6Ula | NexusFlowFlags.listener, null, null);
  const nxPort = controller.flowAdd(nxUuid, NexusFlowFlags.ipv6Ula, ourIp6, peerIp6);

  // sktu_channel_port_init(&port, uuid, nx_port, upp = true, event ring for ids 4/5, low latency = false)
  const eventRing = testId === TestId.channelEvents || testId === TestId.expiryEvents;
  const attrs = new Map<number, bigint>([
    [ChannelAttr.userPacketPool, 1n],
    [ChannelAttr.nexusDefunctOk, 1n],
  ]);
  if (eventRing) attrs.set(ChannelAttr.eventRing, 1n);
  let chan: Channel;
  try {
    chan = channelCreateExtended(shim, nxUuid, nxPort, attrs);
  } catch (e) {
    log.info(`Can't open channel on port ${nxPort}, ${(e as Error).message}`);
    throw new TestFailure("assertion failed: port.chan != NULL");
  }
  using _chan = chan;
  log.info(`Opened port ${nxPort}`);
  const port: ChannelPort = {
    chan,
    fd: chan.fd,
    port: nxPort,
    userPacketPool: true,
    mac: ourMac,
    ip6: ourIp6,
  };

  await options.readyGo();
  log.debug(`child ${child} signaled`);

  log.info(`Child ${child} nexus uuid: '${uuidUnparse(nxUuid)}'`);
  log.info(`child ${child}: Test Start`);
  let eventFlags = 0;
  let ifadvEnabled = false;
  switch (testId) {
    case TestId.txrx:
      break;
    case TestId.ifAdvEnabled:
      eventFlags |= EvFlagIfAdv;
      chan.configureInterfaceAdvisory(true);
      ifadvEnabled = true;
      break;
    case TestId.ifAdvDisabled:
      eventFlags |= EvFlagIfAdv;
      chan.configureInterfaceAdvisory(false);
      break;
    case TestId.channelEvents:
      eventFlags |= EvFlagChannel;
      break;
    case TestId.expiryEvents:
      eventFlags |= EvFlagExpiry | EvFlagChannel;
      break;
  }
  return sendAndReceive(shim, port, {
    ifname,
    srcPort: ourPort,
    dstMac: peerMac,
    dstIp: peerIp6,
    dstPort: peerPort,
    howMany: options.packets,
    batchSize: options.batch,
    child,
    eventFlags,
    ifadvEnabled,
    paceUs: options.paceUs,
    log,
  });
}

/** sktu_channel_create_extended retries ENOMEM this many times, 250 ms apart ("up to 4 seconds"). */
const SKTU_CHANNEL_CREATE_NOMEM_RETRIES = 16;
const NOMEM_RETRY_MS = 250;
/** the event list of upstream's kevent loop */
const N_EVENTS_MAX = 4;

/**
 * sktu_channel_create_extended: open the channel, retrying while the kernel is
 * short of memory, then read the attributes back as the helper does (each must
 * be known, i.e. not -1, and the channel must not be exclusive).
 */
function channelCreateExtended(
  shim: Shim,
  nxUuid: Uint8Array,
  port: number,
  attrs: Map<number, bigint>,
): Channel {
  for (let retries = 0;;) {
    let chan: Channel;
    try {
      chan = shim.channelCreate(nxUuid, port, attrs);
    } catch (e) {
      if (
        e instanceof SpiError && e.is("ENOMEM") && ++retries < SKTU_CHANNEL_CREATE_NOMEM_RETRIES
      ) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, NOMEM_RETRY_MS);
        continue;
      }
      throw e;
    }
    check(chan.attr(ChannelAttr.exclusive) !== 1n, "CHANNEL_ATTR_EXCLUSIVE: scratch != 1");
    for (const [name, key] of READ_BACK_ATTRS) {
      check(chan.attr(key) !== -1n, `${name}: scratch != -1`);
    }
    return chan;
  }
}

/** The attributes sktu_channel_create_extended reads back after the open. */
const READ_BACK_ATTRS: [string, number][] = [
  ["CHANNEL_ATTR_TX_LOWAT_UNIT", ChannelAttr.txLowatUnit],
  ["CHANNEL_ATTR_TX_LOWAT_VALUE", ChannelAttr.txLowatValue],
  ["CHANNEL_ATTR_RX_LOWAT_UNIT", ChannelAttr.rxLowatUnit],
  ["CHANNEL_ATTR_RX_LOWAT_VALUE", ChannelAttr.rxLowatValue],
  ["CHANNEL_ATTR_USER_PACKET_POOL", ChannelAttr.userPacketPool],
  ["CHANNEL_ATTR_NEXUS_DEFUNCT_OK", ChannelAttr.nexusDefunctOk],
  ["CHANNEL_ATTR_EVENT_RING", ChannelAttr.eventRing],
  ["CHANNEL_ATTR_LOW_LATENCY", ChannelAttr.lowLatency],
];

interface SendReceiveArgs {
  ifname: string;
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
}

/** skt_netif_send_and_receive: the event loop over write, read and channel events. */
function sendAndReceive(shim: Shim, port: ChannelPort, a: SendReceiveArgs): ChildResult {
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

  let errorsOk = false;
  let rxComplete = false;
  let txComplete = false;
  let nIfadvEvents = 0;
  let nTotalChanEvents = 0;
  let nTxExpiredChanEvents = 0;
  let nTxStatusChanEvents = 0;
  let totalTxExpNotifDelay = 0n;
  let totalTxExpPropDelay = 0n;
  const statusEventSeqs: number[] = [];
  const expiredEventSeqs: number[] = [];
  let expiredDropped = 0;
  let expiredNotDropped = 0;

  using kq: KQueue = shim.kqueue(N_EVENTS_MAX);
  const changes: Omit<KEvent, "data">[] = [
    { ident: port.fd, filter: EvFilter.write, flags: EvFlag.add | EvFlag.enable, fflags: 0 },
    { ident: port.fd, filter: EvFilter.read, flags: EvFlag.add | EvFlag.enable, fflags: 0 },
  ];
  if (a.eventFlags & EvFlagIfAdv) {
    changes.push({
      ident: port.fd,
      filter: EvFilter.nwChannel,
      flags: EvFlag.add | EvFlag.enable,
      fflags: Note.ifAdvUpdate,
    });
  }
  if (a.eventFlags & EvFlagChannel) {
    changes.push({
      ident: port.fd,
      filter: EvFilter.nwChannel,
      flags: EvFlag.add | EvFlag.enable,
      fflags: Note.channelEvent,
    });
    errorsOk = true;
  }
  kq.change(changes);
  let rxKnote = true;
  let txKnote = true;

  const prehook = (a.eventFlags & EvFlagExpiry)
    ? (pkt: number) =>
      chan.packetSetExpireTime(pkt, shim.machAbsoluteTime() + expirationDeadlineMach)
    : null;
  const eventData = new Uint8Array(56);
  const eventView = new DataView(eventData.buffer);
  const advisory = new Uint8Array(INTERFACE_ADVISORY_SIZE + 32);

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
      const ev = kq.event(i);
      if (ev.flags & EvFlag.error) {
        const err = Number(ev.data);
        log.info(
          `child ${child}: ev_filter ${ev.filter}, flags 0x${ev.flags} fflags 0x${ev.fflags} data ${
            ev.data.toString(16)
          }`,
        );
        if (err === errno("EAGAIN")) break;
        check(err === 0, "err == 0");
      }
      switch (ev.filter) {
        case EvFilter.nwChannel: {
          if (ev.fflags & Note.ifAdvUpdate) {
            processIfAdv(chan, advisory, log);
            nIfadvEvents++;
          }
          if (ev.fflags & Note.channelEvent) {
            processChannelEvent(chan, eventData, eventView, {
              onStatus: (status, seq) => {
                nTxStatusChanEvents++;
                statusEventSeqs.push(seq);
                check(
                  status === TransmitStatus.errRetryFailed,
                  "pkt_ev->packet_status == CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_RETRY_FAILED",
                );
              },
              onExpired: (status, deadline, timestamp, seq) => {
                expiredEventSeqs.push(seq);
                if (status === TransmitExpiredStatus.expiredDropped) expiredDropped++;
                if (status === TransmitExpiredStatus.expiredNotDropped) expiredNotDropped++;
                check(
                  status === TransmitExpiredStatus.expiredDropped ||
                    status === TransmitExpiredStatus.expiredNotDropped,
                  "packet_tx_expiration_status is EXPIRED_DROPPED or EXPIRED_NOT_DROPPED",
                );
                nTxExpiredChanEvents++;
                const notifDelay = shim.machAbsoluteTime() - timestamp;
                totalTxExpNotifDelay += notifDelay;
                const propDelay = timestamp - deadline;
                totalTxExpPropDelay += propDelay;
                log.debug(
                  `tx_expired_event deadline=${deadline} ts=${timestamp} exp=${propDelay}m ${
                    clock.machToNs(propDelay)
                  }ns notif=${notifDelay}m ${clock.machToNs(notifDelay)}ns`,
                );
              },
            });
          }
          nTotalChanEvents++;
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
          log.info(`${ev.ident} event ${ev.filter}?`);
          check(false, `unexpected kevent filter ${ev.filter}`);
      }
    }
  }

  let ifAdvLingerMs: number | undefined;
  if (a.eventFlags & EvFlagIfAdv) {
    const until = started + IFADV_MIN_SPAN_INTERVALS * NETIF_IFADV_INTERVAL;
    const stale = [...(rxKnote ? [EvFilter.read] : []), ...(txKnote ? [EvFilter.write] : [])];
    const linger = lingerForAdvisories(
      kq,
      port,
      until,
      stale,
      a.ifadvEnabled && nIfadvEvents > 0,
      () => {
        processIfAdv(chan, advisory, log);
        nIfadvEvents++;
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

  const percent = rx.receiveCount / howMany * 100.0;
  log.info(`RX child ${child}: received ${rx.receiveCount} (of ${howMany}) ${percent.toFixed(2)}%`);
  log.info(
    `child ${child}: received ${nIfadvEvents} ifadv events, ${nTotalChanEvents} chan events`,
  );
  log.info(
    `child ${child}: received ${nTxStatusChanEvents} tx status events, ` +
      `${nTxExpiredChanEvents} tx expired events ${nTotalChanEvents} total events`,
  );
  let notifAvg: bigint | undefined;
  let propAvg: bigint | undefined;
  if (nTxExpiredChanEvents > 0) {
    const notifTotalNs = clock.machToNs(totalTxExpNotifDelay);
    const propTotalNs = clock.machToNs(totalTxExpPropDelay);
    propAvg = propTotalNs / BigInt(nTxExpiredChanEvents);
    notifAvg = notifTotalNs / BigInt(nTxExpiredChanEvents);
    log.info(
      `child ${child}: expiration notification delay avg: ${notifAvg} total: ${notifTotalNs}; ` +
        `expiration propagation delay avg: ${propAvg} total: ${propTotalNs}`,
    );
  }

  if (!errorsOk) check(rx.receiveCount > 0, "receive_packet_count > 0");
  if (a.eventFlags & EvFlagIfAdv) {
    if (a.ifadvEnabled) check(nIfadvEvents !== 0, "n_ifadv_events != 0");
    else check(nIfadvEvents === 0, "n_ifadv_events == 0");
  }
  // Expiry events may all have been sent within the deadline, so with expiry the
  // check is predicated on any event arriving; transmit status events are not.
  if (a.eventFlags & EvFlagChannel) {
    if (a.eventFlags & EvFlagExpiry) {
      if (nTotalChanEvents) check(nTxExpiredChanEvents !== 0, "n_tx_expired_chan_events != 0");
    } else {
      check(nTotalChanEvents !== 0, "n_total_chan_events != 0");
      check(nTxStatusChanEvents !== 0, "n_tx_status_chan_events != 0");
    }
  }
  const durationMs = performance.now() - started;
  return {
    child,
    sent: tx.packetNumber,
    received: rx.receiveCount,
    gaps: rx.gapsTotal,
    ifAdvEvents: nIfadvEvents,
    chanEvents: nTotalChanEvents,
    txStatusEvents: nTxStatusChanEvents,
    txExpiredEvents: nTxExpiredChanEvents,
    expiryNotifDelayNs: notifAvg?.toString(),
    expiryPropDelayNs: propAvg?.toString(),
    durationMs,
    statusEventSeqs,
    expiredEventSeqs,
    expiredDropped,
    expiredNotDropped,
    unreadEventSeqs: (a.eventFlags & EvFlagChannel) ? drainEvents(chan, eventView, eventData) : [],
    gapRanges: rx.gapRanges,
    lastReceived: rx.lastReceived,
    ifAdvLingerMs,
    ifAdvSpanMs: (a.eventFlags & EvFlagIfAdv) ? ifAdvSpanMs : undefined,
    ifStats: interfaceStats(shim, a.ifname),
  };
}

/**
 * skt, not upstream: keeps an ifadv child waiting for interface advisories until
 * `until` (performance.now() time), so that a short transfer still spans an
 * advisory interval. The TX/RX knotes still registered are deleted first, so
 * only advisories wake the wait. onAdvisory reads one report and says whether
 * the wait may end there (enabled: the first report is enough). Returns the ms
 * spent waiting, or null when the run already spanned enough or was satisfied.
 */
function lingerForAdvisories(
  kq: KQueue,
  port: ChannelPort,
  until: number,
  staleFilters: number[],
  satisfied: boolean,
  onAdvisory: () => boolean,
): number | null {
  if (performance.now() >= until || satisfied) return null;
  const started = performance.now();
  kq.change(
    staleFilters.map((filter) => ({ ident: port.fd, filter, flags: EvFlag.delete, fflags: 0 })),
  );
  while (!satisfied && performance.now() < until) {
    const left = BigInt(Math.ceil((until - performance.now()) * 1e6));
    let n: number;
    try {
      n = kq.wait(left > 0n ? left : 0n);
    } catch (e) {
      if (e instanceof SpiError && e.is("EAGAIN")) continue;
      throw e;
    }
    for (let i = 0; i < n; i++) {
      if (kq.event(i).fflags & Note.ifAdvUpdate) satisfied = onAdvisory() || satisfied;
    }
    if (n === 0) break;
  }
  return performance.now() - started;
}

/** The interface's counters by name, or undefined where the backend keeps none. */
function interfaceStats(
  shim: Shim,
  ifname: string,
): Partial<Record<IfStatName, number>> | undefined {
  let values: bigint[];
  try {
    values = shim.ifnetStats(ifname);
  } catch {
    return undefined;
  }
  const out: Partial<Record<IfStatName, number>> = {};
  for (const [name, index] of Object.entries(IfStat)) {
    if (name !== "count" && index < values.length) out[name as IfStatName] = Number(values[index]);
  }
  return out;
}
