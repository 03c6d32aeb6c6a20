/*
 * skt_shim.h: the one ABI that every skt backend exports to Deno (ffi/symbols.ts).
 *
 * Shaped after the Skywalk SPI (skt_spi.h) with FFI-friendly types:
 *   - status:   int32_t, 0 or a non-negative value on success, -errno on failure;
 *   - handles:  channel and nexus controller are opaque pointers (created once);
 *               slots are opaque tokens (int32 >= 0, -1 = none: not ring
 *               indexes, see DESIGN.md), packets are u32
 *               handles from a per-channel table (0 = none), buflets are
 *               indexes within a packet (int32, -1 = none);
 *   - 64-bit:   uint64_t (bigint in JS) only for times and addresses;
 *   - bytes:    copied by C between packet buffers and JS-owned buffers.
 * The message of the last failure in this thread is kept for skt_last_error.
 *
 * Calls libsyscall would abort on or the kernel kill the process for (attach an
 * unfinalized packet, advance past an RX slot still holding a packet in UPP
 * mode, ...) are checked first and refused with -EINVAL and xnu's reason.
 */
#ifndef SKT_SHIM_H
#define SKT_SHIM_H

#include <stdint.h>
#include "skt_platform.h"

#define SKT_SHIM_ABI_VERSION 3  /* 2: slots are tokens; a listener flow returns NEXUS_PORT_ANY; 3: pool mapping and fused calls */

#if defined(__GNUC__)
#define SKT_EXPORT __attribute__((visibility("default")))
#else
#define SKT_EXPORT
#endif

/* ring selectors */
#define SKT_RING_TX 0
#define SKT_RING_RX 1

typedef struct skt_nxctl skt_nxctl;
typedef struct skt_channel skt_channel;

/* --- identity and errors --- */
SKT_EXPORT uint32_t skt_abi_version(void);
/* writes the backend name ("sim", "skywalk") NUL-terminated; returns its length */
SKT_EXPORT int32_t skt_backend_name(char *buf, uint32_t len);
/* writes the message of this thread's last failure; returns its length */
SKT_EXPORT int32_t skt_last_error(char *buf, uint32_t len);

/* --- environment (sim: the shared-memory domain at `path`; skywalk: no-op) --- */
SKT_EXPORT int32_t skt_env_create(const char *path);
SKT_EXPORT int32_t skt_env_attach(const char *path);
SKT_EXPORT int32_t skt_env_detach(void);
SKT_EXPORT int32_t skt_env_destroy(const char *path);

/* --- sysctl, mirrors sysctlbyname; *oldlenp in/out --- */
SKT_EXPORT int32_t skt_sysctlbyname(const char *name, void *oldp, uint32_t *oldlenp,
    const void *newp, uint32_t newlen);

/* --- interfaces, mirrors the ioctls of the upstream helpers --- */
SKT_EXPORT int32_t skt_ifnet_create(const char *ifname);     /* -EEXIST if present */
SKT_EXPORT int32_t skt_ifnet_destroy(const char *ifname);    /* -ENXIO if absent */
SKT_EXPORT int32_t skt_ifnet_set_up(const char *ifname);
SKT_EXPORT int32_t skt_feth_set_peer(const char *ifname, const char *peer);
SKT_EXPORT int32_t skt_ifnet_get_lladdr(const char *ifname, uint8_t *mac6);
SKT_EXPORT int32_t skt_ifnet_get_netif_nexus(const char *ifname, uint8_t *uuid16);
/* counters, see SKT_STAT_* ; returns how many were written */
SKT_EXPORT int32_t skt_ifnet_get_stats(const char *ifname, uint64_t *out, uint32_t n);
#define SKT_STAT_TX_PACKETS        0  /* handed to the driver */
#define SKT_STAT_TX_DELIVERED      1  /* copied into a peer channel's RX ring */
#define SKT_STAT_DROP_RX_RING_FULL 2  /* peer RX ring full */
#define SKT_STAT_DROP_NO_FLOW      3  /* no peer flow matched */
#define SKT_STAT_DROP_TX_RATE      4  /* net.link.fake.tx_drops rule */
#define SKT_STAT_DROP_EXPIRED      5  /* expiry policy drop */
#define SKT_STAT_DROP_NOMEM        6  /* the peer channel's pool exhausted */
#define SKT_STAT_EV_SENT           7
#define SKT_STAT_EV_DROP           8  /* event ring full / no knote */
#define SKT_STAT_IF_ADV_SENT       9
/* the device side: feth's own packet pools (appended; older callers ask for fewer) */
#define SKT_STAT_DEV_TX_ALLOC      10 /* packets taken from this interface's device TX pool */
#define SKT_STAT_DEV_RX_ALLOC      11 /* packets taken from its device RX pool (copies of the peer's) */
#define SKT_STAT_DEV_RX_FRAMES     12 /* frames its device received from the peer */
#define SKT_STAT_RX_FROM_TX_POOL   13 /* of those, frames held in a pool that also serves TX */
#define SKT_STAT_DROP_DEV_NOMEM    14 /* a device pool was exhausted */
/* netif's own drops (appended) */
#define SKT_STAT_DROP_UNCONSUMED   15 /* NETIF_STATS_DROP: feth left the chain (no peer channel) */
#define SKT_STAT_DROP_NO_RX_CB     16 /* NETIF_STATS_DROP_NO_RX_CB: bcast/mcast dst on a low-latency peer */
/* the receiving side (appended): frames in a channel's RX ring that it never read, counted on
 * its interface when the channel closes (frames in flight when the receiver stopped) */
