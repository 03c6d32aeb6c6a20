/*
 * devpool.c: the fake driver's own packet pools (xnu-feth.md 1.2, 1.4, 5.1).
 * net.link.fake.pktpool_mode, latched at create, picks them:
 *   0 global:  one pool "feth shared pp" for every feth, TX and RX; feth
 *              hands the sender's packet itself to the peer;
 *   1 private: one pool per interface, TX and RX; feth copies into the
 *              peer's pool (feth_copy_packet);
 *   2 split:   per interface a TX pool and a separate RX pool; feth copies
 *              into the peer's RX pool (feth_clone_packet).
 * 1024 packets of 2048 bytes each (the kernel's split RX pool packs packets
 * into 96 KiB buffers instead; nothing in the tests can see the difference).
 * Pools are initialised under cfglock when an interface is created; packets
 * are taken and returned by any process under the pool's own lock.
 */
#include <string.h>

#include "sim.h"

static void pool_init(int idx, int owner, uint32_t roles, uint32_t user_access)
{
	struct sim_devpool *dp = sim_devpool(idx);
	atomic_store(&dp->lock.word, 0);
	dp->roles = roles;
	dp->owner = owner;
	dp->user_access = user_access;
	dp->nfree = SIM_DEV_PKTS;
	for (uint32_t i = 0; i < SIM_DEV_PKTS; i++) {
		struct sim_pkt *p = &dp->pkts[i];
		memset(p, 0, sizeof(*p));
		p->self_off = sim_off(p);
		p->chan = (uint16_t)idx;
		p->kind = PK_DEV;
		p->state = PS_FREE;
		p->b.buf_off = sim_off(dp->buf[i]);
		p->b.dlim = SIM_DEV_BUF;
		dp->free[i] = SIM_DEV_PKTS - 1 - i;
	}
	dp->in_use = 1;
}

void sim_devpools_attach_if(int ifidx, struct sim_ifnet *ifp)
{
	uint32_t ua = ifp->user_access ? 1 : 0;
	int tx = 1 + 2 * ifidx, rx = tx + 1;
	switch (ifp->pktpool_mode) {
	case 1:
		pool_init(tx, ifidx, DEVPOOL_TX | DEVPOOL_RX, ua);
		ifp->txpool = ifp->rxpool = tx;
		break;
	case 2:
		pool_init(tx, ifidx, DEVPOOL_TX, ua);
		pool_init(rx, ifidx, DEVPOOL_RX, ua);
		ifp->txpool = tx;
		ifp->rxpool = rx;
		break;
	default:
		/* created by the first feth and kept, as if_fake's global pool;
		 * its access flag is the first creator's */
		if (!sim_devpool(0)->in_use)
			pool_init(0, -1, DEVPOOL_TX | DEVPOOL_RX, ua);
		ifp->txpool = ifp->rxpool = 0;
		break;
	}
}

struct sim_pkt *sim_devpool_alloc(int idx)
{
	struct sim_devpool *dp = sim_devpool(idx);
	sim_lock(&dp->lock);
	if (dp->nfree == 0) {
		sim_unlock(&dp->lock);
		return NULL;
	}
	struct sim_pkt *p = &dp->pkts[dp->free[--dp->nfree]];
	sim_unlock(&dp->lock);
	sim_pkt_reset(p);
	return p;
}

void sim_devpool_free(struct sim_pkt *p)
{
	struct sim_devpool *dp = sim_devpool(sim_devpool_of(p));
	p->state = PS_FREE;
	sim_lock(&dp->lock);
	dp->free[dp->nfree++] = (uint32_t)(p - dp->pkts);
	sim_unlock(&dp->lock);
}
