/**
 * The child side of xnu's tests/skywalk/skt_netifdirect.c, ported call by call:
 * flow setup, channel open, the ready/go barrier, then the send/receive event
 * loop with every assertion of the original (quirks kept, and marked).
 */
import { type Channel, type KEvent, type KQueue, type Shim, SlotProp } from "../ffi/spi.ts";
import {
  CHANNEL_EVENT_MAX_PAYLOAD_LEN,
  ChannelAttr,
  ChannelEventType,
  EvFilter,
  EvFlag,
  IfStat,
  INTERFACE_ADVISORY_SIZE,
  NexusFlowFlags,
  Note,
  PACKET_ID_SIZE,
  PKTID_VERSION_CURRENT,
  Ring,
  SyncMode,
  TRANSMIT_EXPIRED_EVENT_SIZE,
  TRANSMIT_STATUS_EVENT_SIZE,
  TransmitExpiredStatus,
  TransmitStatus,
} from "../ffi/constants.ts";
import { errno, SpiError } from "../ffi/errors.ts";
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
} from "./addresses.ts";
import {
  FRAME_LEN,
  FrameBuffer,
  FrameBuilder,
  FrameCheckError,
  framePacketNumber,
  HDR_LEN,
  PAYLOAD_LEN,
  processFrame,
  sequenceGap,
} from "./frame.ts";

export const NETIF_TXRX_PACKET_COUNT = 20_000;
export const NETIF_TXRX_BATCH_COUNT = 8;
export const NETIF_TXRX_TIMEOUT_NS = 100_000_000n;
export const NETIF_IFADV_INTERVAL = 30;
export const NETIF_TX_PKT_DROP_RATE = 100;
export const NETIF_PKTID_PAYLOAD_TYPE = 0xfa;
export const NETIF_PKTID_STREAM_ID = 0xfb;
export const SKT_NETIF_DIRECT_TEST_EXPIRY_DEADLINE_NS = 15n;
/**
 * skt, not upstream: an ifadv child whose transfer ended sooner than this many
 * advisory intervals after it configured advisories keeps waiting for reports
 * until then (enabled: until the first one), so a run always spans an interval.
 * The timer runs from channel connect, so the first report is due within one
 * interval of enabling; the other two are slack for a loaded machine.
 */
export const IFADV_MIN_SPAN_INTERVALS = 3;

/** Upstream's test identifiers (argv[5] of the child). */
export const TestId = {
  txrx: 1,
  ifAdvEnabled: 2,
  ifAdvDisabled: 3,
  channelEvents: 4,
  expiryEvents: 5,
} as const;
export type TestId = typeof TestId[keyof typeof TestId];

const EvFlagIfAdv = 0x1;
const EvFlagChannel = 0x2;
const EvFlagExpiry = 0x4;

/** Where the child's log lines go (T_LOG is info; SKT_NETIF_DIRECT_DEBUG lines are debug). */
export interface Log {
  info(message: string): void;
  debug(message: string): void;
  /** false when debug lines are discarded, so per-frame code can skip formatting them */
  readonly debugEnabled?: boolean;
}

/** Knobs of a run; upstream's values are the defaults. */
export interface XferOptions {
  packets: number;
  batch: number;
  /** usleep() after each TX batch ("yield for the peer thread to read"); 0 = unpaced */
  paceUs: number;
  /** called once the channel is open: the ready/go barrier */
  readyGo: () => Promise<void>;
  log: Log;
}