#define SKT_STAT_RX_LEFT_AT_CLOSE  17
#define SKT_STAT_COUNT             18
/* afxdp only (appended after SKT_STAT_COUNT; the sim and skywalk write SKT_STAT_COUNT):
 * the socket's XDP_STATISTICS, the veth's own counters, the XDP mode and
 * what the UMEM addresses prove about split pools */
#define SKT_STAT_XDP_MODE          18 /* 1 native (DRV), 2 generic (SKB) */
#define SKT_STAT_XDP_ZEROCOPY      19 /* XDP_OPTIONS: 1 if bound zero copy */
#define SKT_STAT_XDP_ZC_TRIED      20 /* 1 if XDP_ZEROCOPY was tried first */
#define SKT_STAT_XDP_ZC_ERRNO      21 /* its errno (0: accepted) */
#define SKT_STAT_XSK_RX_DROPPED    22 /* xdp_statistics.rx_dropped */
#define SKT_STAT_XSK_RX_INVALID    23 /* rx_invalid_descs */
#define SKT_STAT_XSK_TX_INVALID    24 /* tx_invalid_descs */
#define SKT_STAT_XSK_RX_RING_FULL  25 /* rx_ring_full */
#define SKT_STAT_XSK_FILL_EMPTY    26 /* rx_fill_ring_empty_descs */
#define SKT_STAT_XSK_TX_RING_EMPTY 27 /* tx_ring_empty_descs */
#define SKT_STAT_LINK_RX_PACKETS   28 /* the interface's rtnl_link_stats */
#define SKT_STAT_LINK_RX_DROPPED   29
#define SKT_STAT_LINK_TX_PACKETS   30
#define SKT_STAT_LINK_TX_DROPPED   31
#define SKT_STAT_XSK_RX_FRAMES     32 /* descriptors taken from the RX ring */
#define SKT_STAT_XSK_TX_COMPLETED  33 /* addresses taken from the completion ring */
#define SKT_STAT_TX_IN_RX_REGION   34 /* TX descriptors whose frame lies in the RX half */
#define SKT_STAT_TX_ADDR_MIN       35 /* lowest / highest UMEM offset sent and received */
#define SKT_STAT_TX_ADDR_MAX       36
#define SKT_STAT_RX_ADDR_MIN       37
#define SKT_STAT_RX_ADDR_MAX       38
#define SKT_STAT_XSK_RX_UNREAD     39 /* frames in the RX ring and RX slots the user has not advanced past */
#define SKT_STAT_STATS_WAIT_MS     40 /* ms this reading waited for the frames counted in to reach the socket */
#define SKT_STAT_AFXDP_COUNT       41

/* --- nexus --- */
SKT_EXPORT int32_t skt_nexus_controller_create(uint64_t *out /* skt_nxctl* */);
SKT_EXPORT void skt_nexus_controller_destroy(skt_nxctl *ctl);
/* returns the flow's nexus port (>= 0; 65535 = NEXUS_PORT_ANY for a listener
 * flow, which binds none) or -errno; NULL addresses = none */
SKT_EXPORT int32_t skt_nexus_flow_add(skt_nxctl *ctl, const uint8_t *nx_uuid16, uint32_t flags,
    const uint8_t *saddr16, const uint8_t *daddr16);

/* --- channel --- */
/* attrs: nattrs (key, value) int64 pairs, keys CHANNEL_ATTR_*; effective:
 * CHANNEL_ATTR_COUNT int64 values (-1 where unknown) written back; out: skt_channel* */
SKT_EXPORT int32_t skt_channel_create(const uint8_t *nx_uuid16, uint32_t port,
    const int64_t *attrs, uint32_t nattrs, int64_t *effective, uint64_t *out);
SKT_EXPORT void skt_channel_destroy(skt_channel *ch);
SKT_EXPORT int32_t skt_channel_get_fd(skt_channel *ch);
SKT_EXPORT int32_t skt_channel_sync(skt_channel *ch, uint32_t mode);

