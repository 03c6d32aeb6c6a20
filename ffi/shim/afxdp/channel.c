/*
 * channel.c: a netif channel as one AF_XDP socket on queue 0 of its veth.
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
 * from the pool, then TX sync moves [ksub, head) into the TX ring and kicks it
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

#include <linux/if_link.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "afxdp.h"

#define NEXUS_TYPE_NET_IF 2
#define NEXUS_META_TYPE_PACKET 2
#define NEXUS_META_SUBTYPE_RAW 2
#define XDP_HEADROOM 256          /* XDP_PACKET_HEADROOM: where RX frames start in a chunk */
#define KICK_ROUNDS (AXP_TX_SLOTS / 32 + 4)

static struct channel *chans[AXP_MAX_CHAN];

/* ------------------------------------------------------------ attributes */

channel_attr_t os_channel_attr_create(void) { return calloc(1, sizeof(struct channel_attr)); }
void os_channel_attr_destroy(channel_attr_t attr) { free(attr); }

static bool settable(channel_attr_type_t t)
{
	switch (t) {
	case CHANNEL_ATTR_EXCLUSIVE: case CHANNEL_ATTR_NO_AUTO_SYNC: case CHANNEL_ATTR_MONITOR:
	case CHANNEL_ATTR_TX_LOWAT_UNIT: case CHANNEL_ATTR_TX_LOWAT_VALUE:
	case CHANNEL_ATTR_RX_LOWAT_UNIT: case CHANNEL_ATTR_RX_LOWAT_VALUE:
	case CHANNEL_ATTR_USER_PACKET_POOL: case CHANNEL_ATTR_NEXUS_DEFUNCT_OK: case 27 /* FILTER */:
	case CHANNEL_ATTR_EVENT_RING: case CHANNEL_ATTR_LOW_LATENCY:
		return true;
	default:
		return false;
	}
}

int os_channel_attr_set(channel_attr_t attr, channel_attr_type_t type, uint64_t value)
{
	if (attr == NULL || type >= CHANNEL_ATTR_COUNT)
		return EINVAL;
	if (!settable(type))
		return ENOTSUP;
	if (type == CHANNEL_ATTR_NO_AUTO_SYNC && value != 1)
		return EINVAL;
	attr->v[type] = value;
	attr->set |= 1ull << type;
	return 0;
}

int os_channel_attr_get(channel_attr_t attr, channel_attr_type_t type, uint64_t *value)
{
	if (attr == NULL || value == NULL || type >= CHANNEL_ATTR_COUNT)
		return EINVAL;
	*value = attr->v[type];
	return 0;
}

static void effective_attrs(channel_attr_t a, const struct channel *ch, unsigned ifindex)
{
	uint64_t *v = a->v;
	v[CHANNEL_ATTR_TX_RINGS] = 1;
	v[CHANNEL_ATTR_RX_RINGS] = 1;
	v[CHANNEL_ATTR_TX_SLOTS] = AXP_TX_SLOTS;
	v[CHANNEL_ATTR_RX_SLOTS] = AXP_RX_SLOTS;
	v[CHANNEL_ATTR_SLOT_BUF_SIZE] = AXP_FRAME_SIZE;
	v[CHANNEL_ATTR_SLOT_META_SIZE] = sizeof(struct axp_pkt);
	v[CHANNEL_ATTR_NO_AUTO_SYNC] = 1;
	v[CHANNEL_ATTR_TX_LOWAT_VALUE] = 1;  /* unit 0 = slots */
	v[CHANNEL_ATTR_RX_LOWAT_VALUE] = 1;
	v[CHANNEL_ATTR_NEXUS_TYPE] = NEXUS_TYPE_NET_IF;
	v[18] = ifindex;                      /* NEXUS_IFINDEX */
	v[21] = NEXUS_META_TYPE_PACKET;
	v[22] = NEXUS_META_SUBTYPE_RAW;
	v[CHANNEL_ATTR_USER_PACKET_POOL] = ch->upp;
	v[25] = 0;                            /* NEXUS_ADV_SIZE: no interface advisory */
	v[CHANNEL_ATTR_NEXUS_DEFUNCT_OK] = ch->defunct_ok;
	v[CHANNEL_ATTR_EVENT_RING] = 0;
	v[CHANNEL_ATTR_MAX_FRAGS] = 1;
	v[CHANNEL_ATTR_NUM_BUFFERS] = AXP_FRAMES;
	v[CHANNEL_ATTR_LOW_LATENCY] = ch->low_latency;
}

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

static void pools_init(struct channel *ch)
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
static void refill(struct channel *ch)
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
static void tx_publish(struct channel *ch)
{
	struct channel_ring_desc *r = &ch->txr;
	uint32_t t = r->khead + xsk_prod_nb_free(&ch->tx, AXP_TX_SLOTS);
	if ((int32_t)(t - r->tail) > 0)
		r->tail = t;
}