/** What a child reports to the parent at the end. */
export interface ChildResult {
  child: number;
  sent: number;
  received: number;
  /** frames missing from the peer's sequence (gaps seen by this child's receiver) */
  gaps: number;
  ifAdvEvents: number;
  chanEvents: number;
  txStatusEvents: number;
  txExpiredEvents: number;
  /** average expiry notification / propagation delays in ns (upstream's conversion) */
  expiryNotifDelayNs?: string;
  expiryPropDelayNs?: string;
  durationMs: number;
  // What follows is skt's own, for checking runs against the driver's rules.
  /** packet numbers (pktid sequence) of the transmit-status events handled, in order */
  statusEventSeqs?: number[];
  /** packet numbers of the expiry events handled, and how many said dropped / not dropped */
  expiredEventSeqs?: number[];
  expiredDropped?: number;
  expiredNotDropped?: number;
  /** events still in the event ring when the loop ended (taken and freed after the summary) */
  unreadEventSeqs?: number[];
  /** the receiver's gaps as [first missing packet number, count] */
  gapRanges?: [number, number][];
  /** the highest packet number received, -1 if none */
  lastReceived?: number;
  /** ms spent waiting for advisories after the transfer (IFADV_MIN_SPAN_INTERVALS) */
  ifAdvLingerMs?: number;
  /** ms from configuring advisories to the end of the run */
  ifAdvSpanMs?: number;
  /** this child's interface counters at the end (IfStat names), where the backend has them */
  ifStats?: Partial<Record<IfStatName, number>>;
}

export type IfStatName = Exclude<keyof typeof IfStat, "count">;

