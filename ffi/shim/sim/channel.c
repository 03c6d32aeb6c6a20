/*
 * channel.c: channel attributes, open and close.
 * A channel is a netif VP adapter on (nexus, port): the port must carry a
 * flow and the channel must use a user packet pool (netif_vp_na_create
 * refuses otherwise). Each of the SIM_MAX_CHAN records of the domain owns a
 * fixed area (rings, pools, buffers) and a doorbell socket.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

#define NEXUS_TYPE_NET_IF 2
#define NEXUS_META_TYPE_PACKET 2
#define NEXUS_META_SUBTYPE_RAW 2
enum { CS_OPENING = 2 };

channel_attr_t os_channel_attr_create(void)
{
	return calloc(1, sizeof(struct channel_attr));
}

void os_channel_attr_destroy(channel_attr_t attr)
{
	free(attr);
}

/* os_channel_attr_set (os_channel.c ~1363): the (g) keys are ENOTSUP, the
 * host-ring keys and unknown ones EINVAL; enumerated values are checked */
int os_channel_attr_set(channel_attr_t attr, channel_attr_type_t type, uint64_t value)
{
	switch (type) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 14: case 15: case 18: case 19:
	case 20: case 21: case 22: case 23: case 25: case 29: case 30: case 32:
		return ENOTSUP;
	case CHANNEL_ATTR_NO_AUTO_SYNC:
		return value == 0 ? ENOTSUP : 0;
	case CHANNEL_ATTR_MONITOR:               /* OFF, NO_COPY, COPY */
	case CHANNEL_ATTR_TX_LOWAT_UNIT:         /* BYTES, SLOTS */
	case CHANNEL_ATTR_RX_LOWAT_UNIT:
		if (value > (type == CHANNEL_ATTR_MONITOR ? 2u : 1u))
			return EINVAL;
		break;
	case CHANNEL_ATTR_EXCLUSIVE: case CHANNEL_ATTR_TX_LOWAT_VALUE: case CHANNEL_ATTR_RX_LOWAT_VALUE:
		value = (uint32_t)value;
		break;
	case CHANNEL_ATTR_USER_PACKET_POOL: case CHANNEL_ATTR_NEXUS_DEFUNCT_OK: case 27 /* FILTER */:
	case CHANNEL_ATTR_EVENT_RING: case CHANNEL_ATTR_LOW_LATENCY:
		value = value != 0;
		break;
	default:
		return EINVAL;
	}
	attr->v[type] = value;
	attr->set |= 1ull << type;
	return 0;
}

/* os_channel_attr_get (~1495): no case for the host-ring keys and FILTER */
int os_channel_attr_get(channel_attr_t attr, channel_attr_type_t type, uint64_t *value)
{
	if (type >= CHANNEL_ATTR_COUNT || type == 16 || type == 17 || type == 27)
		return EINVAL;
	*value = type == CHANNEL_ATTR_NO_AUTO_SYNC ? 1 : attr->v[type];
	return 0;
}

/*
 * os_channel_info2attr: the attributes come from the nexus provider's
 * parameters (CHD_PARAMS), not from the channel's rings. feth created with
 * net.link.fake.llink_cnt > 0 registers a logical-link native netif provider
 * (create_netif_llink_provider_and_instance, if_fake.c), whose TX/RX slots
 * nx_netif_prov_params_adjust sets to NX_NETIF_MINSLOTS = 2, while the VP
 * adapter's own rings keep the domain defaults, 512 and 1024
 * (netif_vp_na_create, nx_netif_vp.c). A native netif always has an
 * advisory region: nexusadv_size = sizeof(struct netif_nexus_advisory).
 */
