/*
 * ring.c: the slot calls of the ABI over a window of slot descriptors
 * (internal.h: tokens, no ring size, no sp_idx), and the guards that stand
 * in for what libsyscall aborts on (os_channel.c) and the kernel kills for
 * (channel_ring.c) when a slot is misused:
 *   get_next_slot   UPP TX slot already holding a packet ("Tx slot has
 *                   attached metadata"); an RX slot detached and not yet
 *                   advanced past ("Slot descriptor has no metadata");
 *                   prev outside [head, tail) ("Index out of bounds in gns")
 *   advance_slot    UPP TX past a slot with no packet (UNALLOCATED_PKT at the
 *                   next TX sync or WRITE wait); UPP RX past a slot still
 *                   holding one (SLOT_NOT_DETACHED at the next RX sync or
 *                   READ wait)
 *   set_slot_props  a slot without metadata, or whose metadata address
 *                   get_next_slot did not report ("Metadata redzone
 *                   corrupted" / "Slot descriptor has no metadata")
 *   get_packet, attach, detach: a slot outside the window ("Index out of
 *                   bounds in sgp", "Invalid slot"), an occupied or empty
 *                   slot, another packet, an unfinalized packet
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CAP0 64u

int skt_ring_init(struct ring_state *rs, channel_ring_t r)
{
	if (r == NULL)
		return EINVAL;
	memset(rs, 0, sizeof(*rs));
	rs->r = r;
	rs->cap = CAP0;
	rs->ents = calloc(rs->cap, sizeof(*rs->ents));
	return rs->ents ? 0 : ENOMEM;
}

void skt_ring_free(struct ring_state *rs)
{
	free(rs->ents);
	rs->ents = NULL;
}

static uint32_t pos_of(const struct ring_state *rs, uint32_t tok)
{
	return (tok - rs->head_tok) & TOK_MASK;
}

int skt_in_window(const struct ring_state *rs, uint32_t tok)
{
	return tok <= TOK_MASK && pos_of(rs, tok) < rs->known;
}

static struct slot_ent *ent(const struct ring_state *rs, uint32_t tok)
{
	return &rs->ents[tok & (rs->cap - 1)];
}

/* room for one more slot in the window: doubles cap, re-placing the entries */
static int grow(struct ring_state *rs)
{
	if (rs->known < rs->cap)
		return 0;
	uint32_t ncap = rs->cap * 2;
	struct slot_ent *n = calloc(ncap, sizeof(*n));
	if (n == NULL)
		return ENOMEM;
	for (uint32_t k = 0; k < rs->known; k++) {
		uint32_t tok = (rs->head_tok + k) & TOK_MASK;
		n[tok & (ncap - 1)] = rs->ents[tok & (rs->cap - 1)];
	}
	free(rs->ents);
	rs->ents = n;
	rs->cap = ncap;
	return 0;
}

static const char *rname(uint32_t ring) { return ring == SKT_RING_TX ? "TX" : "RX"; }

#define RING_OR_FAIL(who) \
	struct ring_state *rs = ch != NULL && ring <= SKT_RING_RX ? &ch->rs[ring] : NULL; \
	if (rs == NULL) return fail(EINVAL, "%s: bad channel or ring %u", who, ring)
#define SLOT_OR_FAIL(who, s) \
	if (!skt_in_window(rs, (uint32_t)(s))) \
		return fail(EINVAL, "%s: %s slot %d is outside [head, tail) (not returned by " \
		    "get_next_slot since the last advance)", who, rname(ring), (int)(s))

static packet_t slot_pkt(const struct ring_state *rs, uint32_t tok)
{
	return os_channel_slot_get_packet(rs->r, ent(rs, tok)->sd);
}

