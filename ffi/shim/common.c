/*
 * common.c: the exported shim ABI (skt_shim.h) written only against the
 * Skywalk SPI (skt_spi.h) and the platform hooks (skt_platform.h), so the
 * same file serves the sim and the real macOS SPI.
 *
 * What lives here:
 *  - the per-thread message of the last failure;
 *  - return-convention normalisation: most SPI calls return an errno value,
 *    os_channel_sync / os_channel_configure_interface_advisory return -1 with
 *    errno, os_channel_create_extended NULL with errno; all become -errno;
 *  - per-channel tables: u32 packet handles -> packet_t, ring slot index ->
 *    channel_slot_t (from slot_prop_t.sp_idx), RX slot -> handle;
 *  - the checks that stand in for the SPI's process kills (DESIGN.md).
 *
 * Ring window tracking: the user cursor (head) only moves through
 * os_channel_advance_slot, i.e. through this file; `known` counts the slots
 * from head that get_next_slot has shown to lie before tail (tail never moves
 * back). A slot index is "in the window" iff its distance from head < known.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "skt_shim.h"
#include "skt_spi.h"

#ifndef SKT_BACKEND_NAME
#define SKT_BACKEND_NAME "unknown"
#endif

_Static_assert(sizeof(struct skt_kevent) == 24, "struct skt_kevent is 24 bytes");
/* the SPI's own sizes are pinned in skt_spi.h, which every backend compiles */

/* ---------------------------------------------------------------- errors */

static _Thread_local char last_err[256];

static int32_t fail(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(last_err))
		snprintf(last_err + n, sizeof(last_err) - (size_t)n, ": %s (errno %d)", strerror(err), err);
	return -err;
}

/* an SPI result (errno value, or -1 + errno) as a positive errno, 0 if ok */
static int spi_err(int r)
{
	if (r == 0)
		return 0;
	if (r == -1)
		return errno ? errno : EIO;
	return r > 0 ? r : -r;
}

static int32_t copy_str(char *buf, uint32_t len, const char *s)
{
	size_t n = strlen(s);
	if (buf != NULL && len > 0) {
		size_t k = n < len - 1 ? n : len - 1;
		memcpy(buf, s, k);
		buf[k] = '\0';
	}
	return (int32_t)n;
}

SKT_EXPORT uint32_t skt_abi_version(void) { return SKT_SHIM_ABI_VERSION; }
SKT_EXPORT int32_t skt_backend_name(char *buf, uint32_t len) { return copy_str(buf, len, SKT_BACKEND_NAME); }
SKT_EXPORT int32_t skt_last_error(char *buf, uint32_t len) { return copy_str(buf, len, last_err); }

/* ----------------------------------------------------------- environment */

#define PLAT(call, ...) do { int32_t r_ = (call); \
	return r_ < 0 ? fail(-r_, __VA_ARGS__) : r_; } while (0)

SKT_EXPORT int32_t skt_env_create(const char *path) { PLAT(plat_env_create(path), "skt_env_create(%s)", path ? path : "NULL"); }
SKT_EXPORT int32_t skt_env_attach(const char *path) { PLAT(plat_env_attach(path), "skt_env_attach(%s)", path ? path : "NULL"); }
SKT_EXPORT int32_t skt_env_detach(void) { PLAT(plat_env_detach(), "skt_env_detach"); }
SKT_EXPORT int32_t skt_env_destroy(const char *path) { PLAT(plat_env_destroy(path), "skt_env_destroy(%s)", path ? path : "NULL"); }

SKT_EXPORT int32_t skt_sysctlbyname(const char *name, void *oldp, uint32_t *oldlenp,
    const void *newp, uint32_t newlen)
{
	PLAT(plat_sysctlbyname(name, oldp, oldlenp, newp, newlen), "sysctlbyname(%s)", name ? name : "NULL");
}

#define IFN(n) ((n) ? (n) : "NULL")
SKT_EXPORT int32_t skt_ifnet_create(const char *ifname) { PLAT(plat_ifnet_create(ifname), "SIOCIFCREATE %s", IFN(ifname)); }
SKT_EXPORT int32_t skt_ifnet_destroy(const char *ifname) { PLAT(plat_ifnet_destroy(ifname), "SIOCIFDESTROY %s", IFN(ifname)); }
SKT_EXPORT int32_t skt_ifnet_set_up(const char *ifname) { PLAT(plat_ifnet_set_up(ifname), "SIOCSIFFLAGS %s up", IFN(ifname)); }
SKT_EXPORT int32_t skt_feth_set_peer(const char *ifname, const char *peer)
{
	PLAT(plat_feth_set_peer(ifname, peer), "feth set peer %s -> %s", IFN(ifname), IFN(peer));
}
SKT_EXPORT int32_t skt_ifnet_get_lladdr(const char *ifname, uint8_t *mac6)
{
	if (mac6 == NULL)
		return fail(EINVAL, "SIOCGIFLLADDR %s: NULL buffer", IFN(ifname));
	PLAT(plat_ifnet_get_lladdr(ifname, mac6), "SIOCGIFLLADDR %s", IFN(ifname));
}
SKT_EXPORT int32_t skt_ifnet_get_netif_nexus(const char *ifname, uint8_t *uuid16)
{
	if (uuid16 == NULL)
		return fail(EINVAL, "SIOCGIFNEXUS %s: NULL buffer", IFN(ifname));
	PLAT(plat_ifnet_get_netif_nexus(ifname, uuid16), "SIOCGIFNEXUS %s", IFN(ifname));
}
SKT_EXPORT int32_t skt_ifnet_get_stats(const char *ifname, uint64_t *out, uint32_t n)
{
	PLAT(plat_ifnet_get_stats(ifname, out, n), "interface stats %s", IFN(ifname));
}

