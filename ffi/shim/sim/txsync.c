/*
 * txsync.c: os_channel_sync. TX runs the whole data path synchronously in
 * the sender, as netif's low-latency push does (xnu-feth.md 5.1, 6): each
 * packet of [khead, head) is copied from the channel's pool into the sender
 * interface's device TX pool, goes through the fake driver (count, expiry
 * rule, tx_drops rule), crosses to the peer interface's device (handed over
 * in the global pool, copied into the peer's pool or RX pool otherwise:
 * devpool.c), and is finally copied into a packet of the peer channel whose
 * flow matches the frame's IPv6 dst/src and attached to its next RX slot.
 * Full RX ring or an empty pool: dropped and counted, the sender is never
 * throttled. Every packet returns to the pool it came from.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "sim.h"

#define ETH_HLEN 14
#define FRAME_MIN 54           /* Ethernet + IPv6 header */
#define IP6_SRC 22
#define IP6_DST 38

/* peer channel whose flow matches (local == dst, remote == src), or -1;
 * *gen identifies that opening of the record, rechecked under its lock */
static int flow_lookup(int peer, const uint8_t *frame, uint32_t *gen)
{
	for (int i = 0; i < SIM_MAX_CHAN; i++) {
		struct sim_chan *sc = &g_sim.hdr->chans[i];
		if (atomic_load_explicit(&sc->state, memory_order_acquire) == CS_OPEN &&
		    sc->ifidx == peer && !atomic_load(&sc->defunct) &&
		    memcmp(sc->laddr, frame + IP6_DST, 16) == 0 &&
		    memcmp(sc->raddr, frame + IP6_SRC, 16) == 0) {
			*gen = sc->gen;
			return i;
		}
	}
	return -1;
}

/* bytes and the metadata that travels with them (nx_netif_pkt_to_pkt) */
static void pkt_copy(struct sim_pkt *to, const struct sim_pkt *from)
{
	memcpy(sim_pkt_data(to), sim_pkt_data(from) + from->b.doff, from->len);
	to->b.doff = 0;
	to->b.dlen = to->len = from->len;
	to->l2len = from->l2len;
	to->flags = PF_FINALIZED | (from->flags & (PF_PKTID | PF_EXPIRE));
	to->pktid = from->pktid;
	to->expire = from->expire;
	to->exp_action = from->exp_action;
}

/* The peer RX ring a TX sync is delivering into: a run of packets to one
 * channel takes its rxlock once and publishes ktail once, when the run ends
 * (one handover of those shared cache lines per sync rather than per packet).
 * The channel cannot close meanwhile: closing takes the rxlock. No other lock
 * is held while waiting for an rxlock, so holding one across packets is safe.
 * The packets for that ring come from a stash of its pool (pcache.c), as the
 * kernel's from its per-CPU magazine, returned when the run ends. */
struct rx_hold {
	int      t;    /* channel whose rxlock is held, -1 = none */
	uint32_t kt;   /* its next ktail */
	bool     full; /* a frame found that channel's RX ring full */
	struct sim_pcache pool;   /* stash of channel t's pool */
};

/* What one TX sync carries from packet to packet: the peer ring held and the
 * counters added to the interfaces once at the end (each an atomic on a line
 * the peer's own sync also writes). */
struct tx_run {
	uint32_t mask;            /* channels delivered to (doorbells) */
	uint32_t left;            /* packets of the sync not yet handled */
	int      peer_ok;         /* peer_connected(), asked once: -1 = not yet */
	struct rx_hold hold;
	uint64_t tx_packets, dev_tx_alloc, delivered;
	struct sim_ifnet *pifp;   /* peer interface the counters below belong to */
	uint64_t dev_rx_alloc, dev_rx_frames, rx_from_tx_pool;
};

