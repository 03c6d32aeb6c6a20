/**
 * The constants and shapes shared by the parts of the netifdirect port
 * (xfer.ts, transfer.ts, send.ts, receive.ts, events.ts, tally.ts).
 */
import type { Channel } from "../../ffi/spi.ts";
import type { IfStat, XdpStat } from "../../ffi/constants.ts";
import type { Log } from "../log.ts";

export type { Log };

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

/** The event sources a test registers (upstream's EV_FLAG_*). */
export const EvFlagIfAdv = 0x1;
export const EvFlagChannel = 0x2;
export const EvFlagExpiry = 0x4;

/** Upstream's test identifiers (argv[5] of the child). */
export const TestId = {
  txrx: 1,
  ifAdvEnabled: 2,
  ifAdvDisabled: 3,
  channelEvents: 4,
  expiryEvents: 5,
} as const;
export type TestId = typeof TestId[keyof typeof TestId];

/** Knobs of a run; upstream's values are the defaults. */
export interface XferOptions {
  packets: number;
  batch: number;
  /** usleep() after each TX batch ("yield for the peer thread to read"); 0 = unpaced */
  paceUs: number;
  /** called once the channel is open: the ready/go barrier */
  readyGo: () => Promise<void>;
  log: Log;
  /** test-only fault (faults.ts, no-expire): the expiry prehook sets no expire time */
  prehookSetsNothing?: boolean;
}

/** What a child reports to the parent at the end. */
export interface ChildResult {
  /** the child's index: 0 sends from feth0, 1 from feth1 */
  child: number;
  /** frames this child sent */
  sent: number;
  /** frames this child received and verified */
  received: number;
  /** frames missing from the peer's sequence (gaps seen by this child's receiver) */
  gaps: number;
  /** interface advisory reports handled (upstream's "ifadv events") */
  ifAdvEvents: number;
  /** channel events handled (upstream's "chan events") */
  chanEvents: number;
  /** transmit-status events among the channel events */
  txStatusEvents: number;
  /** transmit-expired events among the channel events */
  txExpiredEvents: number;
  /**
   * average expiry notification delay in ns, as a decimal string (upstream's
   * conversion); present only when expired events arrived
   */
  expiryNotifDelayNs?: string;
  /** average expiry propagation delay in ns, as expiryNotifDelayNs */
  expiryPropDelayNs?: string;
  /** the transfer: ms from go to the end of this child's send/receive loop */
  durationMs: number;
  // What follows is skt's own, for checking runs against the driver's rules.
  /** packet numbers (pktid sequence) of the transmit-status events handled, in order */
  statusEventSeqs?: number[];
  /** packet numbers of the expiry events handled, and how many said dropped / not dropped */
  expiredEventSeqs?: number[];
  /** expiry events that said the frame was dropped */
  expiredDropped?: number;
  /** expiry events that said the frame was not dropped */
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
  /** afxdp: the socket's XDP_STATISTICS, the veth's counters, the XDP mode (XdpStat names) */
  xdp?: Partial<Record<XdpStatName, number>>;
  /** what the strict checks need (strict.ts); never an input to upstream's verdict */
  strict?: StrictProbe;
}

/** What a child measures for skt's strict verdict, beside upstream's checks. */
export interface StrictProbe {
  /** what failed in skt's own reads (read-backs, event drain, counters) */
  problems: string[];
  /** frames whose expire time read back as the prehook set it (expiry test) */
  expireTimeSet?: number;
  /** upstream's expiry deadline in real ns (ticks x numer / denom) */
  expiryDeadlineNs?: number;
  /** advisories handled in the transfer loop, before any linger */
  ifAdvInTransfer?: number;
  /** the peer interface's counters read right after this child's loop ended */
  peerStatsAtStop?: Partial<Record<IfStatName, number>>;
}

/** The name of one of the sim's interface counters (ffi/constants.ts IfStat, without its count). */
export type IfStatName = Exclude<keyof typeof IfStat, "count">;
export type XdpStatName = Exclude<keyof typeof XdpStat, "count">;

/** channel_port of skywalk_test_utils.h */
export interface ChannelPort {
  chan: Channel;
  fd: number;
  port: number;
  userPacketPool: boolean;
  mac: Uint8Array;
  ip6: Uint8Array;
}

// ---- skt's strict verdict (strict.ts, strict_checks.ts)

export type IfStats = Partial<Record<IfStatName, number>>;

export interface StrictCheck {
  /** short and stable, e.g. "accounting feth0->feth1" */
  name: string;
  ok: boolean | null;
  /** what was measured, with numbers */
  detail: string;
}

export type StrictVerdict = "pass" | "fail" | "unmeasured";

export interface StrictReport {
  verdict: StrictVerdict;
  checks: StrictCheck[];
  /** set when upstream's verdict was PASS only thanks to skt's own additions (the linger) */
  upstreamWouldFail: string | null;
}

export interface StrictInput {
  testId: TestId;
  /** the interface of each child, by index (feth0, feth1) */
  ifnames: readonly string[];
  /** each child's result, by index; null when it reported none */
  results: readonly (ChildResult | null)[];
  /** each child's interface counters read after both children exited; null when unreadable */
  finalStats: readonly (IfStats | null)[];
}