/** channel_port of skywalk_test_utils.h */
export interface ChannelPort {
  chan: Channel;
  fd: number;
  port: number;
  userPacketPool: boolean;
  mac: Uint8Array;
  ip6: Uint8Array;
}

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
    // skt: make the run span advisory intervals (IFADV_MIN_SPAN_INTERVALS)
    const until = started + IFADV_MIN_SPAN_INTERVALS * NETIF_IFADV_INTERVAL;
    if (performance.now() < until && !(a.ifadvEnabled && nIfadvEvents > 0)) {
      const lingerStart = performance.now();
      const stale = [
        ...(rxKnote ? [EvFilter.read] : []),
        ...(txKnote ? [EvFilter.write] : []),
      ];
      kq.change(
        stale.map((filter) => ({ ident: port.fd, filter, flags: EvFlag.delete, fflags: 0 })),
      );
      while (performance.now() < until && !(a.ifadvEnabled && nIfadvEvents > 0)) {
        const left = BigInt(Math.ceil((until - performance.now()) * 1e6));
        let n: number;
        try {
          n = kq.wait(left > 0n ? left : 0n);
        } catch (e) {
          if (e instanceof SpiError && e.is("EAGAIN")) continue;
          throw e;
        }
        for (let i = 0; i < n; i++) {
          if (kq.event(i).fflags & Note.ifAdvUpdate) {
            processIfAdv(chan, advisory, log);
            nIfadvEvents++;
          }
        }
        if (n === 0) break;
      }
      ifAdvLingerMs = performance.now() - lingerStart;
      log.info(
        `child ${child}: transfer shorter than ${IFADV_MIN_SPAN_INTERVALS} advisory intervals: ` +
          `waited ${ifAdvLingerMs.toFixed(1)} ms more for interface advisories (skt)`,
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

/** After the run: the packet numbers of the events nobody read, freeing them. */
function drainEvents(chan: Channel, view: DataView, out: Uint8Array): number[] {
  const seqs: number[] = [];
  for (;;) {
    let handle: number;
    try {
      handle = chan.getNextEventHandle().handle;
    } catch (e) {
      if (e instanceof SpiError && e.is("ENODATA")) break;
      throw e;
    }
    const event = chan.eventGetNextEvent(handle, -1);
    if (event >= 0) {
      chan.eventGetEventData(handle, event, out);
      seqs.push(view.getUint16(16 + 2, true));
    }
    chan.eventFree(handle);
  }
  return seqs;
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

/** skt_netif_channel_send and skt_netif_ipv6_udp_frame_populate, over one channel. */
export class Sender {
  /** payload.packet_number: the next packet to send */
  packetNumber = 0;
  readonly #builder: FrameBuilder;
  readonly #prop = new SlotProp();
  readonly #pktid = new Uint8Array(16);
  readonly #pktidView = new DataView(this.#pktid.buffer);
  readonly #debug: boolean;

  constructor(
    readonly port: ChannelPort,
    endpoints: ConstructorParameters<typeof FrameBuilder>[0],
    readonly log: Log,
  ) {
    this.#debug = log.debugEnabled ?? true;
    this.#builder = new FrameBuilder(endpoints);
    // packet_id_t {version, payload type, seq, timestamp, stream, reserved}
    this.#pktid[0] = PKTID_VERSION_CURRENT;
    this.#pktid[1] = NETIF_PKTID_PAYLOAD_TYPE;
    this.#pktidView.setUint32(8, NETIF_PKTID_STREAM_ID, true);
  }

  send(limit: number, prehook: ((pkt: number) => void) | null): void {
    const { chan, userPacketPool } = this.port;
    const prop = this.#prop;
    check(this.packetNumber < limit, "payload->packet_number < limit");
    let lastSlot = -1;
    while (true) {
      // grab a slot and populate it
      const slot = chan.getNextSlot(Ring.tx, lastSlot, prop);
      if (slot < 0) {
        if (this.#debug && this.packetNumber < limit) {
          this.log.debug(`TX didn't complete batch (${this.packetNumber} < ${limit})`);
        }
        break;
      }
      let pkt: number;
      if (userPacketPool) {
        check(prop.bufPtr === 0n, "prop.sp_buf_ptr == 0");
        check(prop.len === 0, "prop.sp_len == 0");
        pkt = chan.packetAlloc();
      } else {
        check(prop.bufPtr !== 0n, "prop.sp_buf_ptr != 0");
        check(prop.len !== 0, "prop.sp_len != 0");
        pkt = chan.slotGetPacket(Ring.tx, slot);
      }
      check(pkt !== 0, "pkt != 0");
      const buflet = chan.packetGetNextBuflet(pkt, -1);
      check(buflet >= 0, "buflet != NULL");
      const buf = chan.bufletGetObjectAddress(pkt, buflet) +
        BigInt(chan.bufletGetDataOffset(pkt, buflet));
      check(buf !== 0n, "buf != NULL");
      const bufLen = chan.bufletGetDataLimit(pkt, buflet);
      check(bufLen !== 0, "buf_len != 0");
      if (!userPacketPool) {
        check(buf === prop.bufPtr, "buf == prop.sp_buf_ptr");
        check(bufLen === prop.len, "buf_len == prop.sp_len");
      }
      const frameLength = this.#populate(pkt);
      const seq = this.packetNumber;
      // pktid_sequence_number is 16 bits wide: upstream truncates, so do we
      this.#pktidView.setUint16(2, seq & 0xffff, true);
      this.#pktidView.setUint32(4, seq & 0xffff, true);
      chan.packetSetPacketId(pkt, this.#pktid);
      if (prehook !== null) prehook(pkt);
      chan.packetFinalize(pkt);
      if (this.#debug) {
        this.log.debug(`\nPort ${this.port.port} transmitting ${frameLength} bytes:`);
      }
      check(frameLength !== 0, "frame_length != 0");
      if (userPacketPool) {
        chan.slotAttachPacket(Ring.tx, slot, pkt);
      } else {
        prop.len = frameLength;
        chan.setSlotProperties(Ring.tx, slot, prop);
      }
      lastSlot = slot;
      this.packetNumber++;
      if (this.packetNumber >= limit) break;
    }
    if (lastSlot >= 0) {
      chan.advanceSlot(Ring.tx, lastSlot);
      chan.sync(SyncMode.tx);
    }
  }

  /** skt_netif_ipv6_udp_frame_populate: returns the frame length. */
  #populate(pkt: number): number {
    const { chan } = this.port;
    const buf = chan.packetGetNextBuflet(pkt, -1);
    check(buf >= 0, "buf != NULL");
    chan.bufletSetDataOffset(pkt, buf, 0);
    const bdlim = chan.bufletGetDataLimit(pkt, buf);
    check(bdlim !== 0, "bdlim != 0");
    check(chan.bufletGetObjectAddress(pkt, buf) !== 0n, "baddr != NULL");
    const frameLength = this.#builder.length;
    check(chan.packetGetBufletCount(pkt) === 1, "os_packet_get_buflet_count(ph) == 1");
    check(bdlim >= frameLength, "bdlim >= frame_length");
    chan.packetSetLinkHeaderLength(pkt, 14);
    this.#builder.build(this.packetNumber);
    chan.bufletWrite(pkt, buf, 0, this.#builder.frame.bytes, frameLength);
    chan.bufletSetDataLength(pkt, buf, frameLength);
    return frameLength;
  }
}

/** skt_netif_channel_receive and skt_netif_ipv6_udp_frame_process, over one channel. */
export class Receiver {
  receiveCount = 0;
  receiveIndex = 0;
  /** sum of every call's *pkts_dropped (upstream resets it per call and never reads it) */
  gapsTotal = 0;
  /** skt: each forward gap as [first missing packet number, count] */
  readonly gapRanges: [number, number][] = [];
  lastReceived = -1;
  readonly #prop = new SlotProp();
  readonly #frame = new FrameBuffer();
  readonly #debug: boolean;

  constructor(readonly port: ChannelPort, readonly child: number, readonly log: Log) {
    this.#debug = log.debugEnabled ?? true;
  }

  receive(limit: number, errorsOk: boolean): void {
    const { chan, userPacketPool } = this.port;
    const prop = this.#prop;
    const frameLength = FRAME_LEN;
    check(this.receiveIndex < limit, "*receive_index < limit");
    let lastSlot = -1;
    while (true) {
      const slot = chan.getNextSlot(Ring.rx, lastSlot, prop);
      if (slot < 0) break;
      check(prop.bufPtr !== 0n, "prop.sp_buf_ptr != 0");
      const pkt = chan.slotGetPacket(Ring.rx, slot);
      check(pkt !== 0, "pkt != 0");
      if (userPacketPool) chan.slotDetachPacket(Ring.rx, slot, pkt);
      const buflet = chan.packetGetNextBuflet(pkt, -1);
      check(buflet >= 0, "buflet != NULL");
      const bdoff = chan.bufletGetDataOffset(pkt, buflet);
      const buf = chan.bufletGetObjectAddress(pkt, buflet) + BigInt(bdoff);
      const pktLen = chan.packetGetDataLength(pkt);
      check(buf === prop.bufPtr, "buf == prop.sp_buf_ptr");
      check(pktLen === prop.len, "pkt_len == prop.sp_len");
      check(pktLen <= frameLength, "pkt_len <= frame_length");
      const packetNumber = this.#processFrame(pkt, pktLen);
      if (this.#debug) this.log.debug(`\nPort ${this.port.port} received ${pktLen} bytes:`);
      lastSlot = slot;
      if (this.receiveIndex !== packetNumber) {
        const dropped = this.#sequenceGap(packetNumber, errorsOk);
        this.gapsTotal += dropped;
        if (packetNumber > this.receiveIndex) this.gapRanges.push([this.receiveIndex, dropped]);
        if (this.#debug) {
          this.log.debug(
            `child ${this.child} dropped ${dropped} (received #${packetNumber}, expected #${this.receiveIndex})`,
          );
        }
        this.receiveIndex = packetNumber;
      }
      if (userPacketPool) chan.packetFree(pkt);
      this.lastReceived = packetNumber;
      this.receiveCount++;
      this.receiveIndex++;
      if (this.receiveIndex === limit) break;
    }
    if (lastSlot >= 0) {
      chan.advanceSlot(Ring.rx, lastSlot);
      chan.sync(SyncMode.rx);
    }
  }

  /** The order check: frames missing before this one (a backwards one fails the test). */
  #sequenceGap(packetNumber: number, errorsOk: boolean): number {
    try {
      return sequenceGap(packetNumber, this.receiveIndex, errorsOk);
    } catch (e) {
      if (!(e instanceof FrameCheckError)) throw e;
      throw this.#refused(e, ` carrying packet number ${packetNumber}`);
    }
  }

  #refused(e: FrameCheckError, carried: string): TestFailure {
    return new TestFailure(
      `frame #${this.receiveCount} received by child ${this.child} (expected packet #${this.receiveIndex}${carried}) ` +
        `failed the ${e.check} check: ${e.message}`,
    );
  }

  /** skt_netif_ipv6_udp_frame_process, returning the payload's packet number. */
  #processFrame(pkt: number, pktLen: number): number {
    const { chan } = this.port;
    check(chan.packetGetBufletCount(pkt) === 1, "os_packet_get_buflet_count(ph) == 1");
    const buflet = chan.packetGetNextBuflet(pkt, -1);
    check(buflet >= 0, "buflet != NULL");
    const offset = chan.bufletGetDataOffset(pkt, buflet);
    const linkHeaderLength = chan.packetGetLinkHeaderLength(pkt);
    chan.bufletRead(pkt, buflet, offset, this.#frame.bytes, pktLen);
    try {
      processFrame(this.#frame, pktLen, linkHeaderLength, PAYLOAD_LEN);
    } catch (e) {
      if (!(e instanceof FrameCheckError)) throw e;
      const carried = pktLen >= HDR_LEN + 4
        ? ` carrying packet number ${framePacketNumber(this.#frame)}`
        : "";
      throw this.#refused(e, carried);
    }
    return framePacketNumber(this.#frame);
  }
}

/** skt_process_if_adv: read the advisory, retrying once on a torn read. */
function processIfAdv(chan: Channel, out: Uint8Array, log: Log): void {
  let rc = chan.getInterfaceAdvisory(out);
  if (rc === -errno("EAGAIN")) {
    log.info("retrying interface advisory get");
    rc = chan.getInterfaceAdvisory(out);
  }
  if (rc < 0) chan.shim.check(rc, "os_channel_get_interface_advisory");
}

/** Each handler also gets the event's packet number (pktid_sequence_number). */
interface ChannelEventHandlers {
  onStatus(status: number, seq: number): void;
  onExpired(status: number, deadline: bigint, timestamp: bigint, seq: number): void;
}

/** skt_process_channel_event: takes exactly one event per NOTE_CHANNEL_EVENT wake-up. */
function processChannelEvent(
  chan: Channel,
  out: Uint8Array,
  view: DataView,
  handlers: ChannelEventHandlers,
): void {
  // skt_process_chan_event_common: fetch the event and its data, then check
  const { handle, type, nevents } = chan.getNextEventHandle();
  const event = chan.eventGetNextEvent(handle, -1);
  if (event < 0) chan.shim.check(event, "os_channel_event_get_next_event");
  chan.eventGetEventData(handle, event, out);
  const eventType = view.getUint32(0, true);
  const more = view.getUint32(4, true);
  const length = view.getUint32(8, true);
  const data = 16;
  // the event data starts with the sender's packet_id_t
  check(PACKET_ID_SIZE <= length, "sizeof(*packet_id) <= ed.event_data_length");
  check(nevents === 1, "nevents == 1");
  check(type === eventType, "etype == ed.event_type");
  check(
    view.getUint8(data + 1) === NETIF_PKTID_PAYLOAD_TYPE,
    "packet_id->pktid_payload_type == payload_type",
  );
  check(
    view.getUint32(data + 8, true) === NETIF_PKTID_STREAM_ID,
    "packet_id->pktid_stream_identifier == stream_id",
  );
  check(
    view.getUint8(data) === PKTID_VERSION_CURRENT,
    "packet_id->pktid_version == OS_PACKET_PKTID_VERSION_CURRENT",
  );
  check(more === 0, "!ed.event_more");
  check(length <= CHANNEL_EVENT_MAX_PAYLOAD_LEN, "ed.event_data_length <= max_event_dlen");
  chan.eventFree(handle);
  const seq = view.getUint16(data + 2, true);
  switch (eventType) {
    case ChannelEventType.transmitStatus:
      check(
        length === TRANSMIT_STATUS_EVENT_SIZE,
        "event_dlen == sizeof(os_channel_event_packet_transmit_status_t)",
      );
      handlers.onStatus(view.getInt32(data + 16, true), seq);
      break;
    case ChannelEventType.transmitExpired:
      check(
        length === TRANSMIT_EXPIRED_EVENT_SIZE,
        "event_dlen == sizeof(os_channel_event_packet_transmit_expired_t)",
      );
      handlers.onExpired(
        view.getUint16(data + 32, true),
        view.getBigUint64(data + 16, true),
        view.getBigUint64(data + 24, true),
        seq,
      );
      break;
    default:
      // netifdirect passes no wildcard handler
      check(false, `wildcard_handler != NULL (channel event type ${eventType})`);
  }
}