/* --- slots (ring = SKT_RING_TX / SKT_RING_RX) --- */
/* returns the token of the slot after `prev` (-1 = from head) or -1 if none; fills *prop
 * (64 B, slot_prop_t, as libsyscall does: sp_idx is 0 on a user-packet-pool TX ring) */
SKT_EXPORT int32_t skt_ring_get_next_slot(skt_channel *ch, uint32_t ring, int32_t prev, uint8_t *prop);
SKT_EXPORT int32_t skt_ring_advance_slot(skt_channel *ch, uint32_t ring, uint32_t slot);
SKT_EXPORT int32_t skt_ring_set_slot_properties(skt_channel *ch, uint32_t ring, uint32_t slot,
    const uint8_t *prop);
/* packet handle attached to the slot, 0 if none */
SKT_EXPORT int32_t skt_ring_slot_get_packet(skt_channel *ch, uint32_t ring, uint32_t slot);
SKT_EXPORT int32_t skt_ring_slot_attach_packet(skt_channel *ch, uint32_t ring, uint32_t slot, uint32_t pkt);
SKT_EXPORT int32_t skt_ring_slot_detach_packet(skt_channel *ch, uint32_t ring, uint32_t slot, uint32_t pkt);
/* os_channel_available_slot_count: free TX slots (one always stays empty) or filled RX slots */
SKT_EXPORT int32_t skt_ring_available_slots(skt_channel *ch, uint32_t ring);

/* --- user packet pool --- */
SKT_EXPORT int32_t skt_packet_alloc(skt_channel *ch);              /* handle > 0 or -errno */
SKT_EXPORT int32_t skt_packet_free(skt_channel *ch, uint32_t pkt);

/* --- packets --- */
SKT_EXPORT int32_t skt_packet_get_next_buflet(skt_channel *ch, uint32_t pkt, int32_t prev);
SKT_EXPORT int32_t skt_packet_get_buflet_count(skt_channel *ch, uint32_t pkt);
SKT_EXPORT int32_t skt_packet_set_link_header_length(skt_channel *ch, uint32_t pkt, uint32_t len);
SKT_EXPORT int32_t skt_packet_get_link_header_length(skt_channel *ch, uint32_t pkt);
SKT_EXPORT int32_t skt_packet_get_data_length(skt_channel *ch, uint32_t pkt);
SKT_EXPORT int32_t skt_packet_set_packetid(skt_channel *ch, uint32_t pkt, const uint8_t *id16);
SKT_EXPORT int32_t skt_packet_get_packetid(skt_channel *ch, uint32_t pkt, uint8_t *id16);
SKT_EXPORT int32_t skt_packet_set_expire_time(skt_channel *ch, uint32_t pkt, uint64_t ts);
/* 0 and *ts, or -ENOENT when the packet carries no expire time */
SKT_EXPORT int32_t skt_packet_get_expire_time(skt_channel *ch, uint32_t pkt, uint64_t *ts);
SKT_EXPORT int32_t skt_packet_set_expiry_action(skt_channel *ch, uint32_t pkt, uint32_t action);
SKT_EXPORT int32_t skt_packet_finalize(skt_channel *ch, uint32_t pkt);

/* --- buflets (b = index within the packet) --- */
SKT_EXPORT int32_t skt_buflet_set_data_offset(skt_channel *ch, uint32_t pkt, uint32_t b, uint32_t off);
SKT_EXPORT int32_t skt_buflet_get_data_offset(skt_channel *ch, uint32_t pkt, uint32_t b);
SKT_EXPORT int32_t skt_buflet_set_data_length(skt_channel *ch, uint32_t pkt, uint32_t b, uint32_t len);
SKT_EXPORT int32_t skt_buflet_get_data_length(skt_channel *ch, uint32_t pkt, uint32_t b);
SKT_EXPORT int32_t skt_buflet_get_data_limit(skt_channel *ch, uint32_t pkt, uint32_t b);
SKT_EXPORT uint64_t skt_buflet_get_object_address(skt_channel *ch, uint32_t pkt, uint32_t b);
/* copy len bytes between the buflet's object (at `off` from its address) and a JS buffer */
SKT_EXPORT int32_t skt_buflet_write(skt_channel *ch, uint32_t pkt, uint32_t b, uint32_t off,
    const uint8_t *src, uint32_t len);
SKT_EXPORT int32_t skt_buflet_read(skt_channel *ch, uint32_t pkt, uint32_t b, uint32_t off,
    uint8_t *dst, uint32_t len);

/* --- the packet pool's memory (pool_map.c) --- */
/* out2: the address and size of the one mapping that holds the channel's
 * packet buffers in this process; every buflet object address lies in it */
