/*
 * ring.c: the user side of the rings and the user packet pool calls, each
 * following its libsyscall function (libsyscall/wrappers/skywalk/os_channel.c,
 * xnu-11215) check for check: the same fields filled, the same return values,
 * the same SK_ABORT text where libsyscall aborts (abort.c). channel_slot_t is
 * the address of the slot's entry in the shared slot array (a slot
 * descriptor), so its index is (slot - slots). The user owns [head, tail);
 * get_next_slot never moves head; advance_slot does; sync hands slots over.
 * The sim's head and tail are free-running counters (index = counter % n);
 * the checks below are libsyscall's _slot_index_is_valid on those.
 */
#include <errno.h>
#include <string.h>

#include "sim.h"

#define TXR 0
#define RXR 1

static bool defunct(const struct channel_ring_desc *r)
{
	return atomic_load(&r->ch->sc->defunct) != 0;   /* _CHANNEL_RING_IS_DEFUNCT */
}

/* _SLOT_INDEX: the descriptor's index; n (out of range) if not one of the ring's */
static uint32_t slot_index(const struct channel_ring_desc *r, channel_slot_t slot)
{
	const uint32_t *s = (const uint32_t *)(const void *)slot;
	return s >= r->slots && s < r->slots + r->n ? (uint32_t)(s - r->slots) : r->n;
}

/* x mod the ring's size: every ring's size is a power of two, so a mask, not a division
 * (two per slot call showed in profiles) */
_Static_assert((SIM_TX_SLOTS & (SIM_TX_SLOTS - 1)) == 0 && (SIM_RX_SLOTS & (SIM_RX_SLOTS - 1)) == 0 &&
    (SIM_EV_SLOTS & (SIM_EV_SLOTS - 1)) == 0, "ring sizes are powers of two");
static inline uint32_t ring_mod(const struct channel_ring_desc *r, uint32_t x) { return x & (r->n - 1); }

/* _slot_index_is_valid: idx in [head, tail); *counter gets its free-running counter */
static bool index_valid(const struct channel_ring_desc *r, uint32_t idx, uint32_t *counter)
{
	if (idx >= r->n)
		return false;
	uint32_t head = r->h->head, dist = ring_mod(r, idx - head);
	if (dist >= r->h->tail - head)
		return false;
	if (counter)
		*counter = head + dist;
	return true;
}

static struct sim_pkt *slot_pkt(const struct channel_ring_desc *r, uint32_t idx)
{
	uint32_t off = r->slots[idx];
	return off ? (struct sim_pkt *)sim_ptr(off) : NULL;
}

/* os_channel_get_next_slot (os_channel.c ~1012) */
channel_slot_t os_channel_get_next_slot(channel_ring_t r, channel_slot_t slot0, slot_prop_t *prop)
{
	uint32_t c;
	if (slot0 != NULL) {
		uint32_t idx = slot_index(r, slot0);
		if (index_valid(r, idx, &c))
			c++;
		else if (!defunct(r))
			sim_abort_cause("Index out of bounds in gns", idx);
		else
			c = r->h->tail;    /* as if advanced to the last slot */
	} else {
		c = r->h->head;
	}
	if (c == r->h->tail)
		return NULL;
	uint32_t idx = ring_mod(r, c);
	channel_slot_t slot = (channel_slot_t)(void *)&r->slots[idx];
	struct sim_pkt *q = slot_pkt(r, idx);
	if (r->kind == TXR && r->ch->sc->upp) {
		/* user packet pool TX: only these four fields; sp_idx is left alone */
		if (q != NULL)
			sim_abort_cause("Tx slot has attached metadata", idx);
		if (prop != NULL) {
			prop->sp_len = 0;
			prop->sp_flags = 0;
			prop->sp_buf_ptr = 0;
			prop->sp_mdata_ptr = 0;
		}
		return defunct(r) ? NULL : slot;
	}
	if (q == NULL && !defunct(r))
		sim_abort("Slot descriptor has no metadata");    /* _SLOT_DESC_VERIFY */
	if (q != NULL && prop != NULL) {
		prop->sp_idx = idx;
		prop->sp_flags = 0;
		prop->sp_buf_ptr = (uint64_t)(uintptr_t)(sim_pkt_data(q) + q->b.doff);
		prop->sp_mdata_ptr = (uint64_t)(uintptr_t)q;
		prop->sp_len = (uint16_t)(r->kind == TXR ? q->b.dlim : q->len);
	}
	return defunct(r) ? NULL : slot;
}

