/*
 * channel.c: channel open/close/fd/sync and the per-channel table of u32
 * packet handles (a handle stands for a packet the user may touch: made by
 * skt_packet_alloc, skt_ring_slot_get_packet and
 * skt_channel_get_next_event_handle; see DESIGN.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct hent *skt_hlookup(skt_channel *ch, uint32_t h)
{
	uint32_t idx = h & (HT_SIZE - 1), gen = h >> HT_BITS;
	if (h == 0 || gen == 0)
		return NULL;
	struct hent *e = &ch->ht[idx];
	return (e->flags & H_LIVE) && e->gen == gen ? e : NULL;
}

uint32_t skt_hnew(skt_channel *ch, packet_t ph, uint8_t flags)
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

void skt_hrelease(skt_channel *ch, struct hent *e)
{
	e->flags = 0;
	e->ph = 0;
	e->next_free = ch->free_head;
	ch->free_head = (int32_t)(e - ch->ht);
}

/*
 * A handle for the packet of a TX slot (skt_ring_slot_get_packet) lives while
 * the slot is in the window: once advanced past, the slot and its packet are
 * the kernel's at the next TX sync, which a WRITE kevent evaluation runs as
 * well, so the handle is released the first time it is looked up after.
 */
struct hent *skt_pkt_or_null(skt_channel *ch, uint32_t pkt)
{
	struct hent *e = ch ? skt_hlookup(ch, pkt) : NULL;
	if (e != NULL && (e->flags & H_ATTACHED) && e->ring == SKT_RING_TX &&
	    !skt_in_window(&ch->rs[SKT_RING_TX], e->slot)) {
		skt_hrelease(ch, e);
		return NULL;
	}
	return e;
}

static void channel_free(skt_channel *ch)
{
	for (int i = 0; i < 2; i++)
		skt_ring_free(&ch->rs[i]);
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
	/* os_channel_info2attr filled attr from the provider's parameters */
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
			err = skt_ring_init(&ch->rs[SKT_RING_TX], ch->tx);
		if (!err)
			err = skt_ring_init(&ch->rs[SKT_RING_RX], ch->rx);
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

SKT_EXPORT void skt_channel_destroy(skt_channel *ch)
{
	if (ch == NULL)
		return;
	skt_pool_unalias_channel(ch);   /* before the pool's pages go */
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

SKT_EXPORT int32_t skt_channel_sync(skt_channel *ch, uint32_t mode)
{
	if (ch == NULL || (mode != CHANNEL_SYNC_TX && mode != CHANNEL_SYNC_RX))
		return fail(EINVAL, "os_channel_sync: bad channel or mode %u", mode);
	errno = 0;
	int err = spi_err(os_channel_sync(ch->chd, mode));
	return err ? fail(err, "os_channel_sync(%s)", mode == CHANNEL_SYNC_TX ? "TX" : "RX") : 0;
}
