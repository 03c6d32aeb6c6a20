/*
 * sim.h: internal layout and helpers of the sim backend.
 *
 * A domain is one file mapped MAP_SHARED by every process of a run. Everything
 * another process may touch lives in that file and is reached by offsets; the
 * only process-local state is the mapping itself, open channel handles,
 * kqueues and the doorbell sockets. Cross-process synchronisation uses C11
 * atomics only (sim_lock_t is a spinlock built from them).
 */
#ifndef SKT_SIM_H
#define SKT_SIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "../skt_shim.h"
#include "../skt_spi.h"

#define SIM_MAGIC        0x31304d4953544b53ull /* "SKTSIM01" */
#define SIM_VERSION      6u  /* 5: SKT_STAT_RX_LEFT_AT_CLOSE, sim_chan.adv_enabled_at; 6: waiting on its own line */
#define SIM_MAX_IF       16
#define SIM_MAX_CHAN     8
#define SIM_MAX_FLOWS    128
#define SIM_NX_MAXPORTS  128  /* NX_NETIF_MAXPORTS */
#define SIM_FIRST_PORT   2    /* NEXUS_PORT_NET_IF_CLIENT */
#define SIM_TX_SLOTS     512
#define SIM_RX_SLOTS     1024
#define SIM_EV_SLOTS     32
#define SIM_POOL_PKTS    2048
#define SIM_BUF_SIZE     2048
#define SIM_PAGE         16384 /* covers 4K and 16K pages */
#define SIM_ADV_WORDS    (IF_INTERFACE_ADVISORY_SIZE / 8)
#define SIM_DEV_PKTS     1024 /* feth pool: kbi_packets */
#define SIM_DEV_BUF      2048 /* max(max_mtu 2048, buflet_size 512) */
/* device pools: [0] the global "feth shared pp", then a TX and an RX slot per interface */
#define SIM_NDEVPOOLS    (1 + 2 * SIM_MAX_IF)

/* ---- cross-process spinlock (lock.c) ---- */
/*
 * One word, so that "held" and "by whom" change together: the low 32 bits are
 * 0 when free, else the holder's pid; the high 32 bits are a generation bumped
 * at every release and takeover. A lock whose holder died is freed only by a
 * CAS from the exact word seen held by that pid, so a stale view (the holder
 * seen dead, the lock since taken over and taken again, even by a reused pid)
 * never frees a live process's lock.
 */
typedef struct {
	_Atomic uint64_t word;
} sim_lock_t;
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "a lock-free 64-bit atomic, shared between processes");
void sim_lock(sim_lock_t *l);
void sim_unlock(sim_lock_t *l);
bool sim_lock_takeover(sim_lock_t *l, uint64_t seen);
bool sim_pid_alive(int32_t pid);

/* ---- packets (packet.c, pool.c) ---- */
enum { PK_USER = 1, PK_DEV = 3 };          /* sim_pkt.kind */
enum { PS_FREE = 0, PS_USER, PS_TXSLOT, PS_RXSLOT, PS_EVSLOT }; /* sim_pkt.state */
#define PF_FINALIZED 0x1u
#define PF_DROPPED   0x2u
#define PF_PKTID     0x4u
#define PF_EXPIRE    0x8u

struct sim_buflet {          /* buflet_t points here */
	uint32_t doff, dlen, dlim;
	uint32_t buf_off;        /* offset of the buffer in the mapping */
};
struct sim_pkt {             /* packet_t = address of this in the mapping */
	uint32_t self_off;
	uint16_t chan;           /* channel record; device pool index for PK_DEV */
	uint8_t  kind, state;
	uint32_t flags;
	uint32_t len;            /* qum_len: set by finalize / by the RX copy */
	uint8_t  l2len, exp_action;
	uint16_t _pad;
	uint32_t _pad2;
	packet_id_t pktid;
	uint64_t expire;
	struct sim_buflet b;
};
_Static_assert(sizeof(struct sim_pkt) == 64, "sim_pkt");

