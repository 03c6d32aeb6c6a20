/*
 * channel.c: a netif channel as one AF_XDP socket on queue 0 of its veth:
 * open (the UMEM, then the socket: xsk.c), close, lookup and sync (rings.c).
 *
 * Open: mmap the UMEM (the user packet pool), register it with a fill and a
 * completion ring, create the socket (RX 1024, TX 512) through libxdp, which
 * loads its default XDP program (redirect every frame of the queue to the
 * socket's XSKMAP entry) and attaches it: native (DRV) first, generic (SKB)
 * when the driver refuses, unless the run asks for one mode. In copy mode the
 * bind tries XDP_ZEROCOPY first and keeps its errno for the report (veth
 * refuses it: EOPNOTSUPP), then binds with XDP_COPY.
 *
 * Sync (both directions, the only place the kernel rings are touched besides
 * readiness): reap the completion ring into the pool, top up the fill ring
 * from the pool, then TX sync moves [khead, head) into the TX ring and kicks it
 * (copy mode sends at most 32 frames per sendto: kicked until the ring is
 * drained or the kernel pushes back); RX sync gives [khead, head) back and moves
 * new RX descriptors into slots. No frame is made up here: what the user sees
 * is what the kernel put in the RX ring, and drops are the kernel's counters.
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

static struct channel *chans[AXP_MAX_CHAN];

static channel_t fail(int err)
{
	errno = err;
	return NULL;
}

static void ring_init(struct channel_ring_desc *r, struct channel *ch, int kind,
    struct axp_pkt **slots, uint32_t n)
{
	r->ch = ch;
	r->kind = kind;
	r->slots = slots;
	r->n = n;
	r->head = r->tail = r->khead = r->ktail = 0;
}

static void channel_free(struct channel *ch)
{
	axp_xsk_close(ch);
	if (ch->area != NULL && ch->area != MAP_FAILED)
		munmap(ch->area, (size_t)AXP_FRAMES * AXP_FRAME_SIZE);
	free(ch);
}

channel_t os_channel_create_extended(const skt_uuid_t uuid, nexus_port_t port,
    ring_dir_t dir, ring_id_t rid, channel_attr_t attr)
{
	if (!g_env.attached)
		return fail(ENXIO);
	if (uuid == NULL || (rid != CHANNEL_RING_ID_ANY && rid != 0))
		return fail(EINVAL);
	if (dir != CHANNEL_DIR_TX_RX)
		return fail(ENOTSUP);
	uint64_t upp = attr ? attr->v[CHANNEL_ATTR_USER_PACKET_POOL] : 0;
	if (attr && attr->v[CHANNEL_ATTR_EVENT_RING]) {
		axp_set_why("AF_XDP has no channel event ring (no per-packet transmit status or expiry)");
		return fail(ENOTSUP);
	}
	if (!upp) {
		axp_set_why("an AF_XDP channel always uses the user packet pool (the UMEM)");
		return fail(ENOTSUP);   /* netif_vp_na_create refuses a channel without UPP */
	}
	char ifname[16];
	int err = -axp_nexus_ifname(uuid, ifname);
	if (err)
		return fail(err);
	if (!axp_flow_port_ok(ifname, port))
		return fail(ENOENT);
	int slot = -1;
	for (int i = 0; i < AXP_MAX_CHAN; i++) {
		if (chans[i] && strcmp(chans[i]->ifname, ifname) == 0)
			return fail(EBUSY);   /* one socket per queue */
		if (!chans[i] && slot < 0)
			slot = i;
	}
	if (slot < 0)
		return fail(ENOMEM);
	struct channel *ch = calloc(1, sizeof(*ch));
	if (ch == NULL)
		return fail(ENOMEM);
	ch->fd = -1;
	snprintf(ch->ifname, sizeof(ch->ifname), "%s", ifname);
	ch->ifcfg = axp_if_index(ifname);
	ch->port = port;
	ch->upp = 1;
	ch->defunct_ok = attr && attr->v[CHANNEL_ATTR_NEXUS_DEFUNCT_OK] ? 1 : 0;
	ch->low_latency = attr && attr->v[CHANNEL_ATTR_LOW_LATENCY] ? 1 : 0;
	ch->area = mmap(NULL, (size_t)AXP_FRAMES * AXP_FRAME_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (ch->area == MAP_FAILED) {
		err = errno;
		channel_free(ch);
		return fail(err);
	}
	axp_pools_init(ch);
	ring_init(&ch->txr, ch, AXP_TXR, ch->txs, AXP_TX_SLOTS);
	ring_init(&ch->rxr, ch, AXP_RXR, ch->rxs, AXP_RX_SLOTS);
	int saved;
	err = -axp_netns_enter(ifname, &saved);
	if (!err) {
		err = axp_xsk_open(ch);
		axp_netns_leave(saved);
	}
	if (err) {
		channel_free(ch);
		return fail(err);
	}
	axp_refill(ch);
	axp_tx_publish(ch);
	if (attr) {
		uint32_t ifindex;
		memcpy(&ifindex, uuid + 8, 4);
		axp_effective_attrs(attr, ch, ifindex);
	}
	chans[slot] = ch;
	ch->used = true;
	return ch;
}

void os_channel_destroy(channel_t ch)
{
	if (ch == NULL)
		return;
	for (int i = 0; i < AXP_MAX_CHAN; i++)
		if (chans[i] == ch)
			chans[i] = NULL;
	axp_xdp_stats(ch, &ch->last_stats);
	channel_free(ch);
}

struct channel *axp_channel_by_fd(int fd)
{
	for (int i = 0; fd >= 0 && i < AXP_MAX_CHAN; i++)
		if (chans[i] && chans[i]->fd == fd)
			return chans[i];
	return NULL;
}

struct channel *axp_channel_by_ifname(const char *ifname)
{
	for (int i = 0; i < AXP_MAX_CHAN; i++)
		if (chans[i] && strcmp(chans[i]->ifname, ifname) == 0)
			return chans[i];
	return NULL;
}

int os_channel_get_fd(channel_t ch) { return ch ? ch->fd : -1; }

ring_id_t os_channel_ring_id(channel_t ch, ring_id_type_t type)
{
	(void)ch;
	(void)type;
	return 0;   /* one TX and one RX ring, both id 0 */
}

channel_ring_t os_channel_tx_ring(channel_t ch, ring_id_t rid) { return ch && rid == 0 ? &ch->txr : NULL; }
channel_ring_t os_channel_rx_ring(channel_t ch, ring_id_t rid) { return ch && rid == 0 ? &ch->rxr : NULL; }

/* -1 with errno, as libsyscall's os_channel_sync */
int os_channel_sync(channel_t ch, sync_mode_t mode)
{
	if (ch == NULL || (mode != CHANNEL_SYNC_TX && mode != CHANNEL_SYNC_RX)) {
		errno = EINVAL;
		return -1;
	}
	int err = mode == CHANNEL_SYNC_TX ? axp_tx_sync(ch) : axp_rx_sync(ch);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}
