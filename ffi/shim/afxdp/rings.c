/*
 * rings.c: the user packet pool (the UMEM's chunks) and the socket's four
 * rings, under the SPI's sync (see channel.c for the mapping): completions
 * reaped into the pool, the fill ring topped up from it, TX slots moved into
 * the TX ring and kicked, RX descriptors moved into RX slots, and the
 * socket's XDP_STATISTICS.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "afxdp.h"

#define KICK_ROUNDS (AXP_TX_SLOTS / 32 + 4)

/* ------------------------------------------------------------------ pool */

/* the pool a frame returns to: split pools give the RX half its own */
static struct axp_pool *home_pool(struct channel *ch, uint32_t frame)
{
	return g_env.split && frame < AXP_FRAMES / 2 ? &ch->pools[0] : &ch->pools[1];
}

void axp_pool_put(struct channel *ch, struct axp_pkt *p)
{
	struct axp_pool *pool = home_pool(ch, p->frame);
	p->state = PS_FREE;
	p->flags = 0;
	pool->free[pool->nfree++] = p->frame;
}

struct axp_pkt *axp_pool_get(struct channel *ch, int rx)
{
	struct axp_pool *pool = rx && g_env.split ? &ch->pools[0] : &ch->pools[1];
	/* shared pool: RX never takes the frames the TX ring could hold */
	uint32_t reserve = rx && !g_env.split ? AXP_TX_SLOTS : 0;
	if (pool->nfree <= reserve)
		return NULL;
	struct axp_pkt *p = &ch->pkts[pool->free[--pool->nfree]];
	memset(&p->b, 0, sizeof(p->b));
	p->b.dlim = AXP_FRAME_SIZE;
	p->len = 0;
	p->l2len = 0;
	p->flags = 0;
	return p;
}

void axp_pools_init(struct channel *ch)
{
	ch->pools[0].nfree = ch->pools[1].nfree = 0;
	for (uint32_t f = AXP_FRAMES; f-- > 0;) {
		struct axp_pkt *p = &ch->pkts[f];
		p->ch = ch;
		p->frame = f;
		axp_pool_put(ch, p);
	}
}

/* ------------------------------------------------------- the kernel rings */

static uint64_t frame_addr(const struct axp_pkt *p) { return (uint64_t)p->frame * AXP_FRAME_SIZE; }

/* completion ring -> pool */
static void reap(struct channel *ch)
{
	uint32_t idx, n = xsk_ring_cons__peek(&ch->comp, AXP_COMP_SIZE, &idx);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t addr = *xsk_ring_cons__comp_addr(&ch->comp, idx + i);
		struct axp_pkt *p = &ch->pkts[(addr / AXP_FRAME_SIZE) % AXP_FRAMES];
		if (p->state == PS_KTX)
			axp_pool_put(ch, p);
	}
	if (n) {
		xsk_ring_cons__release(&ch->comp, n);
		ch->c.tx_completed += n;
	}
}