struct sim_pool {            /* LIFO free stack of packet indexes */
	sim_lock_t lock;
	uint32_t nfree;
	uint32_t free[SIM_POOL_PKTS];
};

/* ---- pcache.c: a process-local stash of free packets in front of a pool */
/* per-thread state the hot path reads: initial-exec, so no __tls_get_addr call */
#define SIM_TLS _Thread_local __attribute__((tls_model("initial-exec")))

#define SIM_PCACHE 32
struct sim_pcache {
	sim_lock_t *lock;          /* the pool's: NULL = not bound */
	uint32_t *nfree, *free;
	struct sim_pkt *pkts;
	const void *key;           /* the pool it is bound to */
	uint32_t n;
	uint32_t idx[SIM_PCACHE];
};
struct sim_chan_area;
void sim_pcache_bind_user(struct sim_pcache *c, struct sim_chan_area *ca);
struct sim_devpool;
void sim_pcache_bind_dev(struct sim_pcache *c, struct sim_devpool *dp);
struct sim_pkt *sim_pcache_alloc(struct sim_pcache *c, uint32_t want);
void sim_pcache_free(struct sim_pcache *c, struct sim_pkt *p);
void sim_pcache_flush(struct sim_pcache *c);
/* txsync.c: the device pools' packets this thread keeps, back to their pools */
void sim_devmag_flush(void);

/* ---- rings ----
 * Indexes are free-running u32 counters; slot = counter % nslots.
 * head/tail are the user's view (owner process only); khead/ktail are the
 * kernel's, shared with other processes (RX: producers in the peer).
 * TX: user owns [head, tail); [khead, head) waits for TX sync.
 * RX: producers fill up to ktail (store-release); the user sees new slots
 * once tail := ktail at RX sync / kevent; RX sync returns [khead, head). */
struct sim_ringh {
	uint32_t head, tail;
	_Atomic uint32_t khead, ktail;
	uint32_t _pad[12];
};

struct sim_chan_area {
	struct sim_ringh txh, rxh, evh;
	uint32_t txs[SIM_TX_SLOTS], rxs[SIM_RX_SLOTS], evs[SIM_EV_SLOTS]; /* pkt offsets, 0 = none */
	struct sim_pool pool;            /* packets, RX copies and channel events alike */
	_Alignas(64) struct sim_pkt pkts[SIM_POOL_PKTS];   /* one cache line each */
	_Alignas(4096) uint8_t buf[SIM_POOL_PKTS][SIM_BUF_SIZE];
};

/* ---- device pools (devpool.c) ----
 * feth's own packet pools (xnu-feth.md 1.2, 5.1): netif copies each user
 * packet into the sender's device TX pool, and feth hands it to the peer
 * (global pool) or copies it into the peer's pool (private: the peer's one
 * pool; split: the peer's RX pool). Never reachable through a packet_t. */
#define DEVPOOL_TX 0x1u
#define DEVPOOL_RX 0x2u
struct sim_devpool {
	sim_lock_t lock;
	uint32_t nfree;
	uint32_t roles;            /* DEVPOOL_TX | DEVPOOL_RX */
	int32_t  owner;            /* interface index, -1 for the global pool */
	uint32_t user_access;      /* KBIF_USER_ACCESS: net.link.fake.user_access */
	uint32_t in_use;
	uint32_t free[SIM_DEV_PKTS];
	struct sim_pkt pkts[SIM_DEV_PKTS];
	_Alignas(4096) uint8_t buf[SIM_DEV_PKTS][SIM_DEV_BUF];
};

