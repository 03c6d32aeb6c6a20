/** Skywalk SPI constants, with the values of xnu's headers (see ffi/shim/skt_spi.h). */

export const Ring = { tx: 0, rx: 1 } as const;
export type Ring = typeof Ring[keyof typeof Ring];

export const SyncMode = { tx: 0, rx: 1 } as const;

/**
 * CHANNEL_ATTR_* keys. txSlots/rxSlots read back the nexus provider's parameters
 * (os_channel_info2attr), not the channel's ring sizes: 2 for feth's netif.
 */
export const ChannelAttr = {
  txSlots: 2,
  rxSlots: 3,
  slotBufSize: 4,
  exclusive: 6,
  txLowatUnit: 9,
  txLowatValue: 10,
  rxLowatUnit: 11,
  rxLowatValue: 12,
  userPacketPool: 24,
  nexusDefunctOk: 26,
  eventRing: 28,
  numBuffers: 30,
  lowLatency: 31,
  count: 33,
} as const;

export const NexusFlowFlags = { ipv6Ula: 0x0010, listener: 0x0020 } as const;

export const EvFilter = { read: -1, write: -2, nwChannel: -16 } as const;
export const EvFlag = { add: 0x1, delete: 0x2, enable: 0x4, disable: 0x8, error: 0x4000 } as const;
export const Note = { flowAdvUpdate: 0x1, channelEvent: 0x2, ifAdvUpdate: 0x4 } as const;

export const ChannelEventType = { transmitStatus: 1, transmitExpired: 2 } as const;
export const TransmitStatus = { success: 0, errFlush: 1, errRetryFailed: 2 } as const;
export const TransmitExpiredStatus = {
  notExpired: 0,
  expiredDropped: 1,
  expiredNotDropped: 2,
} as const;
export const CHANNEL_EVENT_MAX_PAYLOAD_LEN = 40;
export const PACKET_ID_SIZE = 16;
export const TRANSMIT_STATUS_EVENT_SIZE = 20;
export const TRANSMIT_EXPIRED_EVENT_SIZE = 40;

export const PacketExpiryAction = { none: 0, drop: 1, notify: 2 } as const;
export const PKTID_VERSION_CURRENT = 1;
export const INTERFACE_ADVISORY_SIZE = 96;

/** kern.skywalk.features bits (bsd/skywalk/os_skywalk_private.h). */
export const SkFeature = {
  skywalk: 1n << 0n,
  development: 1n << 1n,
  debug: 1n << 2n,
  nexusFlowswitch: 1n << 3n,
  nexusMonitor: 1n << 4n,
  nexusNetif: 1n << 5n,
  nexusUserPipe: 1n << 6n,
  nexusKernelPipe: 1n << 7n,
  kernelPipeLoopback: 1n << 8n,
  devOrDebug: 1n << 9n,
  netns: 1n << 10n,
  protons: 1n << 11n,
} as const;

/** Counters of skt_ifnet_get_stats, in the order of SKT_STAT_* in skt_shim.h. */
export const IfStat = {
  /** packets the interface's driver was handed to transmit */
  txPackets: 0,
  /** frames copied into a peer channel's RX ring */
  txDelivered: 1,
  /** frames dropped because the peer channel's RX ring was full */
  dropRxRingFull: 2,
  /** frames dropped because no flow of the peer matched them */
  dropNoFlow: 3,
  /** frames dropped by the fake driver's every-Nth rule (net.link.fake.tx_drops) */
  dropTxRate: 4,
  /** frames dropped because their expiry time had passed (tx_exp_policy 1) */
  dropExpired: 5,
  /** frames dropped because the peer channel's pool was exhausted */
  dropNoMem: 6,
  /** channel events posted (transmit status and expired) */
  eventsSent: 7,
  /** channel events lost (event ring full, or no knote registered) */
  eventsDropped: 8,
  /** interface advisory reports written */
  ifAdvSent: 9,
  /** packets taken from the interface's device TX pool (each user packet is copied there) */
  devTxAlloc: 10,
  /** packets taken from its device RX pool (copies of the peer's frames; 0 with a global pool) */
  devRxAlloc: 11,
  /** frames its device received from the peer */
  devRxFrames: 12,
  /** of those, frames held in a pool that also serves TX (0 with split pools) */
  rxFromTxPool: 13,
  /** a device pool was exhausted */
  dropDevNoMem: 14,
  /** NETIF_STATS_DROP: feth left the chain unconsumed (no peer, or no channel on it) */
  dropUnconsumed: 15,
  /** NETIF_STATS_DROP_NO_RX_CB: broadcast/multicast destination on a low-latency peer */
  dropNoRxCb: 16,
  /** frames its channel left unread in the RX ring when it closed (in flight at the stop) */
  rxLeftAtClose: 17,
  /** how many counters there are (not a counter) */
  count: 18,
} as const;

/**
 * The afxdp backend's counters, appended to IfStat's (SKT_STAT_XDP_* .. in
 * skt_shim.h): the socket's XDP_STATISTICS, the veth's own counters, the XDP
 * mode, and the UMEM offsets that prove split pools.
 */
export const XdpStat = {
  /** 1 native (DRV), 2 generic (SKB) */
  mode: 18,
  /** bound zero copy (XDP_OPTIONS) */
  zeroCopy: 19,
  /** 1 when XDP_ZEROCOPY was tried first (copy mode) */
  zeroCopyTried: 20,
  /** the errno of that try, 0 when it was accepted */
  zeroCopyErrno: 21,
  rxDropped: 22,
  rxInvalidDescs: 23,
  txInvalidDescs: 24,
  rxRingFull: 25,
  rxFillRingEmptyDescs: 26,
  txRingEmptyDescs: 27,
  linkRxPackets: 28,
  linkRxDropped: 29,
  linkTxPackets: 30,
  linkTxDropped: 31,
  /** descriptors taken from the socket's RX ring */
  rxFrames: 32,
  /** addresses taken from the completion ring */
  txCompleted: 33,
  /** TX descriptors whose chunk lies in the RX half of a split UMEM */
  txInRxRegion: 34,
  txAddrMin: 35,
  txAddrMax: 36,
  rxAddrMin: 37,
  rxAddrMax: 38,
  /** frames in the RX ring and slots the user had not taken when the counters were read */
  rxUnread: 39,
  /** ms the reading waited for the frames the veth counted in to reach the socket */
  statsWaitMs: 40,
  count: 41,
} as const;

/** SKT_STAT_XDP_MODE values. */
export const XDP_MODE_NAMES: Record<number, string> = { 1: "DRV", 2: "SKB" };