/* ----------------------------------------------------------------- nexus */

struct skt_nxctl {
	nexus_controller_t ctl;
};

SKT_EXPORT int32_t skt_nexus_controller_create(uint64_t *out)
{
	if (out == NULL)
		return fail(EINVAL, "skt_nexus_controller_create: NULL out");
	struct skt_nxctl *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return fail(ENOMEM, "skt_nexus_controller_create");
	errno = 0;
	c->ctl = os_nexus_controller_create();
	if (c->ctl == NULL) {
		int err = errno ? errno : EIO;
		free(c);
		return fail(err, "os_nexus_controller_create");
	}
	*out = (uint64_t)(uintptr_t)c;
	return 0;
}

SKT_EXPORT void skt_nexus_controller_destroy(skt_nxctl *ctl)
{
	if (ctl == NULL)
		return;
	os_nexus_controller_destroy(ctl->ctl);
	free(ctl);
}

SKT_EXPORT int32_t skt_nexus_flow_add(skt_nxctl *ctl, const uint8_t *nx_uuid16, uint32_t flags,
    const uint8_t *saddr16, const uint8_t *daddr16)
{
	if (ctl == NULL || nx_uuid16 == NULL || flags > 0xffff)
		return fail(EINVAL, "flow add: bad controller, uuid or flags");
	nexus_port_t port = NEXUS_PORT_ANY;
	errno = 0;
	int err = spi_err(skt_spi_flow_add(ctl->ctl, nx_uuid16, (uint16_t)flags, saddr16, daddr16, &port));
	if (err) {
		const char *why = skt_spi_flow_add_explain();
		return fail(err, "__os_nexus_flow_add(flags 0x%x)%s%s", flags, why ? ": " : "", why ? why : "");
	}
	return port;
}

/* --------------------------------------------------------------- channel */

#define HT_BITS   12
#define HT_SIZE   (1u << HT_BITS)        /* pool (2048) + events + slack */
#define HT_GENMAX 0x7ffffu               /* handles stay positive as int32 */
#define EV_CACHE  4

enum { H_LIVE = 1, H_FINAL = 2, H_ATTACHED = 4, H_EVENT = 8 };

struct hent {
	packet_t ph;
	uint32_t gen;
	uint8_t  flags, ring, nev, _pad;
	uint32_t slot;
	int32_t  next_free;
	os_channel_event_t ev[EV_CACHE];
};

struct ring_state {
	channel_ring_t r;
	uint32_t n;
	channel_slot_t *slots;   /* index -> channel_slot_t, filled by get_next_slot */
	uint32_t *hcache;        /* index -> handle last given for the slot's packet */
	int      head_valid;
	uint32_t head, known;
};

struct skt_channel {
	channel_t chd;
	channel_ring_t tx, rx;
	int upp, evring;
	struct ring_state rs[2];
	struct hent *ht;
	int32_t free_head;
	uint32_t tx_attached;    /* live handles attached to TX slots */
};

static struct hent *hlookup(skt_channel *ch, uint32_t h)
{
	uint32_t idx = h & (HT_SIZE - 1), gen = h >> HT_BITS;
	if (h == 0 || gen == 0)
		return NULL;
	struct hent *e = &ch->ht[idx];
	return (e->flags & H_LIVE) && e->gen == gen ? e : NULL;
}

static uint32_t hnew(skt_channel *ch, packet_t ph, uint8_t flags)
{
	if (ch->free_head < 0)
		return 0;
	uint32_t idx = (uint32_t)ch->free_head;
	struct hent *e = &ch->ht[idx];
	ch->free_head = e->next_free;
	e->gen = e->gen % HT_GENMAX + 1;
	e->ph = ph;
	e->flags = (uint8_t)(H_LIVE | flags);
	e->nev = 0;
	return (e->gen << HT_BITS) | idx;
}

static void hrelease(skt_channel *ch, struct hent *e)
{
	if ((e->flags & H_ATTACHED) && e->ring == SKT_RING_TX)
		ch->tx_attached--;
	e->flags = 0;
	e->ph = 0;
	e->next_free = ch->free_head;
	ch->free_head = (int32_t)(e - ch->ht);
}

static int ring_init(struct ring_state *rs, channel_ring_t r, int64_t n)
{
	if (r == NULL || n <= 0 || n > 65536)
		return EINVAL;
	rs->r = r;
	rs->n = (uint32_t)n;
	rs->slots = calloc(rs->n, sizeof(*rs->slots));
	rs->hcache = calloc(rs->n, sizeof(*rs->hcache));
	return rs->slots && rs->hcache ? 0 : ENOMEM;
}

static void channel_free(skt_channel *ch)
{
	for (int i = 0; i < 2; i++) {
		free(ch->rs[i].slots);
		free(ch->rs[i].hcache);
	}
	free(ch->ht);
	free(ch);
}

