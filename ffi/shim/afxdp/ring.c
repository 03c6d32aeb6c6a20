/*
 * ring.c: slots, user packet pool, packets and buflets over the UMEM.
 *
 * channel_slot_t is the address of the slot's entry in the channel's slot
 * array; packet_t the address of the frame's struct axp_pkt; buflet_t its one
 * buflet (the frame: object address = the chunk's start in the UMEM, data
 * limit = the chunk size). Misuse that libsyscall answers with SK_ABORT aborts
 * here too (common.c refuses first, so the shim never gets here).
 *
 * What AF_XDP has no counterpart for is refused, never emulated: interface
 * advisories, channel events (per-packet transmit status) and packet expiry
 * answer ENOTSUP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afxdp.h"

static void axp_abort(const char *what)
{
	fprintf(stderr, "afxdp: %s\n", what);
	abort();
}

/* counter of `slot` if it lies in [head, tail), else aborts */
static uint32_t slot_counter(struct channel_ring_desc *r, channel_slot_t slot, const char *what)
{
	struct axp_pkt **s = (struct axp_pkt **)(void *)slot;
	if (s < r->slots || s >= r->slots + r->n)
		axp_abort(what);
	uint32_t idx = (uint32_t)(s - r->slots);
	uint32_t dist = (idx - r->head % r->n + r->n) % r->n;
	if (dist >= r->tail - r->head)
		axp_abort(what);
	return r->head + dist;
}

channel_slot_t os_channel_get_next_slot(channel_ring_t r, channel_slot_t prev, slot_prop_t *prop)
{
	if (r == NULL)
		return NULL;
	uint32_t c = r->head;
	if (prev != NULL)
		c = slot_counter(r, prev, "get_next_slot: slot outside [head, tail)") + 1;
	if (c - r->head >= r->tail - r->head)
		return NULL;
	uint32_t idx = c % r->n;
	struct axp_pkt *p = r->slots[idx];
	if (r->kind == AXP_TXR && p != NULL)
		axp_abort("Tx slot has attached metadata");
	if (prop != NULL) {
		memset(prop, 0, sizeof(*prop));
		prop->sp_idx = idx;
		if (p != NULL) {
			prop->sp_buf_ptr = (uint64_t)(uintptr_t)(r->ch->area + (uint64_t)p->frame * AXP_FRAME_SIZE + p->b.doff);
			prop->sp_mdata_ptr = (uint64_t)(uintptr_t)p;
			prop->sp_len = (uint16_t)p->len;
		}
	}
	return (channel_slot_t)(void *)&r->slots[idx];
}

int os_channel_advance_slot(channel_ring_t r, channel_slot_t slot)
{
	if (r == NULL)
		return EINVAL;
	struct axp_pkt **s = (struct axp_pkt **)(void *)slot;
	if (s < r->slots || s >= r->slots + r->n)
		return EINVAL;
	uint32_t idx = (uint32_t)(s - r->slots);
	uint32_t dist = (idx - r->head % r->n + r->n) % r->n;
	if (dist >= r->tail - r->head)
		return EINVAL;
	r->head += dist + 1;
	return 0;
}

/*
 * os_channel_available_slot_count: TX, the free slots (tail is refreshed from
 * the socket's TX ring, which the kernel consumes; no kick); RX, the filled
 * ones published so far.
 */
uint32_t os_channel_available_slot_count(channel_ring_t r)
{
	if (r == NULL)
		return 0;
	if (r->kind == AXP_TXR)
		axp_tx_publish(r->ch);
	return r->tail - r->head;
}

/* the non-UPP TX path: an AF_XDP channel is always UPP, so slots carry no buffer */
void os_channel_set_slot_properties(channel_ring_t r, channel_slot_t slot, const slot_prop_t *prop)
{
	if (r == NULL || prop == NULL)
		return;
	uint32_t c = slot_counter(r, slot, "set_slot_properties: invalid slot");
	struct axp_pkt *p = r->slots[c % r->n];
	if (p != NULL) {
		p->b.doff = 0;
		p->b.dlen = p->len = prop->sp_len;
	}
}