/* os_channel_advance_slot (~994): EINVAL (ENXIO when defunct) for a slot outside [head, tail) */
int os_channel_advance_slot(channel_ring_t r, channel_slot_t slot)
{
	uint32_t c;
	if (!index_valid(r, slot_index(r, slot), &c))
		return defunct(r) ? ENXIO : EINVAL;
	r->h->head = c + 1;
	return 0;
}

/* os_channel_available_slot_count (~971): TX counts from khead, keeping one slot empty */
uint32_t os_channel_available_slot_count(channel_ring_t r)
{
	uint32_t count;
	if (r->kind == TXR)
		count = r->n - (r->h->head - atomic_load_explicit(&r->h->khead, memory_order_relaxed)) - 1;
	else
		count = r->h->tail - r->h->head;
	return defunct(r) ? 0 : count;
}

/*
 * os_channel_set_slot_properties (~1098): verifies the metadata the caller
 * passes in prop->sp_mdata_ptr (libsyscall reads its redzone: a pointer that
 * is not this channel's metadata aborts there or faults), then the slot's.
 */
void os_channel_set_slot_properties(channel_ring_t r, channel_slot_t slot, const slot_prop_t *prop)
{
	uint32_t idx = slot_index(r, slot);
	if (!index_valid(r, idx, NULL)) {
		if (!defunct(r))
			sim_abort_cause("Index out of bounds in ssp", idx);
		return;
	}
	struct sim_pkt *md = sim_pkt_from_ph((packet_t)prop->sp_mdata_ptr);
	if ((md == NULL || md->chan != r->ch->idx) && !defunct(r))
		sim_abort_cause("Metadata redzone corrupted", 0);   /* _METADATA_VERIFY */
	struct sim_pkt *q = slot_pkt(r, idx);
	if (q == NULL) {
		if (!defunct(r))
			sim_abort("Slot descriptor has no metadata");
		return;
	}
	q->len = prop->sp_len;
	q->b.dlen = prop->sp_len;
	q->b.doff = 0;
}

/* os_channel_slot_get_packet (~1139) */
packet_t os_channel_slot_get_packet(channel_ring_t r, channel_slot_t slot)
{
	if (slot == NULL)
		return 0;
	uint32_t idx = slot_index(r, slot);
	if (!index_valid(r, idx, NULL)) {
		if (!defunct(r))
			sim_abort_cause("Index out of bounds in sgp", idx);
		return 0;
	}
	struct sim_pkt *q = slot_pkt(r, idx);
	return q ? (packet_t)(uintptr_t)q : 0;
}

/* _SLOT_METADATA_IDX_VERIFY on a packet handle: one of this channel's packets */
static struct sim_pkt *own_pkt(const struct channel *ch, packet_t ph)
{
	struct sim_pkt *p = sim_pkt_from_ph(ph);
	if ((p == NULL || p->chan != ch->idx) && !atomic_load(&ch->sc->defunct))
		sim_abort_cause("bad packet handle", p ? (uint32_t)(p - ch->ca->pkts) : 0);
	return p;
}