static void rx_release(struct rx_hold *h)
{
	if (h->t < 0)
		return;
	sim_pcache_flush(&h->pool);
	atomic_store_explicit(&sim_area(h->t)->rxh.ktail, h->kt, memory_order_release);
	sim_unlock(&g_sim.hdr->chans[h->t].rxlock);
	h->t = -1;
}

/*
 * The device pools' magazines of this thread: kept from sync to sync, as the
 * kernel keeps a magazine of each skmem_cache per CPU (skmem_cache.c), so a
 * device packet is reused by the CPU that freed it instead of going back to a
 * free stack both processes pop (its buffer's lines would move between CPUs,
 * and the pool's lock with them). Two: the device TX pool and the peer's RX
 * pool (one and the same in the default global pool mode). Returned to their
 * pools when a channel of this process closes (sim_devmag_flush); a process
 * that dies holds at most 2 x SIM_PCACHE of a pool's 1024 packets.
 */
static SIM_TLS struct sim_pcache dev_mag[2];
/* the domain the magazines belong to: another may since be mapped at the same address */
static SIM_TLS uint64_t dev_mag_nonce;
static SIM_TLS uintptr_t dev_mag_base;

static void dev_mag_check_domain(void);

void sim_devmag_flush(void)
{
	dev_mag_check_domain();
	for (int i = 0; i < 2; i++) {
		sim_pcache_flush(&dev_mag[i]);
		dev_mag[i].key = NULL;
		dev_mag[i].lock = NULL;
	}
}

/* at the start of a sync: magazines left by a domain this thread no longer
 * has are forgotten (their packets went with it) */
static void dev_mag_check_domain(void)
{
	if (dev_mag_nonce == g_sim.hdr->nonce && dev_mag_base == (uintptr_t)g_sim.base)
		return;
	for (int i = 0; i < 2; i++)
		dev_mag[i] = (struct sim_pcache){ .key = NULL };
	dev_mag_nonce = g_sim.hdr->nonce;
	dev_mag_base = (uintptr_t)g_sim.base;
}

/* the magazine of device pool `idx` */
static struct sim_pcache *dev_cache(int idx)
{
	struct sim_devpool *dp = sim_devpool(idx);
	for (int i = 0; i < 2; i++)
		if (dev_mag[i].key == dp)
			return &dev_mag[i];
	struct sim_pcache *c = dev_mag[0].key == NULL ? &dev_mag[0] : &dev_mag[1];
	sim_pcache_flush(c);
	sim_pcache_bind_dev(c, dp);
	return c;
}

static void dev_free(struct sim_pkt *p)
{
	sim_pcache_free(dev_cache(sim_devpool_of(p)), p);
}

/* the interface counters of the sync, added once */
static void run_end(struct tx_run *run, struct sim_ifnet *ifp)
{
	rx_release(&run->hold);
	if (run->tx_packets)
		sim_stat(ifp, SKT_STAT_TX_PACKETS, run->tx_packets);
	if (run->dev_tx_alloc)
		sim_stat(ifp, SKT_STAT_DEV_TX_ALLOC, run->dev_tx_alloc);
	if (run->delivered)
		sim_stat(ifp, SKT_STAT_TX_DELIVERED, run->delivered);
	if (run->pifp != NULL) {
		if (run->dev_rx_alloc)
			sim_stat(run->pifp, SKT_STAT_DEV_RX_ALLOC, run->dev_rx_alloc);
		if (run->dev_rx_frames)
			sim_stat(run->pifp, SKT_STAT_DEV_RX_FRAMES, run->dev_rx_frames);
		if (run->rx_from_tx_pool)
			sim_stat(run->pifp, SKT_STAT_RX_FROM_TX_POOL, run->rx_from_tx_pool);
	}
}

/* netif_deliver_pkt: copy the device packet into the peer channel's pool
 * and place it on its RX ring (published by rx_release) */