packet_t os_channel_slot_get_packet(channel_ring_t r, channel_slot_t slot)
{
	struct axp_pkt **s = (struct axp_pkt **)(void *)slot;
	if (r == NULL || s < r->slots || s >= r->slots + r->n || *s == NULL)
		return 0;
	return (packet_t)(uintptr_t)*s;
}

/* the packet if it is one of this channel's frames */
static struct axp_pkt *own_pkt(struct channel *ch, packet_t ph)
{
	struct axp_pkt *p = axp_pkt_of(ph);
	if (p == NULL || p < ch->pkts || p >= ch->pkts + AXP_FRAMES ||
	    (uintptr_t)((const char *)p - (const char *)ch->pkts) % sizeof(*p) != 0)
		return NULL;
	return p;
}

int os_channel_slot_attach_packet(channel_ring_t r, channel_slot_t slot, packet_t ph)
{
	if (r == NULL)
		return EINVAL;
	uint32_t c = slot_counter(r, slot, "attach: invalid slot");
	struct axp_pkt *p = own_pkt(r->ch, ph);
	if (p == NULL || p->state != PS_USER)
		axp_abort("attach: packet not allocated from this channel");
	if (!(p->flags & PF_FINALIZED))
		axp_abort("attach: packet not finalized");
	if (r->slots[c % r->n] != NULL)
		axp_abort("attach: slot already has a packet");
	p->state = r->kind == AXP_TXR ? PS_TXSLOT : PS_RXSLOT;
	r->slots[c % r->n] = p;
	return 0;
}

int os_channel_slot_detach_packet(channel_ring_t r, channel_slot_t slot, packet_t ph)
{
	if (r == NULL)
		return EINVAL;
	uint32_t c = slot_counter(r, slot, "detach: invalid slot");
	struct axp_pkt *p = r->slots[c % r->n];
	if (p == NULL)
		axp_abort("detach: slot has no packet");
	if ((packet_t)(uintptr_t)p != ph)
		axp_abort("detach: packet is not the slot's");
	p->state = PS_USER;
	r->slots[c % r->n] = NULL;
	return 0;
}

/* an empty pool is refilled from the completion ring first, as the kernel's
 * alloc sync refills the user's alloc ring */
int os_channel_packet_alloc(channel_t ch, packet_t *ph)
{
	if (ch == NULL || ph == NULL)
		return EINVAL;
	struct axp_pkt *p = axp_pool_get(ch, 0);
	if (p == NULL) {
		axp_tx_sync(ch);
		p = axp_pool_get(ch, 0);
	}
	if (p == NULL)
		return ENOMEM;
	p->state = PS_USER;
	*ph = (packet_t)(uintptr_t)p;
	return 0;
}

int os_channel_packet_free(channel_t ch, packet_t ph)
{
	if (ch == NULL)
		return EINVAL;
	struct axp_pkt *p = own_pkt(ch, ph);
	if (p == NULL || p->state != PS_USER)
		return EINVAL;
	axp_pool_put(ch, p);
	return 0;
}

/* -------------------------------------------------------------- packets */

#define PKT(ph) struct axp_pkt *p = axp_pkt_of(ph)

buflet_t os_packet_get_next_buflet(packet_t ph, buflet_t prev)
{
	PKT(ph);
	if (p == NULL || prev != NULL)
		return NULL;
	return &p->b;
}

uint32_t os_packet_get_buflet_count(packet_t ph) { return ph ? 1 : 0; }

int os_packet_set_link_header_length(packet_t ph, uint8_t len)
{
	PKT(ph);
	if (p == NULL)
		return EINVAL;
	p->l2len = len;
	return 0;
}

uint8_t os_packet_get_link_header_length(packet_t ph)
{
	PKT(ph);
	return p ? p->l2len : 0;
}

uint32_t os_packet_get_data_length(packet_t ph)
{
	PKT(ph);
	return p ? p->len : 0;
}

