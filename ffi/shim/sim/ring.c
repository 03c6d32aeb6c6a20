/*
 * ring.c: the user side of the rings (xnu-spi.md 4.1) and the user packet
 * pool calls. channel_slot_t is the address of the slot's entry in the shared
 * slot array, so its index is (slot - slots). The user owns [head, tail);
 * get_next_slot never moves head; advance_slot does; sync hands slots over.
 * Misuse that libsyscall answers with SK_ABORT aborts here too (common.c
 * checks first so the shim never gets there).
 */
#include <errno.h>
#include <string.h>

#include "sim.h"

#define TXR 0
#define RXR 1

/* counter of `slot` if it lies in [head, tail), else aborts */
static uint32_t slot_counter(struct channel_ring_desc *r, channel_slot_t slot, const char *what)
{
	uint32_t *s = (uint32_t *)(void *)slot;
	if (s < r->slots || s >= r->slots + r->n)
		sim_abort(what);
	uint32_t idx = (uint32_t)(s - r->slots), head = r->h->head;
	uint32_t dist = (idx - head % r->n + r->n) % r->n;
	if (dist >= r->h->tail - head)
		sim_abort(what);
	return head + dist;
}

channel_slot_t os_channel_get_next_slot(channel_ring_t r, channel_slot_t prev, slot_prop_t *prop)
{
	if (r == NULL || r->kind > RXR)
		return NULL;
	uint32_t head = r->h->head, c = head;
	if (prev != NULL)
		c = slot_counter(r, prev, "get_next_slot: slot outside [head, tail)") + 1;
	if (c - head >= r->h->tail - head)
		return NULL;
	uint32_t idx = c % r->n;
	uint32_t off = r->slots[idx];
	if (r->kind == TXR && r->ch->sc->upp && off != 0)
		sim_abort("Tx slot has attached metadata");
	if (prop != NULL) {
		memset(prop, 0, sizeof(*prop));
		prop->sp_idx = idx;
		if (off != 0) {
			struct sim_pkt *p = sim_ptr(off);
			prop->sp_buf_ptr = (uint64_t)(uintptr_t)(sim_pkt_data(p) + p->b.doff);
			prop->sp_mdata_ptr = (uint64_t)(uintptr_t)p;
			prop->sp_len = (uint16_t)(r->kind == RXR ? p->len : p->b.dlim);
		}
	}
	return (channel_slot_t)(void *)&r->slots[idx];
}

int os_channel_advance_slot(channel_ring_t r, channel_slot_t slot)
{
	if (r == NULL || r->kind > RXR)
		return EINVAL;
	if (atomic_load(&r->ch->sc->defunct))
		return ENXIO;
	uint32_t *s = (uint32_t *)(void *)slot;
	if (s < r->slots || s >= r->slots + r->n)
		return EINVAL;
	uint32_t idx = (uint32_t)(s - r->slots), head = r->h->head;
	uint32_t dist = (idx - head % r->n + r->n) % r->n;
	if (dist >= r->h->tail - head)
		return EINVAL;
	r->h->head = head + dist + 1;
	return 0;
}

/* non-UPP TX path: the slot's buffer gets sp_len bytes at offset 0 */
void os_channel_set_slot_properties(channel_ring_t r, channel_slot_t slot, const slot_prop_t *prop)
{
	if (r == NULL || prop == NULL)
		return;
	uint32_t c = slot_counter(r, slot, "set_slot_properties: invalid slot");
	uint32_t off = r->slots[c % r->n];
	if (off != 0) {
		struct sim_pkt *p = sim_ptr(off);
		p->b.doff = 0;
		p->b.dlen = p->len = prop->sp_len;
	}
}

packet_t os_channel_slot_get_packet(channel_ring_t r, channel_slot_t slot)
{
	uint32_t *s = (uint32_t *)(void *)slot;
	if (r == NULL || s < r->slots || s >= r->slots + r->n || *s == 0)
		return 0;
	return (packet_t)(uintptr_t)sim_ptr(*s);
}