/* ---- channels (channel.c) ---- */
enum { CS_FREE = 0, CS_OPEN = 1 };
struct sim_chan {
	_Alignas(64) _Atomic uint32_t state;   /* changed only under rxlock */
	_Atomic int32_t  owner_pid;
	uint32_t gen;
	int32_t  ifidx;
	uint16_t port;
	uint8_t  upp, evring, defunct_ok, low_latency;
	uint8_t  _pad[2];
	uint8_t  laddr[16], raddr[16];  /* the port's flow, copied at open */
	_Atomic uint32_t defunct;       /* interface destroyed under it */
	_Atomic uint32_t event_attached;/* a NOTE_CHANNEL_EVENT knote is registered */
	_Atomic uint32_t adv_enabled;   /* os_channel_configure_interface_advisory(TRUE) */
	_Atomic uint64_t adv_enabled_at; /* when (sim_now_ns), for debug.sim.adv_hold_ms */
	_Atomic uint32_t adv_pending;   /* NOTE_IF_ADV_UPD not yet delivered */
	sim_lock_t rxlock;              /* RX producers, open and close */
	/* > 0 while the owner blocks in kevent: written by the owner at every wait, so
	 * on a line of its own, away from what the peer's TX sync reads and locks */
	_Alignas(64) _Atomic uint32_t waiting;
};

/* ---- interfaces (ifnet.c) ---- */
struct sim_ifnet {
	_Atomic uint32_t in_use;
	char     name[16];
	uint32_t unit, gen, flags;
	uint8_t  mac[6], uuid[16], low_latency, llink;
	_Atomic int32_t peer;           /* ifnet index, -1 = none */
	/* net.link.fake.* latched at create */
	int64_t  bsd_mode, pktpool_mode, tx_drops, exp_policy, adv_intvl_ms, user_access;
	int32_t  txpool, rxpool;        /* device pool indexes (devpool.c) */
	sim_lock_t drvlock;             /* tx_count sequence of the fake driver */
	uint32_t tx_count;
	_Atomic uint64_t stats[SKT_STAT_COUNT];
	_Atomic uint64_t adv_next_due;  /* monotonic ns, 0 = timer not armed */
	_Atomic uint32_t adv_seq;       /* seqlock: odd while the report is written */
	_Atomic uint64_t adv_data[SIM_ADV_WORDS];
};

/* ---- flows (nexus.c) ---- */
struct sim_flow {
	uint32_t in_use;
	int32_t  ifidx;
	uint16_t port, flags;
	int32_t  owner_pid;
	uint64_t ctl_id;
	uint8_t  has_addr, _pad[7];
	uint8_t  laddr[16], raddr[16];
};

/* ---- sysctls (sysctl.c): names in code, values in the domain ---- */
enum {
	SC_FAKE_TXSTART, SC_FAKE_HWCSUM, SC_FAKE_NXATTACH, SC_FAKE_BSD_MODE, SC_FAKE_DEBUG,
	SC_FAKE_WMM_MODE, SC_FAKE_MULTIBUFLET, SC_FAKE_LOW_LATENCY, SC_FAKE_SWITCH_COMBINED,
	SC_FAKE_SWITCH_FREQ, SC_FAKE_TSO_SUPPORT, SC_FAKE_TSO_BUF_SIZE, SC_FAKE_EXP_THRESHOLD,
	SC_FAKE_LRO, SC_FAKE_PKTPOOL_MODE, SC_FAKE_LLA_FACTOR, SC_FAKE_TX_HEADROOM, SC_FAKE_FCS,
	SC_FAKE_TRAILER_LEN, SC_FAKE_MAX_MTU, SC_FAKE_BUFLET_SIZE, SC_FAKE_USER_ACCESS,
	SC_FAKE_IF_ADV_INTVL, SC_FAKE_TX_DROPS, SC_FAKE_TX_EXP_POLICY, SC_FAKE_TX_COMPL_MODE,
	SC_FAKE_LLINK_CNT, SC_FAKE_QSET_CNT, SC_FAKE_TRACE_TAG,
	SC_SK_FEATURES, SC_SK_DISABLE_NXCTL_CHECK, SC_SK_LL_PREFIX,
	SC_SIM_CORRUPT_FRAME, SC_SIM_CORRUPT_OFFSET, SC_SIM_TB_NUMER, SC_SIM_TB_DENOM,
	SC_SIM_ADV_IGNORE_DISABLE, SC_SIM_DROP_WITHOUT_EVENT, SC_SIM_EXPIRED_WRONG_STATUS,
	SC_SIM_LOSE_FRAME_EVERY, SC_SIM_STATUS_WRONG_PKTID, SC_SIM_ADV_HOLD_MS,
	SC_SIM_CAPTURE, SC_SIM_TX_SLOWDOWN,
	SC_COUNT
};
#define SIM_STR_MAX 32