int os_packet_set_packetid(packet_t ph, packet_id_t *pktid)
{
	PKT(ph);
	if (p == NULL || pktid == NULL)
		return EINVAL;
	p->pktid = *pktid;
	p->flags |= PF_PKTID;
	return 0;
}

int os_packet_get_packetid(packet_t ph, packet_id_t *pktid)
{
	PKT(ph);
	if (p == NULL || pktid == NULL)
		return EINVAL;
	if (!(p->flags & PF_PKTID))
		return ENOENT;
	*pktid = p->pktid;
	return 0;
}

/* no per-packet expiry on AF_XDP (the TX ring has no deadline) */
int os_packet_set_expire_time(packet_t ph, uint64_t ts) { (void)ph; (void)ts; return ENOTSUP; }
int os_packet_get_expire_time(packet_t ph, uint64_t *ts) { (void)ph; (void)ts; return ENOTSUP; }
int os_packet_set_expiry_action(packet_t ph, packet_expiry_action_t a) { (void)ph; (void)a; return ENOTSUP; }

/* __packet_finalize: the buflet must lie in its buffer; len := its data length */
int os_packet_finalize(packet_t ph)
{
	PKT(ph);
	if (p == NULL)
		return EINVAL;
	if ((uint64_t)p->b.doff + p->b.dlen > p->b.dlim) {
		p->flags &= ~PF_FINALIZED;
		return ERANGE;
	}
	p->len = p->b.dlen;
	p->flags |= PF_FINALIZED;
	return 0;
}

/* -------------------------------------------------------------- buflets */

static struct axp_pkt *pkt_of_buflet(buflet_t b) { return (struct axp_pkt *)(void *)b; }

int os_buflet_set_data_offset(buflet_t b, uint32_t off)
{
	if (b == NULL || off > b->dlim)
		return ERANGE;
	b->doff = off;
	pkt_of_buflet(b)->flags &= ~PF_FINALIZED;
	return 0;
}

uint32_t os_buflet_get_data_offset(buflet_t b) { return b ? b->doff : 0; }

int os_buflet_set_data_length(buflet_t b, uint32_t len)
{
	if (b == NULL || (uint64_t)b->doff + len > b->dlim)
		return ERANGE;
	b->dlen = len;
	pkt_of_buflet(b)->flags &= ~PF_FINALIZED;
	return 0;
}

uint32_t os_buflet_get_data_length(buflet_t b) { return b ? b->dlen : 0; }

void *os_buflet_get_object_address(buflet_t b)
{
	if (b == NULL)
		return NULL;
	struct axp_pkt *p = pkt_of_buflet(b);
	return p->ch->area + (uint64_t)p->frame * AXP_FRAME_SIZE;
}

uint32_t os_buflet_get_data_limit(buflet_t b) { return b ? b->dlim : 0; }

/* ---------------------------------------- no AF_XDP counterpart: refused */

int os_channel_configure_interface_advisory(channel_t ch, int enable)
{
	(void)ch; (void)enable;
	errno = ENOTSUP;
	return -1;
}

int os_channel_get_interface_advisory(channel_t ch, void *advisory)
{
	(void)ch; (void)advisory;
	return ENOTSUP;
}

int os_channel_get_next_event_handle(channel_t ch, os_channel_event_handle_t *eh,
    os_channel_event_type_t *etype, uint32_t *nevents)
{
	(void)ch; (void)eh; (void)etype; (void)nevents;
	return ENOTSUP;
}

int os_channel_event_free(channel_t ch, os_channel_event_handle_t eh) { (void)ch; (void)eh; return ENOTSUP; }

int os_channel_event_get_next_event(os_channel_event_handle_t eh, os_channel_event_t prev,
    os_channel_event_t *event)
{
	(void)eh; (void)prev; (void)event;
	return ENOTSUP;
}

int os_channel_event_get_event_data(os_channel_event_t event, struct os_channel_event_data *data)
{
	(void)event; (void)data;
	return ENOTSUP;
}
