/*
 * pool.c: the user packet pool of a channel (2048 packets, one 2048-byte
 * buflet each). Channel events are packets of this pool too, as the kernel
 * allocates them from the event ring's ckr_pp, the channel's one pool
 * (netif_vp_na_channel_event_notify, nx_netif_vp.c). The peer's sender
 * allocates RX packets from this pool while the owner allocates TX packets
 * and frees RX ones, hence the cross-process lock on the free stack.
 */
#include <stddef.h>
#include <string.h>

#include "sim.h"

static void pkt_init(struct sim_pkt *p, int chan, uint8_t kind, uint8_t *buf, uint32_t lim)
{
	memset(p, 0, sizeof(*p));
	p->self_off = sim_off(p);
	p->chan = (uint16_t)chan;
	p->kind = kind;
	p->state = PS_FREE;
	p->b.buf_off = sim_off(buf);
	p->b.dlim = lim;
}

void sim_pool_init(struct sim_chan_area *ca, int chan)
{
	ca->pool.nfree = SIM_POOL_PKTS;
	for (uint32_t i = 0; i < SIM_POOL_PKTS; i++) {
		pkt_init(&ca->pkts[i], chan, PK_USER, ca->buf[i], SIM_BUF_SIZE);
		ca->pool.free[i] = SIM_POOL_PKTS - 1 - i;
	}
	atomic_store(&ca->pool.lock.word, 0);
}

/* a fresh packet: no length, no options, data offset 0 */
void sim_pkt_reset(struct sim_pkt *p)
{
	p->flags = 0;
	p->len = 0;
	p->l2len = 0;
	p->exp_action = 0;
	memset(&p->pktid, 0, sizeof(p->pktid));
	p->expire = 0;
	p->b.doff = 0;
	p->b.dlen = 0;
	p->state = PS_USER;
}

static struct sim_pkt *take(struct sim_pool *pool, struct sim_pkt *arr)
{
	sim_lock(&pool->lock);
	if (pool->nfree == 0) {
		sim_unlock(&pool->lock);
		return NULL;
	}
	struct sim_pkt *p = &arr[pool->free[--pool->nfree]];
	sim_unlock(&pool->lock);
	sim_pkt_reset(p);
	return p;
}

static void give(struct sim_pool *pool, struct sim_pkt *arr, struct sim_pkt *p)
{
	p->state = PS_FREE;
	sim_lock(&pool->lock);
	pool->free[pool->nfree++] = (uint32_t)(p - arr);
	sim_unlock(&pool->lock);
}

struct sim_pkt *sim_pool_alloc(struct sim_chan_area *ca) { return take(&ca->pool, ca->pkts); }
void sim_pool_free(struct sim_chan_area *ca, struct sim_pkt *p) { give(&ca->pool, ca->pkts, p); }

/* The last address found to be a packet of the domain mapped at `base`:
 * whether an address is one is fixed by the domain's layout and its packets'
 * self_off, written once, so the answer can be kept (the SPI calls of one
 * frame ask about the same packet a dozen times). Per thread; keyed by the
 * domain's nonce too, since another domain may be mapped at the same base. */
static SIM_TLS uintptr_t known_base, known_pkt;
static SIM_TLS uint64_t known_nonce;

/* packet_t -> metadata, NULL unless it is exactly one of the domain's packets */
struct sim_pkt *sim_pkt_from_ph(packet_t ph)
{
	if (!g_sim.attached || ph == 0)
		return NULL;
	uintptr_t a = (uintptr_t)ph, base = (uintptr_t)g_sim.base;
	if (a == known_pkt && base == known_base && g_sim.hdr->nonce == known_nonce)
		return (struct sim_pkt *)a;
	if (a < base + SIM_HDR_SIZE || a >= base + SIM_FILE_SIZE)
		return NULL;
	size_t off = a - base - SIM_HDR_SIZE;
	size_t rel = off % SIM_AREA_SIZE;
	size_t p0 = offsetof(struct sim_chan_area, pkts);
	bool ok = rel >= p0 && rel < p0 + sizeof(((struct sim_chan_area *)0)->pkts) &&
	          (rel - p0) % sizeof(struct sim_pkt) == 0;
	if (!ok)
		return NULL;
	struct sim_pkt *p = (struct sim_pkt *)a;
	if (p->self_off != (uint32_t)(a - base))
		return NULL;
	known_base = base;
	known_nonce = g_sim.hdr->nonce;
	known_pkt = a;
	return p;
}