#define NX_NETIF_MINSLOTS 2
#define NETIF_NEXUS_ADVISORY_SIZE (8 + 8 + IF_INTERFACE_ADVISORY_SIZE)
static void effective_attrs(channel_attr_t a, const struct sim_chan *sc, const struct sim_ifnet *ifp)
{
	uint64_t *v = a->v;
	memset(a, 0, sizeof(*a));   /* bzero(cha): every attribute is rewritten */
	v[CHANNEL_ATTR_TX_RINGS] = 1;
	v[CHANNEL_ATTR_RX_RINGS] = 1;
	v[CHANNEL_ATTR_TX_SLOTS] = ifp->llink ? NX_NETIF_MINSLOTS : SIM_TX_SLOTS;
	v[CHANNEL_ATTR_RX_SLOTS] = ifp->llink ? NX_NETIF_MINSLOTS : SIM_RX_SLOTS;
	v[CHANNEL_ATTR_SLOT_BUF_SIZE] = SIM_BUF_SIZE;
	v[CHANNEL_ATTR_SLOT_META_SIZE] = sizeof(struct sim_pkt);
	v[CHANNEL_ATTR_NO_AUTO_SYNC] = 1;
	v[CHANNEL_ATTR_TX_LOWAT_VALUE] = 1;  /* unit 0 = slots */
	v[CHANNEL_ATTR_RX_LOWAT_VALUE] = 1;
	v[CHANNEL_ATTR_NEXUS_TYPE] = NEXUS_TYPE_NET_IF;
	v[18] = (uint64_t)(sc->ifidx + 1);   /* NEXUS_IFINDEX */
	v[21] = NEXUS_META_TYPE_PACKET;
	v[22] = NEXUS_META_SUBTYPE_RAW;
	v[CHANNEL_ATTR_USER_PACKET_POOL] = sc->upp;
	v[25] = NETIF_NEXUS_ADVISORY_SIZE;  /* NEXUS_ADV_SIZE */
	v[CHANNEL_ATTR_NEXUS_DEFUNCT_OK] = sc->defunct_ok;
	v[CHANNEL_ATTR_EVENT_RING] = sc->evring;
	v[CHANNEL_ATTR_MAX_FRAGS] = 1;
	v[CHANNEL_ATTR_NUM_BUFFERS] = SIM_POOL_PKTS;
	v[CHANNEL_ATTR_LOW_LATENCY] = sc->low_latency;
}

static void ring_desc(struct channel_ring_desc *r, struct channel *ch, int kind,
    struct sim_ringh *h, uint32_t *slots, uint32_t n)
{
	r->ch = ch;
	r->kind = kind;
	r->h = h;
	r->slots = slots;
	r->n = n;
}

/* rxlock held, at close: the frames delivered to the RX ring that its owner never read
 * ([head, ktail)) are counted on the interface: in flight when the receiver stopped */
static void count_unread_rx(struct sim_chan *sc, int idx)
{
	struct sim_ringh *rh = &sim_area(idx)->rxh;
	uint32_t unread = atomic_load(&rh->ktail) - rh->head;
	if (unread <= SIM_RX_SLOTS)
		sim_stat(&g_sim.hdr->ifs[sc->ifidx], SKT_STAT_RX_LEFT_AT_CLOSE, unread);
}

/* cfglock held: a record whose owner died is closed on its behalf */
static void reap_dead(void)
{
	for (int i = 0; i < SIM_MAX_CHAN; i++) {
		struct sim_chan *sc = &g_sim.hdr->chans[i];
		if (atomic_load(&sc->state) != CS_FREE && !sim_pid_alive(atomic_load(&sc->owner_pid))) {
			sim_lock(&sc->rxlock);
			atomic_store(&sc->state, CS_FREE);
			sim_unlock(&sc->rxlock);
		}
	}
}

static channel_t fail(int err)
{
	errno = err;
	return NULL;
}

