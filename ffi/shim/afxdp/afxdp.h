/*
 * afxdp.h: internal layout of the afxdp backend (Linux AF_XDP over a veth pair).
 *
 * The Skywalk netif channel mapped onto one AF_XDP socket (see ../DESIGN.md,
 * "The afxdp backend"):
 *   - user packet pool  = the UMEM: AXP_FRAMES frames of AXP_FRAME_SIZE bytes,
 *                         one packet_t per frame (struct axp_pkt, process-local);
 *   - TX ring (512)     = a slot array in front of the socket's TX ring; TX sync
 *                         moves attached packets into the TX ring and kicks;
 *   - RX ring (1024)    = a slot array behind the socket's RX ring; frames are
 *                         moved in (attached to slots) when RX readiness is
 *                         evaluated and at RX sync;
 *   - fill / completion = owned by the backend: refilled from the pool and
 *                         reaped back into it at every sync;
 *   - kevent            = readiness from those rings, else poll() on the socket.
 * Everything is process-local: each child owns its channel; the two processes
 * meet only through the kernel (veth pair, one network namespace each).
 */
#ifndef SKT_AFXDP_H
#define SKT_AFXDP_H

#include <stdbool.h>
#include <stdint.h>

#include <xdp/xsk.h>

#include "../skt_shim.h"
#include "../skt_spi.h"

#define AXP_FRAMES      2048   /* packets in the user packet pool */
#define AXP_FRAME_SIZE  2048   /* UMEM chunk = buffer size */
#define AXP_TX_SLOTS    512    /* the kernel netif's TX ring */
#define AXP_RX_SLOTS    1024   /* the kernel netif's RX ring */
#define AXP_FILL_SIZE   1024   /* fill ring: as many frames as the RX ring holds */
#define AXP_COMP_SIZE   512    /* completion ring: as many as the TX ring holds */
#define AXP_MAX_CHAN    4
#define AXP_MAX_IF      4
#define AXP_MAX_FLOWS   16
#define AXP_FIRST_PORT  2      /* NEXUS_PORT_NET_IF_CLIENT, as the netif nexus */
#define AXP_ETHER_HDR   14

enum { AXP_TXR = 0, AXP_RXR = 1 };
/* where a frame is: the pool, the user, a ring slot, or the kernel */
enum { PS_FREE = 0, PS_USER, PS_TXSLOT, PS_KTX, PS_KFILL, PS_RXSLOT };
#define PF_FINALIZED 0x1u
#define PF_PKTID     0x2u

struct channel;

struct __user_buflet {        /* buflet_t */
	uint32_t doff, dlen, dlim;
};

struct axp_pkt {              /* packet_t = its address */
	struct __user_buflet b;
	struct channel *ch;
	uint32_t frame;           /* UMEM chunk index */
	uint32_t len;             /* set by finalize (TX) or by the RX descriptor */
	uint8_t  state, flags, l2len, _pad;
	packet_id_t pktid;
};

struct axp_pool {             /* LIFO free stack of frame indexes */
	uint32_t nfree;
	uint32_t free[AXP_FRAMES];
};

/* A user ring. Counters are free-running u32; slot = counter % n.
 * TX: user owns [head, tail); [khead, head) waits for TX sync; tail = khead + the
 *     socket TX ring's free entries (so it never moves back).
 * RX: [khead, ktail) hold frames; the user owns [head, tail), tail := ktail when
 *     published; RX sync gives [khead, head) back. */
struct channel_ring_desc {
	struct channel *ch;
	int kind;
	uint32_t n;
	struct axp_pkt **slots;
	uint32_t head, tail, khead, ktail;
};

struct channel_attr {
	uint64_t v[CHANNEL_ATTR_COUNT];
	uint64_t set;
};

/* run configuration shared by the parent and the children (env.c) */
enum { BIND_AUTO = 0, BIND_COPY = 1 };
enum { MODE_AUTO = 0, MODE_DRV = 1, MODE_SKB = 2 };

struct axp_ifcfg {
	char name[16];
	char netns[64];           /* "" = the caller's namespace */
};

struct axp_env {
	bool attached;
	int  bind;                /* BIND_* */
	bool split;               /* TX and RX frames from disjoint UMEM halves */
	int  mode;                /* MODE_*: asked for; AUTO = DRV, then SKB */
	int  nif;
	struct axp_ifcfg ifs[AXP_MAX_IF];
};
extern struct axp_env g_env;

/* the counters kept per channel (appended SKT_STAT_* of skt_shim.h) */
struct axp_counters {
	uint64_t tx_submitted, tx_completed, rx_frames;
	uint64_t rx_in_tx_region, tx_in_rx_region;
	uint64_t tx_addr_min, tx_addr_max, rx_addr_min, rx_addr_max;
	uint64_t kicks, kick_again;
};

struct channel {
	bool used;
	char ifname[16];
	int  ifcfg;               /* index in g_env.ifs, -1 if none */
	int  fd;
	int  xdp_mode;            /* MODE_DRV / MODE_SKB actually attached */
	int  zc_tried, zc_errno, zerocopy;
	uint8_t upp, defunct_ok, low_latency;
	uint16_t port;
	uint8_t *area;            /* the UMEM */
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	uint32_t nfill;           /* frames owned by the kernel for RX (fill + RX ring) */
	struct axp_pool pools[2]; /* [0] RX half (split only), [1] TX (all frames when shared) */
	struct axp_pkt pkts[AXP_FRAMES];
	struct axp_pkt *txs[AXP_TX_SLOTS], *rxs[AXP_RX_SLOTS];
	struct channel_ring_desc txr, rxr;
	struct axp_counters c;
	struct xdp_statistics last_stats;
};

struct nexus_controller {
	int dummy;
};

/* env.c */
int axp_if_index(const char *ifname);          /* index in g_env.ifs or -1 */
int axp_netns_enter(const char *ifname, int *saved); /* 0 or -errno; *saved = fd to return to */
void axp_netns_leave(int saved);
void axp_set_why(const char *fmt, ...);
const char *axp_why(void);

/* attr.c, rings.c, xsk.c */
void axp_effective_attrs(channel_attr_t a, const struct channel *ch, unsigned ifindex);
void axp_pools_init(struct channel *ch);
void axp_refill(struct channel *ch);
void axp_tx_publish(struct channel *ch);
int axp_xsk_open(struct channel *ch);
void axp_xsk_close(struct channel *ch);

/* channel.c */
struct channel *axp_channel_by_fd(int fd);
struct channel *axp_channel_by_ifname(const char *ifname);

/* rings.c */
int axp_tx_sync(struct channel *ch);
int axp_rx_sync(struct channel *ch);
uint32_t axp_rx_pull(struct channel *ch);      /* moves RX descriptors into slots; returns user-visible frames */
uint32_t axp_tx_free(struct channel *ch);      /* user-visible free TX slots, kicking a pending TX ring */
uint32_t axp_rx_waiting(struct channel *ch);   /* descriptors produced on the RX ring, not yet taken */
int axp_xdp_stats(struct channel *ch, struct xdp_statistics *st);
void axp_pool_put(struct channel *ch, struct axp_pkt *p);
struct axp_pkt *axp_pool_get(struct channel *ch, int rx);

/* ifnet.c */
int axp_nexus_ifname(const skt_uuid_t uuid, char ifname[16]);
int axp_flow_port_ok(const char *ifname, nexus_port_t port);

static inline struct axp_pkt *axp_pkt_of(packet_t ph) { return (struct axp_pkt *)(uintptr_t)ph; }

#endif /* SKT_AFXDP_H */
