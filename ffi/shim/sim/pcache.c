/*
 * pcache.c: a process-local stash of free packets in front of a shared pool's
 * free stack, so that a run of allocations or frees takes the pool's lock (a
 * cache line both processes write) once per run instead of once per packet.
 *
 * The kernel does the same in two places, and the sim follows both:
 *  - skmem_cache's per-CPU magazines (skmem_cache.c): the kernel side of a
 *    sync allocates and frees packets (device pools, the peer channel's pool)
 *    from a CPU-local magazine; the sim's TX sync keeps a stash per pool for
 *    the length of one sync and returns what is left at its end;
 *  - the user packet pool's alloc and free rings (libsyscall channel.c,
 *    os_channel_packet_alloc / os_channel_packet_free): the owner allocates
 *    from and frees into rings that the kernel refills and drains in batches;
 *    the sim keeps a stash per open channel in its owner process, drained at
 *    every sync and at close, and allocation takes from it first, so the owner
 *    can still allocate every packet of its pool.
 */
#include <stddef.h>

#include "sim.h"

void sim_pcache_bind_user(struct sim_pcache *c, struct sim_chan_area *ca)
{
	c->lock = &ca->pool.lock;
	c->nfree = &ca->pool.nfree;
	c->free = ca->pool.free;
	c->pkts = ca->pkts;
	c->key = ca;
	c->n = 0;
}

void sim_pcache_bind_dev(struct sim_pcache *c, struct sim_devpool *dp)
{
	c->lock = &dp->lock;
	c->nfree = &dp->nfree;
	c->free = dp->free;
	c->pkts = dp->pkts;
	c->key = dp;
	c->n = 0;
}

/* takes up to `want` packets from the pool; returns how many */
static uint32_t refill(struct sim_pcache *c, uint32_t want)
{
	sim_lock(c->lock);
	uint32_t k = *c->nfree < want ? *c->nfree : want;
	for (uint32_t i = 0; i < k; i++)
		c->idx[c->n++] = c->free[--*c->nfree];
	sim_unlock(c->lock);
	return k;
}

struct sim_pkt *sim_pcache_alloc(struct sim_pcache *c, uint32_t want)
{
	if (c->n == 0) {
		if (want < 1)
			want = 1;
		if (want > SIM_PCACHE)
			want = SIM_PCACHE;
		if (refill(c, want) == 0)
			return NULL;
	}
	struct sim_pkt *p = &c->pkts[c->idx[--c->n]];
	sim_pkt_reset(p);
	return p;
}

void sim_pcache_flush(struct sim_pcache *c)
{
	if (c->lock == NULL || c->n == 0)
		return;
	sim_lock(c->lock);
	/* in order: the packet freed last ends on top, the next one allocated */
	for (uint32_t i = 0; i < c->n; i++)
		c->free[(*c->nfree)++] = c->idx[i];
	sim_unlock(c->lock);
	c->n = 0;
}

void sim_pcache_free(struct sim_pcache *c, struct sim_pkt *p)
{
	p->state = PS_FREE;
	if (c->n == SIM_PCACHE)
		sim_pcache_flush(c);
	c->idx[c->n++] = (uint32_t)(p - c->pkts);
}