SKT_EXPORT int32_t skt_channel_create(const uint8_t *nx_uuid16, uint32_t port,
    const int64_t *attrs, uint32_t nattrs, int64_t *effective, uint64_t *out)
{
	if (nx_uuid16 == NULL || out == NULL || (nattrs && attrs == NULL) || port > 0xffff)
		return fail(EINVAL, "skt_channel_create: bad arguments");
	channel_attr_t attr = os_channel_attr_create();
	if (attr == NULL)
		return fail(ENOMEM, "os_channel_attr_create");
	for (uint32_t i = 0; i < nattrs; i++) {
		int64_t k = attrs[2 * i], v = attrs[2 * i + 1];
		int err = (k < 0 || k >= CHANNEL_ATTR_COUNT) ? EINVAL :
		    spi_err(os_channel_attr_set(attr, (channel_attr_type_t)k, (uint64_t)v));
		if (err) {
			os_channel_attr_destroy(attr);
			return fail(err, "os_channel_attr_set(key %lld, value %lld)", (long long)k, (long long)v);
		}
	}
	errno = 0;
	channel_t chd = os_channel_create_extended(nx_uuid16, (nexus_port_t)port,
	    CHANNEL_DIR_TX_RX, CHANNEL_RING_ID_ANY, attr);
	if (chd == NULL) {
		int err = errno ? errno : EIO;
		os_channel_attr_destroy(attr);
		return fail(err, "os_channel_create_extended(port %u)", port);
	}
	int64_t eff[CHANNEL_ATTR_COUNT];
	for (int k = 0; k < CHANNEL_ATTR_COUNT; k++) {
		uint64_t v;
		eff[k] = os_channel_attr_get(attr, (channel_attr_type_t)k, &v) == 0 ? (int64_t)v : -1;
	}
	os_channel_attr_destroy(attr);
	if (effective != NULL)
		memcpy(effective, eff, sizeof(eff));

	skt_channel *ch = calloc(1, sizeof(*ch));
	int err = ch ? 0 : ENOMEM;
	if (ch) {
		ch->chd = chd;
		ch->tx = os_channel_tx_ring(chd, os_channel_ring_id(chd, CHANNEL_FIRST_TX_RING));
		ch->rx = os_channel_rx_ring(chd, os_channel_ring_id(chd, CHANNEL_FIRST_RX_RING));
		ch->upp = eff[CHANNEL_ATTR_USER_PACKET_POOL] > 0;
		ch->evring = eff[CHANNEL_ATTR_EVENT_RING] > 0;
		ch->ht = calloc(HT_SIZE, sizeof(*ch->ht));
		err = ch->ht ? 0 : ENOMEM;
		if (!err)
			err = ring_init(&ch->rs[SKT_RING_TX], ch->tx, eff[CHANNEL_ATTR_TX_SLOTS]);
		if (!err)
			err = ring_init(&ch->rs[SKT_RING_RX], ch->rx, eff[CHANNEL_ATTR_RX_SLOTS]);
	}
	if (err) {
		os_channel_destroy(chd);
		if (ch)
			channel_free(ch);
		return fail(err, "skt_channel_create: channel setup");
	}
	for (uint32_t i = 0; i < HT_SIZE; i++)
		ch->ht[i].next_free = i + 1 < HT_SIZE ? (int32_t)i + 1 : -1;
	ch->free_head = 0;
	*out = (uint64_t)(uintptr_t)ch;
	return 0;
}

/* the SPI channel behind a shim channel (pool_map.c, fused.c) */
channel_t skt_channel_spi(skt_channel *ch) { return ch ? ch->chd : NULL; }
void skt_pool_unalias_channel(skt_channel *ch);

SKT_EXPORT void skt_channel_destroy(skt_channel *ch)
{
	if (ch == NULL)
		return;
	skt_pool_unalias_channel(ch);
	os_channel_destroy(ch->chd);
	channel_free(ch);
}

SKT_EXPORT int32_t skt_channel_get_fd(skt_channel *ch)
{
	if (ch == NULL)
		return fail(EINVAL, "skt_channel_get_fd: NULL channel");
	int fd = os_channel_get_fd(ch->chd);
	return fd < 0 ? fail(EBADF, "os_channel_get_fd") : fd;
}

static int in_window(const struct ring_state *rs, int64_t idx);

/* handles of packets attached to TX slots that a sync has since consumed; a
 * slot advanced past is the kernel's after the sync, and asking the SPI about
 * a slot outside [head, tail) kills the process ("Index out of bounds in sgp") */
static void sweep_tx_handles(skt_channel *ch)
{
	struct ring_state *rs = &ch->rs[SKT_RING_TX];
	for (uint32_t i = 0; i < HT_SIZE && ch->tx_attached > 0; i++) {
		struct hent *e = &ch->ht[i];
		if ((e->flags & (H_LIVE | H_ATTACHED)) == (H_LIVE | H_ATTACHED) && e->ring == SKT_RING_TX &&
		    (!in_window(rs, e->slot) || os_channel_slot_get_packet(rs->r, rs->slots[e->slot]) != e->ph))
			hrelease(ch, e);
	}
}

SKT_EXPORT int32_t skt_channel_sync(skt_channel *ch, uint32_t mode)
{
	if (ch == NULL || (mode != CHANNEL_SYNC_TX && mode != CHANNEL_SYNC_RX))
		return fail(EINVAL, "os_channel_sync: bad channel or mode %u", mode);
	errno = 0;
	int err = spi_err(os_channel_sync(ch->chd, mode));
	if (err)
		return fail(err, "os_channel_sync(%s)", mode == CHANNEL_SYNC_TX ? "TX" : "RX");
	if (mode == CHANNEL_SYNC_TX && ch->tx_attached > 0)
		sweep_tx_handles(ch);
	return 0;
}