uint32_t axp_tx_free(struct channel *ch)
{
	if (xsk_prod_nb_free(&ch->tx, AXP_TX_SLOTS) < AXP_TX_SLOTS)
		kick(ch);   /* what poll(POLLOUT) does in copy mode */
	tx_publish(ch);
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
	refill(ch);
	tx_publish(ch);
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

/* frames the kernel delivered that the user has not taken: RX ring + slots from head */
uint32_t axp_rx_unread(struct channel *ch)
{
	return xsk_cons_nb_avail(&ch->rx, AXP_RX_SLOTS) + (ch->rxr.ktail - ch->rxr.head);
}

int axp_rx_sync(struct channel *ch)
{
	struct channel_ring_desc *r = &ch->rxr;
	for (uint32_t c = r->khead; c != r->head; c++)
		if (r->slots[c % r->n] != NULL)
			abort();   /* libsyscall: RX slot not detached (common.c refuses first) */
	r->khead = r->head;
	reap(ch);
	refill(ch);
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

/* --------------------------------------------------------------- opening */

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list args)
{
	if (level == LIBXDP_DEBUG)
		return 0;
	char msg[256];
	int n = vsnprintf(msg, sizeof(msg), fmt, args);
	while (n > 0 && (size_t)n < sizeof(msg) && msg[n - 1] == '\n')
		msg[--n] = '\0';
	axp_set_why("libxdp: %s", msg);
	return 0;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return libxdp_log(level == LIBBPF_DEBUG ? LIBXDP_DEBUG : LIBXDP_WARN, fmt, args);
}

static void xsk_close(struct channel *ch)
{
	if (ch->xsk)
		xsk_socket__delete(ch->xsk);
	if (ch->umem)
		xsk_umem__delete(ch->umem);
	ch->xsk = NULL;
	ch->umem = NULL;
	ch->fd = -1;
}

/* one attempt: a fresh UMEM registration and a socket; 0 or an errno */
static int xsk_try(struct channel *ch, uint32_t xdp_flags, uint16_t bind_flags)
{
	struct xsk_umem_config ucfg = {
		.fill_size = AXP_FILL_SIZE, .comp_size = AXP_COMP_SIZE,
		.frame_size = AXP_FRAME_SIZE, .frame_headroom = 0, .flags = 0,
	};
	int err = -xsk_umem__create(&ch->umem, ch->area, (uint64_t)AXP_FRAMES * AXP_FRAME_SIZE,
	    &ch->fill, &ch->comp, &ucfg);
	if (err) {
		ch->umem = NULL;
		return err;
	}
	struct xsk_socket_config scfg = {
		.rx_size = AXP_RX_SLOTS, .tx_size = AXP_TX_SLOTS,
		.libxdp_flags = 0, .xdp_flags = xdp_flags,
		.bind_flags = (uint16_t)(XDP_USE_NEED_WAKEUP | bind_flags),
	};
	err = -xsk_socket__create(&ch->xsk, ch->ifname, 0, ch->umem, &ch->rx, &ch->tx, &scfg);
	if (err) {
		ch->xsk = NULL;
		xsk_close(ch);
		return err;
	}
	ch->fd = xsk_socket__fd(ch->xsk);
	return 0;
}

/* the modes to attach in, in order */
static int modes(uint32_t out[2])
{
	switch (g_env.mode) {
	case MODE_DRV: out[0] = XDP_FLAGS_DRV_MODE; return 1;
	case MODE_SKB: out[0] = XDP_FLAGS_SKB_MODE; return 1;
	default: out[0] = XDP_FLAGS_DRV_MODE; out[1] = XDP_FLAGS_SKB_MODE; return 2;
	}
}

/* in the interface's namespace: socket and program, with the fallbacks */
static int xsk_open(struct channel *ch)
{
	libxdp_set_print(libxdp_log);
	libbpf_set_print(libbpf_log);
	uint32_t m[2];
	int nm = modes(m), err = EINVAL;
	for (int i = 0; i < nm; i++) {
		ch->xdp_mode = m[i] == XDP_FLAGS_DRV_MODE ? MODE_DRV : MODE_SKB;
		if (g_env.bind == BIND_COPY) {
			ch->zc_tried = 1;
			ch->zc_errno = xsk_try(ch, m[i], XDP_ZEROCOPY);
			if (ch->zc_errno == 0) {
				ch->zerocopy = 1;
				return 0;
			}
			err = xsk_try(ch, m[i], XDP_COPY);
		} else {
			err = xsk_try(ch, m[i], 0);
		}
		if (err == 0) {
			struct xdp_options opt;
			socklen_t len = sizeof(opt);
			if (getsockopt(ch->fd, SOL_XDP, XDP_OPTIONS, &opt, &len) == 0)
				ch->zerocopy = (opt.flags & XDP_OPTIONS_ZEROCOPY) != 0;
			return 0;
		}
	}
	return err;
}

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
	xsk_close(ch);
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
	pools_init(ch);
	ring_init(&ch->txr, ch, AXP_TXR, ch->txs, AXP_TX_SLOTS);
	ring_init(&ch->rxr, ch, AXP_RXR, ch->rxs, AXP_RX_SLOTS);
	int saved;
	err = -axp_netns_enter(ifname, &saved);
	if (!err) {
		err = xsk_open(ch);
		axp_netns_leave(saved);
	}
	if (err) {
		channel_free(ch);
		return fail(err);
	}
	refill(ch);
	tx_publish(ch);
	if (attr) {
		uint32_t ifindex;
		memcpy(&ifindex, uuid + 8, 4);
		effective_attrs(attr, ch, ifindex);
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