SKT_EXPORT int32_t skt_channel_get_pool(skt_channel *ch, uint64_t *out2);
/* maps the pool's pages a second time at buf + off (page-aligned, size bytes
 * of buf replaced): a WebAssembly memory then holds the pool. -ENOTSUP where
 * the platform cannot; undone by skt_channel_unalias_pool or at destroy */
SKT_EXPORT int32_t skt_channel_alias_pool(skt_channel *ch, uint8_t *buf, uint32_t off, uint32_t size);
SKT_EXPORT int32_t skt_channel_unalias_pool(skt_channel *ch);

/* --- fused calls (fused.c): upstream's runs of SPI calls, one crossing ---
 * Each makes exactly the calls of the run, in upstream's order, writes every
 * value to io (int32 words) and stops after the first value upstream's
 * assertion would refuse, so no later call is made; it returns how many
 * values it wrote. The caller asserts each value as upstream does. */
#define SKT_IO_WORDS     48
#define SKT_IO_PROP      16   /* io[16..31]: slot_prop_t of the run's slot */
#define SKT_IO_PKTID     32   /* io[32..35]: packet_id_t for skt_tx_end */
#define SKT_IO_FREE_RC   13   /* skt_rx_next: os_channel_packet_free's result */
#define SKT_IO_UPP       36   /* io[36]: port->user_packet_pool, set by the caller */
#define SKT_IO_END       37   /* io[37..41]: skt_tx_end's values */
/* skt_netif_channel_send lines 317-345 + frame_populate lines 202-212:
 * [0] slot [1] pkt [2] buflet [3,4] object address [5] data offset
 * [6] data limit [7] buflet [8] set_data_offset(0) [9] data limit
 * [10,11] object address [12] buflet count */
SKT_EXPORT int32_t skt_tx_begin(skt_channel *ch, int32_t prev, int32_t *io);
/* phases 1: frame_populate 221, 248 and send 357 (link header length, data
 * length, packet id) at io[37..39]; phases 2: send 363-379 (finalize, frame
 * length != 0, attach or set_slot_properties) at io[40..41]; 3: both.
 * phases | 4: the loop goes on (send 380-384: packet_number < limit), so
 * skt_tx_begin(ch, slot, io) follows at once; returns 5 + its count then. */
SKT_EXPORT int32_t skt_tx_end(skt_channel *ch, uint32_t slot, uint32_t pkt, uint32_t buflet,
    uint32_t l2len, uint32_t frame_len, uint32_t phases, int32_t *io);
/* free_pkt != 0: receive 503 (packet free of the previous frame) first; then
 * receive 441-466 + frame_process 265-271: [0] slot [1] pkt [2] detach
 * [3] buflet [4] data offset [5,6] object address [7] data length
 * [8] buflet count [9] buflet [10] data offset [11] link header length */
SKT_EXPORT int32_t skt_rx_next(skt_channel *ch, int32_t prev, uint32_t free_pkt, uint32_t frame_max,
    int32_t *io);

/* --- interface advisory and channel events --- */
SKT_EXPORT int32_t skt_channel_configure_interface_advisory(skt_channel *ch, uint32_t enable);
SKT_EXPORT int32_t skt_channel_get_interface_advisory(skt_channel *ch, uint8_t *adv96);
/* out: [handle, event type, nevents] */
SKT_EXPORT int32_t skt_channel_get_next_event_handle(skt_channel *ch, uint32_t *out3);
/* returns the event index after `prev` (-1 = first) or -ENODATA */
SKT_EXPORT int32_t skt_channel_event_get_next_event(skt_channel *ch, uint32_t handle, int32_t prev);
/* out (56 B): u32 type, u32 more, u32 length, u32 pad, u8 data[40] (copy) */
SKT_EXPORT int32_t skt_channel_event_get_event_data(skt_channel *ch, uint32_t handle, uint32_t ev,
    uint8_t *out);
SKT_EXPORT int32_t skt_channel_event_free(skt_channel *ch, uint32_t handle);

/* --- kevent stand-in and time --- */
SKT_EXPORT int32_t skt_kqueue(void);
SKT_EXPORT int32_t skt_kqueue_close(int32_t kq);
/*
 * timeout_ns < 0 waits forever; returns the number of events written.
 * At most SKT_KEVENT_MAX changes and SKT_KEVENT_MAX events per call (-EINVAL
 * above): the records are copied through stack arrays of that size.
 */
#define SKT_KEVENT_MAX 64
SKT_EXPORT int32_t skt_kevent(int32_t kq, const uint8_t *changes, uint32_t nchanges,
    uint8_t *events, uint32_t nevents, int64_t timeout_ns);
SKT_EXPORT uint64_t skt_mach_absolute_time(void);
SKT_EXPORT int32_t skt_mach_timebase_info(uint32_t *numer_denom);
SKT_EXPORT int32_t skt_usleep(uint32_t usec);

#endif /* SKT_SHIM_H */