/* pool -> fill ring, up to AXP_FILL_SIZE frames lent to the kernel for RX */
void axp_refill(struct channel *ch)
{
	uint32_t want = AXP_FILL_SIZE - ch->nfill, idx;
	if (want == 0)
		return;
	struct axp_pool *pool = g_env.split ? &ch->pools[0] : &ch->pools[1];
	uint32_t reserve = g_env.split ? 0 : AXP_TX_SLOTS;
	uint32_t have = pool->nfree > reserve ? pool->nfree - reserve : 0;
	if (want > have)
		want = have;
	if (want == 0 || xsk_ring_prod__reserve(&ch->fill, want, &idx) != want)
		return;
	for (uint32_t i = 0; i < want; i++) {
		struct axp_pkt *p = axp_pool_get(ch, 1);
		p->state = PS_KFILL;
		*xsk_ring_prod__fill_addr(&ch->fill, idx + i) = frame_addr(p);
	}
	xsk_ring_prod__submit(&ch->fill, want);
	ch->nfill += want;
	if (xsk_ring_prod__needs_wakeup(&ch->fill))
		recvfrom(ch->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

/* kicks the TX ring until the kernel took everything or pushes back */
static int kick(struct channel *ch)
{
	for (int round = 0; round < KICK_ROUNDS; round++) {
		if (xsk_prod_nb_free(&ch->tx, AXP_TX_SLOTS) == AXP_TX_SLOTS)
			return 0;
		ch->c.kicks++;
		if (sendto(ch->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			continue;
		switch (errno) {
		case EAGAIN:      /* the per-call budget (32 in copy mode): more to send */
			ch->c.kick_again++;
			continue;
		case EBUSY: case ENOBUFS:   /* completion ring full / no skb: later */
			reap(ch);
			return 0;
		default:
			return errno;
		}
	}
	return 0;
}

/* TX: the user owns [head, tail) with tail = khead (submitted) + the free
 * entries of the socket's TX ring, which only grows between submits */
void axp_tx_publish(struct channel *ch)
{
	struct channel_ring_desc *r = &ch->txr;
	/* as the SPI's TX ring, one slot stays empty (os_channel_available_slot_count) */
	uint32_t free = xsk_prod_nb_free(&ch->tx, AXP_TX_SLOTS);
	uint32_t t = r->khead + (free < r->n - 1 ? free : r->n - 1);
	if ((int32_t)(t - r->tail) > 0)
		r->tail = t;
}

uint32_t axp_tx_free(struct channel *ch)
{
	if (xsk_prod_nb_free(&ch->tx, AXP_TX_SLOTS) < AXP_TX_SLOTS)
		kick(ch);   /* what poll(POLLOUT) does in copy mode */
	axp_tx_publish(ch);
	return ch->txr.tail - ch->txr.head;
}

int axp_tx_sync(struct channel *ch)
{
	struct channel_ring_desc *r = &ch->txr;
	reap(ch);
	uint32_t pending = r->head - r->khead, idx;
	uint32_t n = xsk_prod_nb_free(&ch->tx, AXP_TX_SLOTS);
	if (n > pending)
		n = pending;
	if (n > 0 && xsk_ring_prod__reserve(&ch->tx, n, &idx) == n) {
		for (uint32_t i = 0; i < n; i++) {
			uint32_t s = (r->khead + i) % r->n;
			struct axp_pkt *p = r->slots[s];
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&ch->tx, idx + i);
			uint64_t addr = frame_addr(p) + p->b.doff;
			d->addr = addr;
			d->len = p->len;
			d->options = 0;
			p->state = PS_KTX;
			r->slots[s] = NULL;
			if (g_env.split && p->frame < AXP_FRAMES / 2)
				ch->c.tx_in_rx_region++;
			if (ch->c.tx_submitted == 0 || addr < ch->c.tx_addr_min)
				ch->c.tx_addr_min = addr;
			if (addr > ch->c.tx_addr_max)
				ch->c.tx_addr_max = addr;
			ch->c.tx_submitted++;
		}
		xsk_ring_prod__submit(&ch->tx, n);
		r->khead += n;
	}
	int err = kick(ch);
	axp_refill(ch);
	axp_tx_publish(ch);
	return err;
}

/* RX descriptors -> slots [ktail, ...), as long as the slot ring has room */
static void rx_move(struct channel *ch)
{
	struct channel_ring_desc *r = &ch->rxr;
	uint32_t room = r->n - (r->ktail - r->khead), idx;
	uint32_t n = room ? xsk_ring_cons__peek(&ch->rx, room, &idx) : 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&ch->rx, idx + i);
		uint64_t addr = d->addr;
		struct axp_pkt *p = &ch->pkts[(addr / AXP_FRAME_SIZE) % AXP_FRAMES];
		p->b.doff = (uint32_t)(addr % AXP_FRAME_SIZE);
		p->b.dlen = p->len = d->len;
		p->b.dlim = AXP_FRAME_SIZE;
		p->l2len = AXP_ETHER_HDR;   /* netif sets the Ethernet header length on RX */
		p->flags = PF_FINALIZED;
		p->state = PS_RXSLOT;
		r->slots[(r->ktail + i) % r->n] = p;
		if (p->frame >= AXP_FRAMES / 2)
			ch->c.rx_in_tx_region++;
		if (ch->c.rx_frames == 0 || addr < ch->c.rx_addr_min)
			ch->c.rx_addr_min = addr;
		if (addr > ch->c.rx_addr_max)
			ch->c.rx_addr_max = addr;
		ch->c.rx_frames++;
	}
	if (n) {
		xsk_ring_cons__release(&ch->rx, n);
		ch->nfill -= n;
		r->ktail += n;
	}
}

uint32_t axp_rx_pull(struct channel *ch)
{
	rx_move(ch);
	ch->rxr.tail = ch->rxr.ktail;
	return ch->rxr.tail - ch->rxr.head;
}

/*
 * Descriptors the kernel has produced on the RX ring that were not taken yet.
 * Read from the shared producer itself: libxdp's xsk_cons_nb_avail refreshes
 * its cached producer only once the cached entries are used up, so it can
 * report 32 while the kernel has produced 1024.
 */
uint32_t axp_rx_waiting(struct channel *ch)
{
	return __atomic_load_n(ch->rx.producer, __ATOMIC_ACQUIRE) - ch->rx.cached_cons;
}

int axp_rx_sync(struct channel *ch)
{
	struct channel_ring_desc *r = &ch->rxr;
	for (uint32_t c = r->khead; c != r->head; c++)
		if (r->slots[c % r->n] != NULL)
			abort();   /* libsyscall: RX slot not detached (common.c refuses first) */
	r->khead = r->head;
	reap(ch);
	axp_refill(ch);
	axp_rx_pull(ch);
	return 0;
}

int axp_xdp_stats(struct channel *ch, struct xdp_statistics *st)
{
	socklen_t len = sizeof(*st);
	memset(st, 0, sizeof(*st));
	if (getsockopt(ch->fd, SOL_XDP, XDP_STATISTICS, st, &len) != 0)
		return errno;
	ch->last_stats = *st;
	return 0;
}