/* ----------------------------------------------------------------- slots */

static struct ring_state *ring_of(skt_channel *ch, uint32_t ring)
{
	return ch != NULL && ring <= SKT_RING_RX ? &ch->rs[ring] : NULL;
}

static uint32_t dist(const struct ring_state *rs, uint32_t idx)
{
	return (idx + rs->n - rs->head) % rs->n;
}

static int in_window(const struct ring_state *rs, int64_t idx)
{
	return rs->head_valid && idx >= 0 && idx < rs->n && dist(rs, (uint32_t)idx) < rs->known;
}

static const char *rname(uint32_t ring) { return ring == SKT_RING_TX ? "TX" : "RX"; }

#define RING_OR_FAIL(who) \
	struct ring_state *rs = ring_of(ch, ring); \
	if (rs == NULL) return fail(EINVAL, "%s: bad channel or ring %u", who, ring)
#define SLOT_OR_FAIL(who, s) \
	if (!in_window(rs, s)) return fail(EINVAL, "%s: %s slot %d is outside [head, tail)", who, rname(ring), (int)(s))

/* records a slot get_next_slot returned; prev_none: it is the head */
static void saw_slot(struct ring_state *rs, uint32_t idx, channel_slot_t s, int is_head)
{
	rs->slots[idx] = s;
	if (is_head && (!rs->head_valid || rs->head != idx)) {
		rs->head = idx;
		rs->known = 0;
		rs->head_valid = 1;
	}
	if (dist(rs, idx) + 1 > rs->known)
		rs->known = dist(rs, idx) + 1;
}

SKT_EXPORT int32_t skt_ring_get_next_slot(skt_channel *ch, uint32_t ring, int32_t prev, uint8_t *prop)
{
	RING_OR_FAIL("os_channel_get_next_slot");
	channel_slot_t ps = NULL;
	if (prev < -1)
		return fail(EINVAL, "os_channel_get_next_slot: bad prev %d", prev);
	if (prev >= 0) {
		SLOT_OR_FAIL("os_channel_get_next_slot(prev)", prev);
		ps = rs->slots[prev];
	}
	/* UPP TX: the SPI kills a process that is handed a slot with a packet attached */
	if (ring == SKT_RING_TX && ch->upp && rs->head_valid) {
		uint32_t cd = prev < 0 ? 0 : dist(rs, (uint32_t)prev) + 1, cand = (rs->head + cd) % rs->n;
		if (cd < rs->known && rs->slots[cand] != NULL &&
		    os_channel_slot_get_packet(rs->r, rs->slots[cand]) != 0)
			return fail(EINVAL, "os_channel_get_next_slot: TX slot %u already holds a packet "
			    "(advance or detach it first)", cand);
	}
	slot_prop_t p;
	memset(&p, 0, sizeof(p));
	channel_slot_t s = os_channel_get_next_slot(rs->r, ps, &p);
	if (s == NULL)
		return -1;
	if (p.sp_idx >= rs->n)
		return fail(EIO, "os_channel_get_next_slot: slot index %u out of range", p.sp_idx);
	saw_slot(rs, p.sp_idx, s, prev < 0);
	if (prop != NULL)
		memcpy(prop, &p, sizeof(p));
	return (int32_t)p.sp_idx;
}

SKT_EXPORT int32_t skt_ring_advance_slot(skt_channel *ch, uint32_t ring, uint32_t slot)
{
	RING_OR_FAIL("os_channel_advance_slot");
	SLOT_OR_FAIL("os_channel_advance_slot", slot);
	uint32_t d = dist(rs, slot);
	if (ring == SKT_RING_RX && ch->upp) {
		for (uint32_t k = 0; k <= d; k++) {
			uint32_t i = (rs->head + k) % rs->n;
			if (os_channel_slot_get_packet(rs->r, rs->slots[i]) != 0)
				return fail(EINVAL, "os_channel_advance_slot: RX slot %u still holds a packet "
				    "(user packet pool: detach before advancing)", i);
		}
	}
	int err = spi_err(os_channel_advance_slot(rs->r, rs->slots[slot]));
	if (err)
		return fail(err, "os_channel_advance_slot(%s slot %u)", rname(ring), slot);
	rs->head = (slot + 1) % rs->n;
	rs->known -= d + 1;
	return 0;
}

SKT_EXPORT int32_t skt_ring_set_slot_properties(skt_channel *ch, uint32_t ring, uint32_t slot,
    const uint8_t *prop)
{
	RING_OR_FAIL("os_channel_set_slot_properties");
	SLOT_OR_FAIL("os_channel_set_slot_properties", slot);
	if (prop == NULL)
		return fail(EINVAL, "os_channel_set_slot_properties: NULL prop");
	slot_prop_t p;
	memcpy(&p, prop, sizeof(p));
	os_channel_set_slot_properties(rs->r, rs->slots[slot], &p);
	return 0;
}