channel_t os_channel_create_extended(const skt_uuid_t uuid, nexus_port_t port,
    ring_dir_t dir, ring_id_t rid, channel_attr_t attr)
{
	if (!g_sim.attached)
		return fail(ENXIO);
	if (uuid == NULL || (rid != CHANNEL_RING_ID_ANY && rid != 0))
		return fail(EINVAL);
	if (dir != CHANNEL_DIR_TX_RX)
		return fail(ENOTSUP);
	uint64_t upp = attr ? attr->v[CHANNEL_ATTR_USER_PACKET_POOL] : 0;
	uint64_t evring = attr ? attr->v[CHANNEL_ATTR_EVENT_RING] : 0;
	if (evring && !upp)
		return fail(EINVAL);   /* library check */

	struct sim_hdr *h = g_sim.hdr;
	int ifidx, idx = -1, err = 0;
	sim_lock(&h->cfglock);
	struct sim_ifnet *ifp = sim_if_by_uuid(uuid, &ifidx);
	struct sim_flow *f = ifp ? sim_flow_find(ifidx, port) : NULL;
	if (ifp == NULL)
		err = ENOENT;
	else if (port >= SIM_NX_MAXPORTS)
		err = EDOM;
	else if (f == NULL || !upp)
		err = EINVAL;
	if (err == 0) {
		reap_dead();
		for (int i = 0; i < SIM_MAX_CHAN; i++) {
			struct sim_chan *sc = &h->chans[i];
			uint32_t st = atomic_load(&sc->state);
			if (st != CS_FREE && sc->ifidx == ifidx && sc->port == port)
				err = EBUSY;
			else if (st == CS_FREE && idx < 0)
				idx = i;
		}
		if (err == 0 && idx < 0)
			err = ENOSPC;
	}
	struct sim_chan *sc = NULL;
	if (err == 0) {
		sc = &h->chans[idx];
		sim_lock(&sc->rxlock);
		atomic_store(&sc->state, CS_OPENING);  /* reserved; nobody delivers yet */
		atomic_store(&sc->owner_pid, (int32_t)getpid());
		sc->gen++;
		sc->ifidx = ifidx;
		sc->port = port;
		sc->upp = 1;
		sc->evring = evring ? 1 : 0;
		sc->defunct_ok = attr && attr->v[CHANNEL_ATTR_NEXUS_DEFUNCT_OK] ? 1 : 0;
		sc->low_latency = attr && attr->v[CHANNEL_ATTR_LOW_LATENCY] ? 1 : 0;
		memcpy(sc->laddr, f->laddr, 16);
		memcpy(sc->raddr, f->raddr, 16);
		atomic_store(&sc->defunct, 0);
		atomic_store(&sc->event_attached, 0);
		atomic_store(&sc->adv_enabled, 0);
		atomic_store(&sc->adv_pending, 0);
		atomic_store(&sc->waiting, 0);
		sim_unlock(&sc->rxlock);
	}
	sim_unlock(&h->cfglock);
	if (err)
		return fail(err);

	struct channel *ch = calloc(1, sizeof(*ch));
	int fd = ch ? sim_door_open(idx) : -ENOMEM;
	if (fd < 0) {
		free(ch);
		atomic_store(&sc->state, CS_FREE);
		return fail(-fd);
	}
	struct sim_chan_area *ca = sim_area(idx);
	memset(ca, 0, offsetof(struct sim_chan_area, pool));
	ca->txh.tail = SIM_TX_SLOTS - 1;    /* every TX slot starts free, one kept empty */
	sim_pool_init(ca, idx);
	sim_pcache_bind_user(&ch->upool, ca);
	ch->idx = idx;
	ch->gen = sc->gen;
	ch->fd = fd;
	ch->sc = sc;
	ch->ca = ca;
	ring_desc(&ch->tx, ch, 0, &ca->txh, ca->txs, SIM_TX_SLOTS);
	ring_desc(&ch->rx, ch, 1, &ca->rxh, ca->rxs, SIM_RX_SLOTS);
	ring_desc(&ch->ev, ch, 2, &ca->evh, ca->evs, SIM_EV_SLOTS);
	sim_lock(&sc->rxlock);
	atomic_store_explicit(&sc->state, CS_OPEN, memory_order_release);
	sim_unlock(&sc->rxlock);
	sim_proc_lock();
	g_sim.open[idx] = ch;
	sim_proc_unlock();
	sim_adv_arm(ifp);          /* feth_nx_connected anchors the advisory timer */
	if (attr)
		effective_attrs(attr, sc, ifp);
	return ch;
}

void os_channel_destroy(channel_t ch)
{
	if (ch == NULL)
		return;
	struct sim_chan *sc = ch->sc;
	sim_kevent_forget_fd(ch->fd);
	sim_proc_lock();
	g_sim.open[ch->idx] = NULL;
	sim_proc_unlock();
	sim_door_close(ch->fd, ch->idx);
	sim_pcache_flush(&ch->upool);
	sim_devmag_flush();
	sim_lock(&sc->rxlock);     /* waits out a sender delivering right now */
	count_unread_rx(sc, ch->idx);
	atomic_store(&sc->adv_enabled, 0);
	atomic_store(&sc->event_attached, 0);
	atomic_store(&sc->state, CS_FREE);
	sim_unlock(&sc->rxlock);
	sim_adv_disarm_if_idle(sc->ifidx);
	free(ch);
}

int os_channel_get_fd(channel_t ch)
{
	return ch ? ch->fd : -1;
}

ring_id_t os_channel_ring_id(channel_t ch, ring_id_type_t type)
{
	if (ch == NULL || type > CHANNEL_LAST_RX_RING)
		return CHANNEL_RING_ID_ANY;
	return 0;   /* one TX and one RX ring, each numbered 0 */
}

channel_ring_t os_channel_tx_ring(channel_t ch, ring_id_t rid)
{
	return ch && rid == 0 ? &ch->tx : NULL;
}

channel_ring_t os_channel_rx_ring(channel_t ch, ring_id_t rid)
{
	return ch && rid == 0 ? &ch->rx : NULL;
}

struct channel *sim_channel_by_fd(int fd)
{
	struct channel *found = NULL;
	sim_proc_lock();
	for (int i = 0; i < SIM_MAX_CHAN && found == NULL; i++)
		if (g_sim.open[i] != NULL && g_sim.open[i]->fd == fd)
			found = g_sim.open[i];
	sim_proc_unlock();
	return found;
}