/* what attach and detach answer before looking at the slot: 0, or the errno */
static int upp_slot_op_error(channel_ring_t r)
{
	if (r == NULL || r->kind > RXR)
		return EINVAL;
	if (!r->ch->sc->upp)
		return ENOTSUP;
	if (atomic_load(&r->ch->sc->defunct))
		return ENXIO;
	return 0;
}

int os_channel_slot_attach_packet(channel_ring_t r, channel_slot_t slot, packet_t ph)
{
	int err = upp_slot_op_error(r);
	if (err)
		return err;
	uint32_t c = slot_counter(r, slot, "attach: invalid slot");
	struct sim_pkt *p = sim_pkt_from_ph(ph);
	if (p == NULL || p->kind != PK_USER || p->chan != r->ch->idx || p->state != PS_USER)
		sim_abort("attach: packet not allocated from this channel");
	if (!(p->flags & PF_FINALIZED))
		sim_abort("attach: packet not finalized");
	if (r->slots[c % r->n] != 0)
		sim_abort("attach: slot already has a packet");
	p->state = r->kind == TXR ? PS_TXSLOT : PS_RXSLOT;
	r->slots[c % r->n] = sim_off(p);
	return 0;
}

int os_channel_slot_detach_packet(channel_ring_t r, channel_slot_t slot, packet_t ph)
{
	int err = upp_slot_op_error(r);
	if (err)
		return err;
	uint32_t c = slot_counter(r, slot, "detach: invalid slot");
	uint32_t off = r->slots[c % r->n];
	if (off == 0)
		sim_abort("detach: slot has no packet");
	if ((packet_t)(uintptr_t)sim_ptr(off) != ph)
		sim_abort("detach: packet is not the slot's");
	((struct sim_pkt *)sim_ptr(off))->state = PS_USER;
	r->slots[c % r->n] = 0;
	return 0;
}

int os_channel_packet_alloc(channel_t ch, packet_t *ph)
{
	if (ch == NULL || ph == NULL)
		return EINVAL;
	if (!ch->sc->upp)
		return ENOTSUP;
	if (atomic_load(&ch->sc->defunct))
		return ENXIO;
	/* from the owner's stash, refilled a batch at a time (pcache.c) */
	struct sim_pkt *p = sim_pcache_alloc(&ch->upool, SIM_PCACHE / 2);
	if (p == NULL)
		return ENOMEM;
	*ph = (packet_t)(uintptr_t)p;
	return 0;
}

int os_channel_packet_free(channel_t ch, packet_t ph)
{
	if (ch == NULL)
		return EINVAL;
	if (!ch->sc->upp)
		return ENOTSUP;
	struct sim_pkt *p = sim_pkt_from_ph(ph);
	if (p == NULL || p->kind != PK_USER || p->chan != ch->idx || p->state != PS_USER)
		return EINVAL;
	sim_pcache_free(&ch->upool, p);   /* back to the pool at the next sync */
	return 0;
}

/* tail := ktail, so the user sees what was delivered; returns frames visible */
int sim_rx_publish(struct channel *ch)
{
	struct sim_ringh *h = &ch->ca->rxh;
	h->tail = atomic_load_explicit(&h->ktail, memory_order_acquire);
	return (int)(h->tail - h->head);
}

/* RX sync: give [khead, head) back to the producers, then publish */
int sim_rx_sync(struct channel *ch)
{
	struct sim_ringh *h = &ch->ca->rxh;
	uint32_t kh = atomic_load_explicit(&h->khead, memory_order_relaxed);
	for (uint32_t c = kh; c != h->head; c++)
		if (ch->ca->rxs[c % SIM_RX_SLOTS] != 0)
			sim_abort("RX sync: slot not detached (user packet pool)");
	atomic_store_explicit(&h->khead, h->head, memory_order_release);
	sim_rx_publish(ch);
	return 0;
}