SKT_EXPORT int32_t skt_ring_slot_get_packet(skt_channel *ch, uint32_t ring, uint32_t slot)
{
	RING_OR_FAIL("os_channel_slot_get_packet");
	SLOT_OR_FAIL("os_channel_slot_get_packet", slot);
	packet_t ph = os_channel_slot_get_packet(rs->r, rs->slots[slot]);
	if (ph == 0)
		return 0;
	struct hent *e = hlookup(ch, rs->hcache[slot]);
	if (e != NULL && e->ph == ph && (e->flags & H_ATTACHED) && e->ring == ring && e->slot == slot)
		return (int32_t)rs->hcache[slot];
	uint32_t h = hnew(ch, ph, H_ATTACHED | H_FINAL);   /* the kernel's packets are finalized */
	if (h == 0)
		return fail(ENOMEM, "os_channel_slot_get_packet: packet handle table full");
	e = hlookup(ch, h);
	e->ring = (uint8_t)ring;
	e->slot = slot;
	if (ring == SKT_RING_TX)
		ch->tx_attached++;
	rs->hcache[slot] = h;
	return (int32_t)h;
}

static struct hent *pkt_or_null(skt_channel *ch, uint32_t pkt)
{
	return ch ? hlookup(ch, pkt) : NULL;
}

SKT_EXPORT int32_t skt_ring_slot_attach_packet(skt_channel *ch, uint32_t ring, uint32_t slot, uint32_t pkt)
{
	RING_OR_FAIL("os_channel_slot_attach_packet");
	struct hent *e = pkt_or_null(ch, pkt);
	if (e == NULL || (e->flags & H_EVENT))
		return fail(EINVAL, "os_channel_slot_attach_packet: unknown packet handle %u", pkt);
	if (e->flags & H_ATTACHED)
		return fail(EINVAL, "os_channel_slot_attach_packet: packet %u is already attached to a slot", pkt);
	if (!(e->flags & H_FINAL))
		return fail(EINVAL, "os_channel_slot_attach_packet: packet %u is not finalized", pkt);
	SLOT_OR_FAIL("os_channel_slot_attach_packet", slot);
	if (os_channel_slot_get_packet(rs->r, rs->slots[slot]) != 0)
		return fail(EINVAL, "os_channel_slot_attach_packet: %s slot %u already holds a packet", rname(ring), slot);
	int err = spi_err(os_channel_slot_attach_packet(rs->r, rs->slots[slot], e->ph));
	if (err)
		return fail(err, "os_channel_slot_attach_packet(%s slot %u)", rname(ring), slot);
	hrelease(ch, e);   /* the ring owns the packet now */
	return 0;
}

SKT_EXPORT int32_t skt_ring_slot_detach_packet(skt_channel *ch, uint32_t ring, uint32_t slot, uint32_t pkt)
{
	RING_OR_FAIL("os_channel_slot_detach_packet");
	struct hent *e = pkt_or_null(ch, pkt);
	if (e == NULL || (e->flags & H_EVENT))
		return fail(EINVAL, "os_channel_slot_detach_packet: unknown packet handle %u", pkt);
	SLOT_OR_FAIL("os_channel_slot_detach_packet", slot);
	packet_t cur = os_channel_slot_get_packet(rs->r, rs->slots[slot]);
	if (cur == 0)
		return fail(EINVAL, "os_channel_slot_detach_packet: %s slot %u is empty", rname(ring), slot);
	if (cur != e->ph)
		return fail(EINVAL, "os_channel_slot_detach_packet: packet %u is not the one in %s slot %u",
		    pkt, rname(ring), slot);
	int err = spi_err(os_channel_slot_detach_packet(rs->r, rs->slots[slot], e->ph));
	if (err)
		return fail(err, "os_channel_slot_detach_packet(%s slot %u)", rname(ring), slot);
	if (e->ring == SKT_RING_TX && (e->flags & H_ATTACHED))
		ch->tx_attached--;
	e->flags &= (uint8_t)~H_ATTACHED;
	return 0;
}

/* walks the ring from the furthest slot already seen (amortised O(1)) */
SKT_EXPORT int32_t skt_ring_available_slots(skt_channel *ch, uint32_t ring)
{
	RING_OR_FAIL("skt_ring_available_slots");
	slot_prop_t p;
	if (!rs->head_valid || rs->known == 0) {
		channel_slot_t s = os_channel_get_next_slot(rs->r, NULL, &p);
		if (s == NULL)
			return 0;
		if (p.sp_idx >= rs->n)
			return fail(EIO, "os_channel_get_next_slot: slot index %u out of range", p.sp_idx);
		saw_slot(rs, p.sp_idx, s, 1);
	}
	for (;;) {
		channel_slot_t prev = rs->slots[(rs->head + rs->known - 1) % rs->n];
		channel_slot_t s = os_channel_get_next_slot(rs->r, prev, &p);
		if (s == NULL || p.sp_idx >= rs->n)
			break;
		saw_slot(rs, p.sp_idx, s, 0);
		if (rs->known >= rs->n)
			break;
	}
	return (int32_t)rs->known;
}

/* ------------------------------------------------------------ packet pool */

SKT_EXPORT int32_t skt_packet_alloc(skt_channel *ch)
{
	if (ch == NULL)
		return fail(EINVAL, "os_channel_packet_alloc: NULL channel");
	packet_t ph = 0;
	int err = spi_err(os_channel_packet_alloc(ch->chd, &ph));
	if (err)
		return fail(err, "os_channel_packet_alloc");
	uint32_t h = hnew(ch, ph, 0);
	if (h == 0) {
		os_channel_packet_free(ch->chd, ph);
		return fail(ENOMEM, "os_channel_packet_alloc: packet handle table full");
	}
	return (int32_t)h;
}