SKT_EXPORT int32_t skt_ring_get_next_slot(skt_channel *ch, uint32_t ring, int32_t prev, uint8_t *prop)
{
	RING_OR_FAIL("os_channel_get_next_slot");
	if (prev < -1)
		return fail(EINVAL, "os_channel_get_next_slot: bad prev %d", prev);
	channel_slot_t ps = NULL;
	uint32_t pos = 0;
	if (prev >= 0) {
		SLOT_OR_FAIL("os_channel_get_next_slot(prev)", prev);
		ps = ent(rs, (uint32_t)prev)->sd;
		pos = pos_of(rs, (uint32_t)prev) + 1;
	}
	uint32_t tok = (rs->head_tok + pos) & TOK_MASK;
	if (pos < rs->known) {   /* a slot seen before: what libsyscall would abort on */
		packet_t ph = slot_pkt(rs, tok);
		if (ring == SKT_RING_TX && ch->upp && ph != 0)
			return fail(EINVAL, "os_channel_get_next_slot: TX slot %u already holds a packet "
			    "(libsyscall aborts: \"Tx slot has attached metadata\"); advance past it or "
			    "detach it first", tok);
		if (!(ring == SKT_RING_TX && ch->upp) && ph == 0)
			return fail(EINVAL, "os_channel_get_next_slot: %s slot %u has no packet "
			    "(libsyscall aborts: \"Slot descriptor has no metadata\"); advance past it first",
			    rname(ring), tok);
	} else if (grow(rs) != 0) {
		return fail(ENOMEM, "os_channel_get_next_slot: slot window");
	}
	slot_prop_t p;
	memset(&p, 0, sizeof(p));
	channel_slot_t s = os_channel_get_next_slot(rs->r, ps, &p);
	if (s == NULL)
		return -1;
	struct slot_ent *e = ent(rs, tok);
	if (pos == rs->known) {
		e->sd = s;
		e->hcache = 0;
		rs->known++;
	} else if (e->sd != s) {
		return fail(EIO, "os_channel_get_next_slot: the ring moved under the window");
	}
	e->mdata = p.sp_mdata_ptr;
	if (prop != NULL)
		memcpy(prop, &p, sizeof(p));
	return (int32_t)tok;
}

SKT_EXPORT int32_t skt_ring_advance_slot(skt_channel *ch, uint32_t ring, uint32_t slot)
{
	RING_OR_FAIL("os_channel_advance_slot");
	SLOT_OR_FAIL("os_channel_advance_slot", slot);
	uint32_t d = pos_of(rs, slot);
	if (ch->upp) {
		for (uint32_t k = 0; k <= d; k++) {
			uint32_t t = (rs->head_tok + k) & TOK_MASK;
			packet_t ph = slot_pkt(rs, t);
			if (ring == SKT_RING_RX && ph != 0)
				return fail(EINVAL, "os_channel_advance_slot: RX slot %u still holds a packet "
				    "(the kernel kills at the next RX sync: SLOT_NOT_DETACHED); detach it "
				    "before advancing", t);
			if (ring == SKT_RING_TX && ph == 0)
				return fail(EINVAL, "os_channel_advance_slot: TX slot %u has no packet "
				    "(the kernel kills at the next TX sync: UNALLOCATED_PKT); attach one "
				    "before advancing", t);
		}
	}
	int err = spi_err(os_channel_advance_slot(rs->r, ent(rs, slot)->sd));
	if (err)
		return fail(err, "os_channel_advance_slot(%s slot %u)", rname(ring), slot);
	rs->head_tok = (slot + 1) & TOK_MASK;
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
	struct slot_ent *e = ent(rs, slot);
	if (slot_pkt(rs, slot) == 0)
		return fail(EINVAL, "os_channel_set_slot_properties: %s slot %u has no packet "
		    "(libsyscall aborts: \"Slot descriptor has no metadata\")", rname(ring), slot);
	if (e->mdata == 0)
		return fail(EINVAL, "os_channel_set_slot_properties: get_next_slot reported no metadata "
		    "for %s slot %u (a user-packet-pool TX slot), and libsyscall dereferences "
		    "sp_mdata_ptr", rname(ring), slot);
	/* only sp_len is the caller's: the metadata address is the one reported */
	slot_prop_t p;
	memcpy(&p, prop, sizeof(p));
	p.sp_mdata_ptr = e->mdata;
	os_channel_set_slot_properties(rs->r, e->sd, &p);
	return 0;
}