/* os_channel_slot_attach_packet (~1872) */
int os_channel_slot_attach_packet(channel_ring_t r, channel_slot_t slot, packet_t ph)
{
	if (!r->ch->sc->upp)
		return ENOTSUP;
	struct sim_pkt *p = sim_pkt_from_ph(ph);
	if (p == NULL || !(p->flags & PF_FINALIZED)) {     /* __packet_is_finalized */
		if (!defunct(r))
			sim_abort("packet not finalized");
		return ENXIO;
	}
	uint32_t idx = slot_index(r, slot);
	if (!index_valid(r, idx, NULL)) {
		if (!defunct(r))
			sim_abort_cause("Invalid slot", (uint32_t)(uintptr_t)slot);
		return ENXIO;
	}
	if (r->slots[idx] != 0) {
		if (!defunct(r))
			sim_abort_cause("Slot has attached packet", (uint32_t)(uintptr_t)slot);
		return ENXIO;
	}
	p = own_pkt(r->ch, ph);
	if (defunct(r))
		return ENXIO;   /* changes to the slots are ignored then */
	/* A packet attached twice, or freed and attached, is not in the pool's
	 * allocated list: the kernel kills at the next TX sync (kr_txprologue_upp,
	 * UNALLOCATED_PKT); the sim cannot hold one packet in two slots, so it
	 * kills now with the same reason. */
	if (p->state != PS_USER)
		sim_kill(SIM_KILL_UNALLOCATED_PKT | SIM_KILL_TX_SYNC);
	p->state = r->kind == TXR ? PS_TXSLOT : PS_RXSLOT;
	r->slots[idx] = sim_off(p);
	return 0;
}

/* os_channel_slot_detach_packet (~1925) */
int os_channel_slot_detach_packet(channel_ring_t r, channel_slot_t slot, packet_t ph)
{
	if (!r->ch->sc->upp)
		return ENOTSUP;
	uint32_t idx = slot_index(r, slot);
	if (!index_valid(r, idx, NULL)) {
		if (!defunct(r))
			sim_abort_cause("Invalid slot", (uint32_t)(uintptr_t)slot);
		return ENXIO;
	}
	struct sim_pkt *q = slot_pkt(r, idx);
	if (q == NULL) {
		if (!defunct(r))
			sim_abort_cause("Slot has no attached packet", (uint32_t)(uintptr_t)slot);
		return ENXIO;
	}
	if ((packet_t)(uintptr_t)q != ph) {
		if (!defunct(r))
			sim_abort("packet handle mismatch");
		return ENXIO;
	}
	if (!(q->flags & PF_FINALIZED)) {
		if (!defunct(r))
			sim_abort("packet not finalized");
		return ENXIO;
	}
	if (defunct(r))
		return ENXIO;
	q->state = PS_USER;
	r->slots[idx] = 0;
	return 0;
}

/* os_channel_packet_alloc (~1732): ENOTSUP without a user packet pool */
int os_channel_packet_alloc(channel_t ch, packet_t *ph)
{
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

/*
 * os_channel_packet_free (~1821): libsyscall checks only that the handle is
 * one of the channel's packets (else "bad packet handle"). Freeing a packet
 * that is attached to a slot, or already free, is not checked there; the sim
 * refuses it with EINVAL (it cannot put a packet in two places).
 */
int os_channel_packet_free(channel_t ch, packet_t ph)
{
	if (!ch->sc->upp)
		return ENOTSUP;
	struct sim_pkt *p = own_pkt(ch, ph);
	if (atomic_load(&ch->sc->defunct))
		return ENXIO;
	if (p->state != PS_USER)
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

/*
 * RX sync: give [khead, head) back to the producers, then publish. A slot
 * the user advanced past without detaching its packet is what
 * kr_rxprologue_upp kills for (SLOT_NOT_DETACHED | RX_SYNC).
 */
int sim_rx_sync(struct channel *ch)
{
	struct sim_ringh *h = &ch->ca->rxh;
	uint32_t kh = atomic_load_explicit(&h->khead, memory_order_relaxed);
	for (uint32_t c = kh; c != h->head; c++)
		if (ch->ca->rxs[c % SIM_RX_SLOTS] != 0)
			sim_kill(SIM_KILL_SLOT_NOT_DETACHED | SIM_KILL_RX_SYNC);
	atomic_store_explicit(&h->khead, h->head, memory_order_release);
	sim_rx_publish(ch);
	return 0;
}