SKT_EXPORT int32_t skt_packet_free(skt_channel *ch, uint32_t pkt)
{
	struct hent *e = pkt_or_null(ch, pkt);
	if (e == NULL)
		return fail(EINVAL, "os_channel_packet_free: unknown packet handle %u", pkt);
	if (e->flags & H_EVENT)
		return fail(EINVAL, "os_channel_packet_free: handle %u is an event (use skt_channel_event_free)", pkt);
	if (e->flags & H_ATTACHED)
		return fail(EINVAL, "os_channel_packet_free: packet %u is attached to a slot", pkt);
	int err = spi_err(os_channel_packet_free(ch->chd, e->ph));
	if (err)
		return fail(err, "os_channel_packet_free");
	hrelease(ch, e);
	return 0;
}

/* --------------------------------------------------------------- packets */

#define PKT_OR_FAIL(who) \
	struct hent *e = pkt_or_null(ch, pkt); \
	if (e == NULL || (e->flags & H_EVENT)) return fail(EINVAL, "%s: unknown packet handle %u", who, pkt)

static buflet_t buflet_at(packet_t ph, int64_t idx)
{
	buflet_t b = NULL;
	for (int64_t i = 0; i <= idx; i++) {
		b = os_packet_get_next_buflet(ph, b);
		if (b == NULL)
			return NULL;
	}
	return b;
}

SKT_EXPORT int32_t skt_packet_get_next_buflet(skt_channel *ch, uint32_t pkt, int32_t prev)
{
	PKT_OR_FAIL("os_packet_get_next_buflet");
	if (prev < -1)
		return fail(EINVAL, "os_packet_get_next_buflet: bad prev %d", prev);
	buflet_t b = NULL;
	if (prev >= 0 && (b = buflet_at(e->ph, prev)) == NULL)
		return fail(EINVAL, "os_packet_get_next_buflet: packet %u has no buflet %d", pkt, prev);
	return os_packet_get_next_buflet(e->ph, b) != NULL ? prev + 1 : -1;
}

SKT_EXPORT int32_t skt_packet_get_buflet_count(skt_channel *ch, uint32_t pkt)
{
	PKT_OR_FAIL("os_packet_get_buflet_count");
	return (int32_t)os_packet_get_buflet_count(e->ph);
}

SKT_EXPORT int32_t skt_packet_set_link_header_length(skt_channel *ch, uint32_t pkt, uint32_t len)
{
	PKT_OR_FAIL("os_packet_set_link_header_length");
	int err = len > 255 ? ERANGE : spi_err(os_packet_set_link_header_length(e->ph, (uint8_t)len));
	return err ? fail(err, "os_packet_set_link_header_length(%u)", len) : 0;
}

SKT_EXPORT int32_t skt_packet_get_link_header_length(skt_channel *ch, uint32_t pkt)
{
	PKT_OR_FAIL("os_packet_get_link_header_length");
	return os_packet_get_link_header_length(e->ph);
}

SKT_EXPORT int32_t skt_packet_get_data_length(skt_channel *ch, uint32_t pkt)
{
	PKT_OR_FAIL("os_packet_get_data_length");
	return (int32_t)os_packet_get_data_length(e->ph);
}

SKT_EXPORT int32_t skt_packet_set_packetid(skt_channel *ch, uint32_t pkt, const uint8_t *id16)
{
	PKT_OR_FAIL("os_packet_set_packetid");
	if (id16 == NULL)
		return fail(EINVAL, "os_packet_set_packetid: NULL id");
	packet_id_t id;
	memcpy(&id, id16, sizeof(id));
	int err = spi_err(os_packet_set_packetid(e->ph, &id));
	return err ? fail(err, "os_packet_set_packetid") : 0;
}

SKT_EXPORT int32_t skt_packet_get_packetid(skt_channel *ch, uint32_t pkt, uint8_t *id16)
{
	PKT_OR_FAIL("os_packet_get_packetid");
	if (id16 == NULL)
		return fail(EINVAL, "os_packet_get_packetid: NULL buffer");
	packet_id_t id;
	int err = spi_err(os_packet_get_packetid(e->ph, &id));
	if (err)
		return fail(err, "os_packet_get_packetid");
	memcpy(id16, &id, sizeof(id));
	return 0;
}

SKT_EXPORT int32_t skt_packet_set_expire_time(skt_channel *ch, uint32_t pkt, uint64_t ts)
{
	PKT_OR_FAIL("os_packet_set_expire_time");
	int err = spi_err(os_packet_set_expire_time(e->ph, ts));
	return err ? fail(err, "os_packet_set_expire_time") : 0;
}

SKT_EXPORT int32_t skt_packet_set_expiry_action(skt_channel *ch, uint32_t pkt, uint32_t action)
{
	PKT_OR_FAIL("os_packet_set_expiry_action");
	int err = action > 0xff ? EINVAL : spi_err(os_packet_set_expiry_action(e->ph, (packet_expiry_action_t)action));
	return err ? fail(err, "os_packet_set_expiry_action(%u)", action) : 0;
}

SKT_EXPORT int32_t skt_packet_finalize(skt_channel *ch, uint32_t pkt)
{
	PKT_OR_FAIL("os_packet_finalize");
	int err = spi_err(os_packet_finalize(e->ph));
	if (err) {
		e->flags &= (uint8_t)~H_FINAL;
		return fail(err, "os_packet_finalize(packet %u)", pkt);
	}
	e->flags |= H_FINAL;
	return 0;
}

/* --------------------------------------------------------------- buflets */