struct sim_hdr {
	uint64_t magic;
	uint32_t version, hdr_size;
	uint64_t file_size, nonce;
	int32_t  creator_pid;
	uint32_t _pad;
	sim_lock_t cfglock;             /* interfaces, peers, flows, channel records */
	_Atomic int64_t sysctl[SC_COUNT];
	char     sysctl_str[SIM_STR_MAX];  /* the one string sysctl, under cfglock */
	struct sim_ifnet ifs[SIM_MAX_IF];
	struct sim_chan chans[SIM_MAX_CHAN];
	struct sim_flow flows[SIM_MAX_FLOWS];
};

#define SIM_ROUND(x) (((x) + SIM_PAGE - 1) / SIM_PAGE * SIM_PAGE)
#define SIM_HDR_SIZE  SIM_ROUND(sizeof(struct sim_hdr))
#define SIM_AREA_SIZE SIM_ROUND(sizeof(struct sim_chan_area))
#define SIM_DEVPOOL_SIZE SIM_ROUND(sizeof(struct sim_devpool))
#define SIM_FILE_SIZE (SIM_HDR_SIZE + SIM_MAX_CHAN * SIM_AREA_SIZE + SIM_NDEVPOOLS * SIM_DEVPOOL_SIZE)

/* ---- process-local state (domain.c) ---- */
struct channel_ring_desc {
	struct channel *ch;
	int      kind;              /* 0 TX, 1 RX, 2 event */
	struct sim_ringh *h;
	uint32_t *slots;
	uint32_t n;
};
struct channel {
	int      idx;
	uint32_t gen;
	int      fd;                 /* doorbell */
	struct sim_chan *sc;
	struct sim_chan_area *ca;
	struct channel_ring_desc tx, rx, ev;
	struct sim_pcache upool;     /* the owner's alloc/free stash of its pool (pcache.c) */
};
struct channel_attr {
	uint64_t v[CHANNEL_ATTR_COUNT];
	uint64_t set;               /* bit per key explicitly set */
};
struct nexus_controller {
	uint64_t id;
};

struct sim_proc {
	int      attached;
	char     dir[256];
	int      fd;
	uint8_t *base;
	size_t   size;
	struct sim_hdr *hdr;
	struct channel *open[SIM_MAX_CHAN];
	int      ring_sock;          /* unbound datagram socket used to ring doorbells */
	struct sockaddr_un door[SIM_MAX_CHAN];
};
extern struct sim_proc g_sim;
void sim_proc_lock(void);
void sim_proc_unlock(void);

static inline struct sim_chan_area *sim_area(int i)
{
	return (struct sim_chan_area *)(void *)(g_sim.base + SIM_HDR_SIZE + (size_t)i * SIM_AREA_SIZE);
}
static inline struct sim_devpool *sim_devpool(int i)
{
	return (struct sim_devpool *)(void *)(g_sim.base + SIM_HDR_SIZE +
	    (size_t)SIM_MAX_CHAN * SIM_AREA_SIZE + (size_t)i * SIM_DEVPOOL_SIZE);
}
static inline uint32_t sim_off(const void *p) { return (uint32_t)((const uint8_t *)p - g_sim.base); }
static inline void *sim_ptr(uint32_t off) { return g_sim.base + off; }