static void deliver(struct sim_ifnet *ifp, int peer, struct sim_pkt *p, struct tx_run *run)
{
	struct rx_hold *hold = &run->hold;
	const uint8_t *frame = sim_pkt_data(p) + p->b.doff;
	uint32_t len = p->len;
	int t = -1;
	uint32_t gen = 0;
	/* nx_netif_validate_macaddr (nx_netif_flow.c): a low-latency netif takes
	 * no multicast or broadcast destination; the frame finds no RX callback
	 * (NETIF_STATS_DROP_NO_RX_CB in nx_netif.c) */
	if (peer >= 0 && g_sim.hdr->ifs[peer].low_latency && len >= ETH_HLEN && (frame[0] & 1)) {
		sim_stat(ifp, SKT_STAT_DROP_NO_RX_CB, 1);
		return;
	}
	if (peer >= 0 && len >= FRAME_MIN && frame[12] == 0x86 && frame[13] == 0xdd)
		t = flow_lookup(peer, frame, &gen);
	if (t < 0) {
		sim_stat(ifp, SKT_STAT_DROP_NO_FLOW, 1);
		return;
	}
	struct sim_chan *sc = &g_sim.hdr->chans[t];
	struct sim_chan_area *ca = sim_area(t);
	struct sim_ringh *rh = &ca->rxh;
	if (hold->t != t) {
		rx_release(hold);
		sim_lock(&sc->rxlock);
		if (atomic_load(&sc->state) != CS_OPEN || sc->gen != gen) {   /* closed or reopened meanwhile */
			sim_unlock(&sc->rxlock);
			sim_stat(ifp, SKT_STAT_DROP_NO_FLOW, 1);
			return;
		}
		hold->t = t;
		hold->kt = atomic_load_explicit(&rh->ktail, memory_order_relaxed);
		sim_pcache_bind_user(&hold->pool, ca);
	}
	uint32_t kt = hold->kt;
	uint32_t kh = atomic_load_explicit(&rh->khead, memory_order_acquire);
	if (kt - kh >= SIM_RX_SLOTS - 1) {      /* KRING_FULL_RX: one slot stays empty */
		hold->full = true;
		sim_stat(ifp, SKT_STAT_DROP_RX_RING_FULL, 1);
		return;
	}
	/* at most what is left of this sync, and no more than the ring can take */
	uint32_t room = SIM_RX_SLOTS - (kt - kh);
	struct sim_pkt *q = sim_pcache_alloc(&hold->pool, run->left < room ? run->left : room);
	if (q == NULL || len > q->b.dlim) {      /* netif_copy_or_attach_pkt failed */
		if (q)
			sim_pcache_free(&hold->pool, q);
		sim_stat(ifp, SKT_STAT_DROP_NOMEM, 1);
		return;
	}
	uint8_t *dst = sim_pkt_data(q);
	memcpy(dst, frame, len);
	q->b.doff = 0;
	q->b.dlen = q->len = len;
	q->l2len = ETH_HLEN;
	q->flags = PF_FINALIZED | (p->flags & (PF_PKTID | PF_EXPIRE));
	q->pktid = p->pktid;
	q->expire = p->expire;
	q->state = PS_RXSLOT;
	int64_t lose = sim_sc(SC_SIM_LOSE_FRAME_EVERY), cf = sim_sc(SC_SIM_CORRUPT_FRAME);
	if (lose > 0 || cf > 0) {
		/* test knobs, which need the exact count: one atomic per frame only then */
		uint64_t n = atomic_fetch_add(&ifp->stats[SKT_STAT_TX_DELIVERED], 1) + 1;
		if (lose > 0 && n % (uint64_t)lose == 0) {
			sim_pcache_free(&hold->pool, q);   /* delivered, yet never reaches the ring */
			return;
		}
		int64_t co = sim_sc(SC_SIM_CORRUPT_OFFSET);
		if (cf > 0 && n == (uint64_t)cf && co >= 0 && (uint64_t)co < len)
			dst[co] ^= 0xff;        /* a bad frame for the receiver to catch */
	} else {
		run->delivered++;
	}
	if (sim_sc(SC_SIM_CAPTURE))
		sim_capture_frame(ifp, dst, len);   /* on the wire (capture.c) */
	ca->rxs[kt % SIM_RX_SLOTS] = sim_off(q);
	hold->kt = kt + 1;
	run->mask |= 1u << t;
}