#define BUF_OR_FAIL(who, ret) \
	struct hent *e = pkt_or_null(ch, pkt); \
	if (e == NULL || (e->flags & H_EVENT)) return ret(EINVAL, "%s: unknown packet handle %u", who, pkt); \
	buflet_t bl = buflet_at(e->ph, b); \
	if (bl == NULL) return ret(EINVAL, "%s: packet %u has no buflet %u", who, pkt, b)

SKT_EXPORT int32_t skt_buflet_set_data_offset(skt_channel *ch, uint32_t pkt, uint32_t b, uint32_t off)
{
	BUF_OR_FAIL("os_buflet_set_data_offset", fail);
	int err = spi_err(os_buflet_set_data_offset(bl, off));
	return err ? fail(err, "os_buflet_set_data_offset(%u)", off) : 0;
}

SKT_EXPORT int32_t skt_buflet_get_data_offset(skt_channel *ch, uint32_t pkt, uint32_t b)
{
	BUF_OR_FAIL("os_buflet_get_data_offset", fail);
	return (int32_t)os_buflet_get_data_offset(bl);
}

SKT_EXPORT int32_t skt_buflet_set_data_length(skt_channel *ch, uint32_t pkt, uint32_t b, uint32_t len)
{
	BUF_OR_FAIL("os_buflet_set_data_length", fail);
	int err = spi_err(os_buflet_set_data_length(bl, len));
	return err ? fail(err, "os_buflet_set_data_length(%u)", len) : 0;
}

SKT_EXPORT int32_t skt_buflet_get_data_length(skt_channel *ch, uint32_t pkt, uint32_t b)
{
	BUF_OR_FAIL("os_buflet_get_data_length", fail);
	return (int32_t)os_buflet_get_data_length(bl);
}

SKT_EXPORT int32_t skt_buflet_get_data_limit(skt_channel *ch, uint32_t pkt, uint32_t b)
{
	BUF_OR_FAIL("os_buflet_get_data_limit", fail);
	return (int32_t)os_buflet_get_data_limit(bl);
}

static uint64_t fail0(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
	(void)err;
	return 0;
}

SKT_EXPORT uint64_t skt_buflet_get_object_address(skt_channel *ch, uint32_t pkt, uint32_t b)
{
	BUF_OR_FAIL("os_buflet_get_object_address", fail0);
	return (uint64_t)(uintptr_t)os_buflet_get_object_address(bl);
}

/* the byte range [off, off + len) of the buflet's object, bounds-checked */
static uint8_t *span(buflet_t bl, uint32_t off, uint32_t len)
{
	uint8_t *base = os_buflet_get_object_address(bl);
	if (base == NULL || (uint64_t)off + len > os_buflet_get_data_limit(bl))
		return NULL;
	return base + off;
}

SKT_EXPORT int32_t skt_buflet_write(skt_channel *ch, uint32_t pkt, uint32_t b, uint32_t off,
    const uint8_t *src, uint32_t len)
{
	BUF_OR_FAIL("skt_buflet_write", fail);
	uint8_t *dst = span(bl, off, len);
	if (dst == NULL || (src == NULL && len > 0))
		return fail(EINVAL, "skt_buflet_write: [%u, %u) exceeds the data limit %u", off,
		    off + len, os_buflet_get_data_limit(bl));
	if (len > 0)
		memcpy(dst, src, len);
	return (int32_t)len;
}

SKT_EXPORT int32_t skt_buflet_read(skt_channel *ch, uint32_t pkt, uint32_t b, uint32_t off,
    uint8_t *dst, uint32_t len)
{
	BUF_OR_FAIL("skt_buflet_read", fail);
	const uint8_t *src = span(bl, off, len);
	if (src == NULL || (dst == NULL && len > 0))
		return fail(EINVAL, "skt_buflet_read: [%u, %u) exceeds the data limit %u", off,
		    off + len, os_buflet_get_data_limit(bl));
	if (len > 0)
		memcpy(dst, src, len);
	return (int32_t)len;
}

/* ------------------------------------------------ advisories and events */

SKT_EXPORT int32_t skt_channel_configure_interface_advisory(skt_channel *ch, uint32_t enable)
{
	if (ch == NULL)
		return fail(EINVAL, "os_channel_configure_interface_advisory: NULL channel");
	errno = 0;
	int err = spi_err(os_channel_configure_interface_advisory(ch->chd, enable != 0));
	return err ? fail(err, "os_channel_configure_interface_advisory(%s)", enable ? "TRUE" : "FALSE") : 0;
}

SKT_EXPORT int32_t skt_channel_get_interface_advisory(skt_channel *ch, uint8_t *adv96)
{
	if (ch == NULL || adv96 == NULL)
		return fail(EINVAL, "os_channel_get_interface_advisory: bad arguments");
	_Alignas(8) uint8_t buf[128];   /* the library copies its own struct size */
	int err = spi_err(os_channel_get_interface_advisory(ch->chd, buf));
	if (err)
		return fail(err, "os_channel_get_interface_advisory");
	memcpy(adv96, buf, IF_INTERFACE_ADVISORY_SIZE);
	return 0;
}