/* packet.c / pool.c */
struct sim_pkt *sim_pkt_from_ph(packet_t ph);
void sim_pool_init(struct sim_chan_area *ca, int chan);
void sim_pkt_reset(struct sim_pkt *p);
struct sim_pkt *sim_pool_alloc(struct sim_chan_area *ca);
void sim_pool_free(struct sim_chan_area *ca, struct sim_pkt *p);
static inline uint8_t *sim_pkt_data(const struct sim_pkt *p) { return (uint8_t *)sim_ptr(p->b.buf_off); }

/* devpool.c */
void sim_devpools_attach_if(int ifidx, struct sim_ifnet *ifp);   /* cfglock held */
struct sim_pkt *sim_devpool_alloc(int pool);
void sim_devpool_free(struct sim_pkt *p);
static inline int sim_devpool_of(const struct sim_pkt *p) { return p->chan; }

/* sysctl.c */
void sim_sysctl_defaults(struct sim_hdr *h);
static inline int64_t sim_sc(int i) { return atomic_load_explicit(&g_sim.hdr->sysctl[i], memory_order_relaxed); }

/* ifnet.c */
struct sim_ifnet *sim_if_by_uuid(const uint8_t *uuid, int *idx);
static inline void sim_stat(struct sim_ifnet *ifp, int s, uint64_t n)
{
	atomic_fetch_add_explicit(&ifp->stats[s], n, memory_order_relaxed);
}

/* nexus.c */
struct sim_flow *sim_flow_find(int ifidx, uint16_t port);
void sim_flows_drop_if(int ifidx);

/* channel.c */
struct channel *sim_channel_by_fd(int fd);
int sim_rx_publish(struct channel *ch); /* tail := ktail; returns frames visible */

/* txsync.c */
int sim_tx_sync(struct channel *ch);
int sim_rx_sync(struct channel *ch);

/* capture.c, slowdown.c: test knobs debug.sim.capture, debug.sim.tx_slowdown */
void sim_capture_frame(const struct sim_ifnet *ifp, const uint8_t *frame, uint32_t len);
void sim_capture_flush(void);
void sim_tx_slowdown(int chan, int64_t percent);

/* event.c */
void sim_event_post(struct sim_ifnet *ifp, int chan, uint32_t type, const void *data, uint16_t len);
bool sim_event_pending(struct channel *ch);

/* advisory.c */
void sim_adv_arm(struct sim_ifnet *ifp);
void sim_adv_disarm_if_idle(int ifidx);
void sim_adv_tick(void);
uint64_t sim_adv_next_due(void);

/* doorbell.c */
int  sim_door_open(int chan);
void sim_door_close(int fd, int chan);
void sim_door_ring(int chan);
void sim_door_drain(int fd);
int  sim_door_prepare(void);
void sim_door_release(void);

/* kevent.c */
void sim_kevent_forget_fd(int fd);

/* clock.c */
uint64_t sim_now_ns(void);
uint64_t sim_ns_to_mach(uint64_t ns);
uint64_t sim_mach_to_ns(uint64_t t);

/* abort.c: misuse the real SPI answers by ending the process */
_Noreturn void sim_abort(const char *msg);                      /* SK_ABORT */
_Noreturn void sim_abort_cause(const char *msg, uint32_t cause); /* SK_ABORT_WITH_CAUSE */
_Noreturn void sim_kill(uint64_t code);                          /* skywalk_kill_process */
/* bsd/skywalk/core/skywalk_var.h: SKYWALK_KILL_REASON_* and the sync kinds */
#define SIM_KILL_HEAD_OOB         1ull
#define SIM_KILL_UNALLOCATED_PKT  8ull
#define SIM_KILL_SLOT_NOT_DETACHED 9ull
#define SIM_KILL_TX_SYNC          0x0000000000000000ull
#define SIM_KILL_EVENT_SYNC       0x1000000000000000ull
#define SIM_KILL_FREE_SYNC        0x2000000000000000ull
#define SIM_KILL_ALLOC_SYNC       0x4000000000000000ull
#define SIM_KILL_RX_SYNC          0x8000000000000000ull
#define SIM_KILL_SYNC_MASK        0xf000000000000000ull

#endif /* SKT_SIM_H */