SKT_EXPORT int32_t skt_ring_slot_get_packet(skt_channel *ch, uint32_t ring, uint32_t slot)
{
	RING_OR_FAIL("os_channel_slot_get_packet");
	SLOT_OR_FAIL("os_channel_slot_get_packet", slot);
	packet_t ph = slot_pkt(rs, slot);
	if (ph == 0)
		return 0;
	struct slot_ent *se = ent(rs, slot);
	struct hent *e = skt_hlookup(ch, se->hcache);
	if (e != NULL && e->ph == ph && (e->flags & H_ATTACHED) && e->ring == ring && e->slot == slot)
		return (int32_t)se->hcache;
	uint32_t h = skt_hnew(ch, ph, H_ATTACHED | H_FINAL);   /* the kernel's packets are finalized */
	if (h == 0)
		return fail(ENOMEM, "os_channel_slot_get_packet: packet handle table full");
	e = skt_hlookup(ch, h);
	e->ring = (uint8_t)ring;
	e->slot = slot;
	se->hcache = h;
	return (int32_t)h;
}

SKT_EXPORT int32_t skt_ring_slot_attach_packet(skt_channel *ch, uint32_t ring, uint32_t slot, uint32_t pkt)
{
	RING_OR_FAIL("os_channel_slot_attach_packet");
	struct hent *e = skt_pkt_or_null(ch, pkt);
	if (e == NULL || (e->flags & H_EVENT))
		return fail(EINVAL, "os_channel_slot_attach_packet: unknown packet handle %u", pkt);
	if (e->flags & H_ATTACHED)
		return fail(EINVAL, "os_channel_slot_attach_packet: packet %u is already attached to a slot", pkt);
	if (!(e->flags & H_FINAL))
		return fail(EINVAL, "os_channel_slot_attach_packet: packet %u is not finalized "
		    "(libsyscall aborts: \"packet not finalized\")", pkt);
	SLOT_OR_FAIL("os_channel_slot_attach_packet", slot);
	if (slot_pkt(rs, slot) != 0)
		return fail(EINVAL, "os_channel_slot_attach_packet: %s slot %u already holds a packet "
		    "(libsyscall aborts: \"Slot has attached packet\")", rname(ring), slot);
	int err = spi_err(os_channel_slot_attach_packet(rs->r, ent(rs, slot)->sd, e->ph));
	if (err)
		return fail(err, "os_channel_slot_attach_packet(%s slot %u)", rname(ring), slot);
	skt_hrelease(ch, e);   /* the ring owns the packet now */
	return 0;
}

SKT_EXPORT int32_t skt_ring_slot_detach_packet(skt_channel *ch, uint32_t ring, uint32_t slot, uint32_t pkt)
{
	RING_OR_FAIL("os_channel_slot_detach_packet");
	struct hent *e = skt_pkt_or_null(ch, pkt);
	if (e == NULL || (e->flags & H_EVENT))
		return fail(EINVAL, "os_channel_slot_detach_packet: unknown packet handle %u", pkt);
	SLOT_OR_FAIL("os_channel_slot_detach_packet", slot);
	packet_t cur = slot_pkt(rs, slot);
	if (cur == 0)
		return fail(EINVAL, "os_channel_slot_detach_packet: %s slot %u is empty "
		    "(libsyscall aborts: \"Slot has no attached packet\")", rname(ring), slot);
	if (cur != e->ph)
		return fail(EINVAL, "os_channel_slot_detach_packet: packet %u is not the one in %s slot %u "
		    "(libsyscall aborts: \"packet handle mismatch\")", pkt, rname(ring), slot);
	if (!(e->flags & H_FINAL))
		return fail(EINVAL, "os_channel_slot_detach_packet: packet %u is not finalized "
		    "(libsyscall aborts: \"packet not finalized\")", pkt);
	int err = spi_err(os_channel_slot_detach_packet(rs->r, ent(rs, slot)->sd, e->ph));
	if (err)
		return fail(err, "os_channel_slot_detach_packet(%s slot %u)", rname(ring), slot);
	e->flags &= (uint8_t)~H_ATTACHED;
	return 0;
}

/* os_channel_available_slot_count: TX, the free slots (one stays empty); RX, the filled ones */
SKT_EXPORT int32_t skt_ring_available_slots(skt_channel *ch, uint32_t ring)
{
	RING_OR_FAIL("os_channel_available_slot_count");
	uint32_t n = os_channel_available_slot_count(rs->r);
	return n > INT32_MAX ? INT32_MAX : (int32_t)n;
}