SKT_EXPORT int32_t skt_channel_get_next_event_handle(skt_channel *ch, uint32_t *out3)
{
	if (ch == NULL || out3 == NULL)
		return fail(EINVAL, "os_channel_get_next_event_handle: bad arguments");
	os_channel_event_handle_t eh = 0;
	os_channel_event_type_t type = 0;
	uint32_t n = 0;
	int err = spi_err(os_channel_get_next_event_handle(ch->chd, &eh, &type, &n));
	if (err)
		return fail(err, "os_channel_get_next_event_handle");
	uint32_t h = hnew(ch, (packet_t)eh, H_EVENT);
	if (h == 0) {
		os_channel_event_free(ch->chd, eh);
		return fail(ENOMEM, "os_channel_get_next_event_handle: handle table full");
	}
	out3[0] = h;
	out3[1] = type;
	out3[2] = n;
	return 0;
}

#define EV_OR_FAIL(who) \
	struct hent *e = pkt_or_null(ch, handle); \
	if (e == NULL || !(e->flags & H_EVENT)) return fail(EINVAL, "%s: unknown event handle %u", who, handle)

SKT_EXPORT int32_t skt_channel_event_get_next_event(skt_channel *ch, uint32_t handle, int32_t prev)
{
	EV_OR_FAIL("os_channel_event_get_next_event");
	if (prev < -1 || prev >= (int32_t)e->nev)
		return fail(EINVAL, "os_channel_event_get_next_event: bad prev %d", prev);
	if (prev + 1 >= EV_CACHE)
		return fail(ENOSPC, "os_channel_event_get_next_event: more than %d events in one handle", EV_CACHE);
	os_channel_event_t ev = 0;
	int err = spi_err(os_channel_event_get_next_event((os_channel_event_handle_t)e->ph,
	    prev < 0 ? 0 : e->ev[prev], &ev));
	if (err)
		return fail(err, "os_channel_event_get_next_event");
	e->ev[prev + 1] = ev;
	e->nev = (uint8_t)(prev + 2);
	return prev + 1;
}

SKT_EXPORT int32_t skt_channel_event_get_event_data(skt_channel *ch, uint32_t handle, uint32_t ev,
    uint8_t *out)
{
	EV_OR_FAIL("os_channel_event_get_event_data");
	if (ev >= e->nev || out == NULL)
		return fail(EINVAL, "os_channel_event_get_event_data: unknown event %u", ev);
	struct os_channel_event_data d;
	memset(&d, 0, sizeof(d));
	int err = spi_err(os_channel_event_get_event_data(e->ev[ev], &d));
	if (err)
		return fail(err, "os_channel_event_get_event_data");
	uint32_t hdr[4] = { d.event_type, d.event_more ? 1u : 0u, d.event_data_length, 0 };
	memset(out, 0, 56);
	memcpy(out, hdr, sizeof(hdr));
	uint32_t n = d.event_data_length < CHANNEL_EVENT_MAX_PAYLOAD_LEN ?
	    d.event_data_length : CHANNEL_EVENT_MAX_PAYLOAD_LEN;
	if (d.event_data != NULL)
		memcpy(out + 16, d.event_data, n);
	return 0;
}

SKT_EXPORT int32_t skt_channel_event_free(skt_channel *ch, uint32_t handle)
{
	EV_OR_FAIL("os_channel_event_free");
	int err = spi_err(os_channel_event_free(ch->chd, (os_channel_event_handle_t)e->ph));
	if (err)
		return fail(err, "os_channel_event_free");
	hrelease(ch, e);
	return 0;
}

/* ------------------------------------------------------- kevent and time */

SKT_EXPORT int32_t skt_kqueue(void) { PLAT(plat_kqueue(), "kqueue"); }
SKT_EXPORT int32_t skt_kqueue_close(int32_t kq) { PLAT(plat_kqueue_close(kq), "close(kqueue %d)", kq); }

/*
 * The JS buffers need not be aligned: records are copied through aligned
 * arrays. They live on the stack (this runs every loop turn), hence the bound.
 */
SKT_EXPORT int32_t skt_kevent(int32_t kq, const uint8_t *changes, uint32_t nchanges,
    uint8_t *events, uint32_t nevents, int64_t timeout_ns)
{
	if ((nchanges && changes == NULL) || (nevents && events == NULL))
		return fail(EINVAL, "kevent(kq %d): NULL change or event list", kq);
	if (nchanges > SKT_KEVENT_MAX || nevents > SKT_KEVENT_MAX)
		return fail(EINVAL, "kevent(kq %d): %u changes, %u events: at most %d of each",
		    kq, nchanges, nevents, SKT_KEVENT_MAX);
	size_t sz = sizeof(struct skt_kevent);
	struct skt_kevent c[SKT_KEVENT_MAX], ev[SKT_KEVENT_MAX];
	if (nchanges)
		memcpy(c, changes, nchanges * sz);
	int32_t r = plat_kevent(kq, c, nchanges, ev, nevents, timeout_ns);
	if (r > 0)
		memcpy(events, ev, (size_t)r * sz);
	return r < 0 ? fail(-r, "kevent(kq %d)", kq) : r;
}

SKT_EXPORT uint64_t skt_mach_absolute_time(void) { return plat_mach_absolute_time(); }

SKT_EXPORT int32_t skt_mach_timebase_info(uint32_t *numer_denom)
{
	if (numer_denom == NULL)
		return fail(EINVAL, "mach_timebase_info: NULL buffer");
	PLAT(plat_mach_timebase_info(&numer_denom[0], &numer_denom[1]), "mach_timebase_info");
}

SKT_EXPORT int32_t skt_usleep(uint32_t usec)
{
	return usleep(usec) == 0 ? 0 : fail(errno, "usleep(%u)", usec);
}
