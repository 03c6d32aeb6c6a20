/*
 * event.c: the channel event ring (xnu-spi.md 3, 4.3). Each event is its own
 * packet of the channel's packet pool (netif_vp_na_channel_event_notify takes
 * it from the event ring's ckr_pp, the channel's one pool, and
 * os_channel_event_free is os_channel_packet_free); its buffer holds the metadata
 * {u32 etype, u32 nevents = 1} and one event {u32 type, u32 flags, u16 0,
 * u16 dlen, data}. Posting needs an event ring, a registered NOTE_CHANNEL_EVENT
 * knote and a low-latency netif; a full ring drops the event (no backpressure).
 * The ring holds one slot fewer than its 32 (kern_channel_get_next_slot stops
 * one short of khead), and an empty pool drops the event too (EV_DROP_NOMEM_PKT).
 * The producer is the channel's own TX sync, the consumer its owner. As in
 * the kernel a slot stays taken until os_channel_event_free reclaims it
 * (kern_channel_event_sync): khead follows the user's head only then.
 */
#include <errno.h>
#include <string.h>

#include "sim.h"

#define EMD_SIZE   8
#define EV_HDR     12
#define EV_F_MORE  0x1u

void sim_event_post(struct sim_ifnet *ifp, int chan, uint32_t type, const void *data, uint16_t len)
{
	struct sim_chan *sc = &g_sim.hdr->chans[chan];
	struct sim_chan_area *ca = sim_area(chan);
	struct sim_ringh *h = &ca->evh;
	if (!sc->evring || !atomic_load(&sc->event_attached) || !ifp->low_latency) {
		sim_stat(ifp, SKT_STAT_EV_DROP, 1);
		return;
	}
	uint32_t kt = atomic_load_explicit(&h->ktail, memory_order_relaxed);
	uint32_t kh = atomic_load_explicit(&h->khead, memory_order_acquire);
	struct sim_pkt *q = kt - kh < SIM_EV_SLOTS - 1 ? sim_pool_alloc(ca) : NULL;
	if (q == NULL) {
		sim_stat(ifp, SKT_STAT_EV_DROP, 1);
		return;
	}
	uint8_t *b = sim_pkt_data(q);
	uint32_t meta[2] = { type, 1 }, evh[2] = { type, 0 };
	uint16_t res = 0;
	memcpy(b, meta, 8);
	memcpy(b + EMD_SIZE, evh, 8);
	memcpy(b + EMD_SIZE + 8, &res, 2);
	memcpy(b + EMD_SIZE + 10, &len, 2);
	memcpy(b + EMD_SIZE + EV_HDR, data, len);
	q->b.dlen = q->len = EMD_SIZE + EV_HDR + len;
	q->flags = PF_FINALIZED;
	q->state = PS_EVSLOT;
	ca->evs[kt % SIM_EV_SLOTS] = sim_off(q);
	atomic_store_explicit(&h->ktail, kt + 1, memory_order_release);
	sim_stat(ifp, SKT_STAT_EV_SENT, 1);
}

bool sim_event_pending(struct channel *ch)
{
	struct sim_ringh *h = &ch->ca->evh;
	return ch->sc->evring && atomic_load_explicit(&h->ktail, memory_order_acquire) != h->head;
}

int os_channel_get_next_event_handle(channel_t ch, os_channel_event_handle_t *eh,
    os_channel_event_type_t *etype, uint32_t *nevents)
{
	if (ch == NULL || eh == NULL || etype == NULL || nevents == NULL)
		return EINVAL;
	if (atomic_load(&ch->sc->defunct))
		return ENXIO;
	if (!ch->sc->evring)
		return ENOTSUP;
	if (!sim_event_pending(ch))
		return ENODATA;
	struct sim_ringh *h = &ch->ca->evh;
	uint32_t *s = &ch->ca->evs[h->head % SIM_EV_SLOTS];
	struct sim_pkt *q = sim_ptr(*s);
	*s = 0;
	h->head++;                /* khead moves at os_channel_event_free */
	q->state = PS_USER;
	uint32_t meta[2];
	memcpy(meta, sim_pkt_data(q), 8);
	*eh = (os_channel_event_handle_t)(uintptr_t)q;
	*etype = meta[0];
	*nevents = meta[1];
	return 0;
}

int os_channel_event_free(channel_t ch, os_channel_event_handle_t eh)
{
	int err = os_channel_packet_free(ch, (packet_t)eh);   /* as libsyscall does */
	if (err)
		return err;
	struct sim_ringh *h = &ch->ca->evh;
	atomic_store_explicit(&h->khead, h->head, memory_order_release);   /* kr_reclaim */
	return 0;
}

int os_channel_event_get_next_event(os_channel_event_handle_t eh, os_channel_event_t prev,
    os_channel_event_t *event)
{
	struct sim_pkt *q = sim_pkt_from_ph((packet_t)eh);
	if (q == NULL || event == NULL)
		return EINVAL;
	uint8_t *b = sim_pkt_data(q);
	uint32_t meta[2];
	memcpy(meta, b, 8);
	if (prev == 0) {
		if (meta[1] == 0)
			return ENODATA;
		*event = (os_channel_event_t)(uintptr_t)(b + EMD_SIZE);
		return 0;
	}
	uint8_t *pe = (uint8_t *)(uintptr_t)prev;
	if (pe < b + EMD_SIZE || pe + EV_HDR > b + q->len)
		return EINVAL;
	uint32_t flags;
	uint16_t dlen;
	memcpy(&flags, pe + 4, 4);
	memcpy(&dlen, pe + 10, 2);
	if (!(flags & EV_F_MORE))
		return ENODATA;
	uint8_t *next = pe + EV_HDR + dlen;
	if (next + EV_HDR > b + q->len)
		return ENXIO;
	*event = (os_channel_event_t)(uintptr_t)next;
	return 0;
}

int os_channel_event_get_event_data(os_channel_event_t event, struct os_channel_event_data *d)
{
	uint8_t *e = (uint8_t *)(uintptr_t)event;
	if (e == NULL || d == NULL || e < g_sim.base || e >= g_sim.base + g_sim.size)
		return EINVAL;
	uint32_t type, flags;
	uint16_t dlen;
	memcpy(&type, e, 4);
	memcpy(&flags, e + 4, 4);
	memcpy(&dlen, e + 10, 2);
	if (type < CHANNEL_EVENT_PACKET_TRANSMIT_STATUS || type > CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED)
		return ENXIO;
	d->event_type = type;
	d->event_more = (flags & EV_F_MORE) != 0;
	d->event_data_length = dlen;
	d->event_data = e + EV_HDR;
	return 0;
}