static void post_expired(struct sim_ifnet *ifp, int chan, struct sim_pkt *p, uint64_t now, bool dropped)
{
	os_channel_event_packet_transmit_expired_t ev;
	memset(&ev, 0, sizeof(ev));
	ev.packet_id = p->pktid;
	ev.packet_tx_expiration_deadline = p->expire;
	ev.packet_tx_expiration_timestamp = now;
	ev.packet_tx_expiration_status = sim_sc(SC_SIM_EXPIRED_WRONG_STATUS) ?
	    CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_NOT_EXPIRED : dropped ?
	    CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_DROPPED :
	    CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_NOT_DROPPED;
	/* feth_tx_expired_error starts from {0} and never sets the origin:
	 * CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ORIGIN_NONE */
	ev.packet_tx_expiration_origin = 0;
	sim_event_post(ifp, chan, CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED, &ev, sizeof(ev));
}

static void post_status(struct sim_ifnet *ifp, int chan, struct sim_pkt *p)
{
	os_channel_event_packet_transmit_status_t ev;
	memset(&ev, 0, sizeof(ev));
	ev.packet_id = p->pktid;
	if (sim_sc(SC_SIM_STATUS_WRONG_PKTID))
		ev.packet_id.pktid_sequence_number++;   /* test knob: names the next frame */
	ev.packet_status = CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_RETRY_FAILED;
	sim_event_post(ifp, chan, CHANNEL_EVENT_PACKET_TRANSMIT_STATUS, &ev, sizeof(ev));
}

/* feth_rx_queue_submit on the peer: the device packet reaches the peer's
 * device (handed over, or copied into its pool), then netif demuxes it */
static void feth_cross(struct sim_ifnet *ifp, struct sim_pkt *d, struct tx_run *run)
{
	int peer = atomic_load(&ifp->peer);
	if (peer < 0) {
		sim_stat(ifp, SKT_STAT_DROP_NO_FLOW, 1);
		dev_free(d);
		return;
	}
	struct sim_ifnet *pifp = &g_sim.hdr->ifs[peer];
	if (run->pifp != pifp) {                  /* the peer changed: its counters so far */
		struct tx_run flush = { .pifp = run->pifp, .dev_rx_alloc = run->dev_rx_alloc,
		    .dev_rx_frames = run->dev_rx_frames, .rx_from_tx_pool = run->rx_from_tx_pool,
		    .hold = { .t = -1 } };
		run_end(&flush, ifp);
		run->pifp = pifp;
		run->dev_rx_alloc = run->dev_rx_frames = run->rx_from_tx_pool = 0;
	}
	int rxpool = pifp->rxpool;
	struct sim_pkt *r = d;
	if (rxpool != sim_devpool_of(d)) {        /* private or split pools: a copy */
		r = sim_pcache_alloc(dev_cache(rxpool), run->left);
		if (r == NULL) {
			sim_stat(ifp, SKT_STAT_DROP_DEV_NOMEM, 1);
			dev_free(d);
			return;
		}
		run->dev_rx_alloc++;
		pkt_copy(r, d);
		dev_free(d);                     /* feth_tx_complete frees the source */
	}
	run->dev_rx_frames++;
	if (sim_devpool(sim_devpool_of(r))->roles & DEVPOOL_TX)
		run->rx_from_tx_pool++;
	deliver(ifp, peer, r, run);
	dev_free(r);
}

/* the fake driver (if_fake.c feth_nx_tx_queue_deliver_pkt_chain) for one
 * packet already copied into the device TX pool */
static void driver_tx(struct channel *ch, struct sim_ifnet *ifp, struct sim_pkt *p, struct tx_run *run)
{
	run->tx_packets++;
	enum { NONE, EXP_DROP, EXP_NOTIFY } exp = NONE;
	uint64_t now = 0;
	bool rate_drop = false;

	sim_lock(&ifp->drvlock);
	uint32_t count = ++ifp->tx_count;
	if (ifp->exp_policy != 0 && (p->flags & PF_EXPIRE)) {
		now = plat_mach_absolute_time();
		if ((int64_t)(p->expire - now) < 0) {        /* strictly before now */
			uint8_t act = ifp->exp_policy == 1 ? PACKET_EXPIRY_ACTION_DROP :
			    ifp->exp_policy == 2 ? PACKET_EXPIRY_ACTION_NOTIFY : p->exp_action;
			exp = (act & PACKET_EXPIRY_ACTION_DROP) ? EXP_DROP :
			    (act & PACKET_EXPIRY_ACTION_NOTIFY) ? EXP_NOTIFY : NONE;
		}
	}
	if (exp != EXP_DROP && ifp->tx_drops != 0 && count == (uint64_t)ifp->tx_drops)
		rate_drop = true;
	if (exp == EXP_DROP || rate_drop)
		ifp->tx_count = 0;                            /* any drop restarts the count */
	sim_unlock(&ifp->drvlock);

	/* events need the packet id; they go to the sender's own channel */
	bool has_id = (p->flags & PF_PKTID) != 0;
	if (exp != NONE && has_id)
		post_expired(ifp, ch->idx, p, now, exp == EXP_DROP);
	if (exp == EXP_DROP) {
		sim_stat(ifp, SKT_STAT_DROP_EXPIRED, 1);
		dev_free(p);
		return;
	}
	if (rate_drop) {
		sim_stat(ifp, SKT_STAT_DROP_TX_RATE, 1);
		if (has_id && !sim_sc(SC_SIM_DROP_WITHOUT_EVENT))
			post_status(ifp, ch->idx, p);
		dev_free(p);
		return;
	}
	feth_cross(ifp, p, run);
}

/* iff_channel_connected of the peer: a channel is open on its netif */
static bool peer_connected(const struct sim_ifnet *ifp)
{
	int peer = atomic_load(&ifp->peer);
	if (peer < 0)
		return false;
	for (int i = 0; i < SIM_MAX_CHAN; i++) {
		struct sim_chan *sc = &g_sim.hdr->chans[i];
		if (atomic_load_explicit(&sc->state, memory_order_acquire) == CS_OPEN && sc->ifidx == peer)
			return true;
	}
	return false;
}

/* netif_vp_send_pkt_chain_low_latency: the user packet is copied into the
 * device TX pool (alloc failure = drop), then offered to the driver:
 * feth_nx_queue_tx_push (if_fake.c) leaves the chain unconsumed when there
 * is no peer or no channel on the peer, and netif frees it, counting
 * NETIF_STATS_DROP: the driver never counts it (no tx_drops, no events).
 * Asked once per sync, as the push is made once per chain. */
static void vp_send(struct channel *ch, struct sim_ifnet *ifp, struct sim_pkt *p, struct tx_run *run)
{
	struct sim_pkt *d = sim_pcache_alloc(dev_cache(ifp->txpool), run->left);
	if (d == NULL) {
		sim_stat(ifp, SKT_STAT_DROP_DEV_NOMEM, 1);
		return;
	}
	run->dev_tx_alloc++;
	pkt_copy(d, p);
	if (run->peer_ok < 0)
		run->peer_ok = peer_connected(ifp);
	if (!run->peer_ok) {
		sim_stat(ifp, SKT_STAT_DROP_UNCONSUMED, 1);
		dev_free(d);
		return;
	}
	driver_tx(ch, ifp, d, run);
}

/* ring a channel's doorbell only if its owner sleeps in kevent; the fence
 * pairs with the one in kevent after `waiting` is raised (no lost wakeup) */
static void notify(uint32_t mask)
{
	if (mask == 0)
		return;
	atomic_thread_fence(memory_order_seq_cst);
	for (int i = 0; i < SIM_MAX_CHAN; i++)
		if ((mask & (1u << i)) && atomic_load(&g_sim.hdr->chans[i].waiting) > 0)
			sim_door_ring(i);
}

int sim_tx_sync(struct channel *ch)
{
	struct sim_chan_area *ca = ch->ca;
	struct sim_ringh *h = &ca->txh;
	struct sim_ifnet *ifp = &g_sim.hdr->ifs[ch->sc->ifidx];
	uint32_t kh = atomic_load_explicit(&h->khead, memory_order_relaxed), head = h->head;
	struct tx_run run = { .hold = { .t = -1, .full = false }, .peer_ok = -1 };
	dev_mag_check_domain();
	if (head - kh > SIM_TX_SLOTS - 1)   /* _KR_TXRING_VALIDATE; unreachable through the SPI */
		sim_kill(SIM_KILL_HEAD_OOB | SIM_KILL_TX_SYNC);
	for (uint32_t c = kh; c != head; c++) {
		uint32_t *s = &ca->txs[c % SIM_TX_SLOTS];
		/* kr_txprologue_upp (channel_ring.c): a slot advanced past without a
		 * packet holds no allocated packet: the process is killed */
		if (*s == 0)
			sim_kill(SIM_KILL_UNALLOCATED_PKT | SIM_KILL_TX_SYNC);
		struct sim_pkt *p = sim_ptr(*s);
		*s = 0;
		p->state = PS_USER;
		run.left = head - c;
		/* netif drops zero-length packets, and the kernel re-validates what the
		 * user changed after finalize: a buflet that no longer fits its buffer */
		if (p->len != 0 && (uint64_t)p->b.doff + p->len <= p->b.dlim)
			vp_send(ch, ifp, p, &run);
		sim_pcache_free(&ch->upool, p);   /* returned to the pool by os_channel_sync */
	}
	run_end(&run, ifp);
	uint32_t mask = run.mask;
	bool full = run.hold.full;
	if (sim_sc(SC_SIM_CAPTURE))
		sim_capture_flush();
	atomic_store_explicit(&h->khead, head, memory_order_relaxed);
	/* TX completes inline: every slot is free again, but one (the kernel's
	 * rings keep one slot empty: os_channel_available_slot_count) */
	h->tail = head + SIM_TX_SLOTS - 1;
	if (sim_event_pending(ch))
		mask |= 1u << ch->idx;
	notify(mask);
	/* the peer's RX ring was full: if it shares this CPU, let it run now rather
	 * than at the end of our time slice (it would find one ring's worth of
	 * frames and everything sent meanwhile dropped); a no-op otherwise */
	if (full)
		sched_yield();
	int64_t slow = sim_sc(SC_SIM_TX_SLOWDOWN);
	if (slow != 0)
		sim_tx_slowdown(ch->idx, slow);
	return 0;
}

int os_channel_sync(channel_t ch, sync_mode_t mode)
{
	if (ch == NULL || (mode != CHANNEL_SYNC_TX && mode != CHANNEL_SYNC_RX))
		return EINVAL;            /* bad mode: returned directly, as libsyscall does */
	if (atomic_load(&ch->sc->defunct)) {
		errno = ENXIO;
		return -1;
	}
	if (mode == CHANNEL_SYNC_TX)
		sim_tx_sync(ch);
	else
		sim_rx_sync(ch);
	sim_pcache_flush(&ch->upool);   /* the free ring goes back to the kernel */
	sim_adv_tick();
	return 0;
}
