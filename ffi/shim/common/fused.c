/*
 * fused.c: upstream's runs of SPI calls on one slot or packet, each as one
 * shim call (skt_shim.h), built only from the exported calls of common.c so
 * that every value, check and handle rule is theirs.
 *
 * A run makes exactly upstream's calls in upstream's order, writes every
 * value to io, and stops right after the first value that the assertion
 * following it in upstream would refuse: the caller then asserts the values
 * in order, its assertion fails on that value, and no call upstream would not
 * have made has been made. The stop rules below are those assertions, by line
 * of tests/skywalk/skt_netifdirect.c.
 */
#include <stdint.h>
#include <string.h>

#include "internal.h"

/* port->user_packet_pool, the caller's (decides which run upstream takes) */
static int upp_of(const int32_t *io) { return io[SKT_IO_UPP] != 0; }

static void put64(int32_t *io, int i, uint64_t v)
{
	io[i] = (int32_t)(uint32_t)v;
	io[i + 1] = (int32_t)(uint32_t)(v >> 32);
}

static slot_prop_t *prop_of(int32_t *io) { return (slot_prop_t *)(void *)&io[SKT_IO_PROP]; }

_Static_assert(sizeof(slot_prop_t) <= 64, "slot_prop_t fits io[16..31]");

SKT_EXPORT int32_t skt_tx_begin(skt_channel *ch, int32_t prev, int32_t *io)
{
	int upp = upp_of(io);
	slot_prop_t *prop = prop_of(io);
	/* 317: slot = os_channel_get_next_slot(tx_ring, last_slot, &prop); NULL: break */
	int32_t slot = io[0] = skt_ring_get_next_slot(ch, SKT_RING_TX, prev, (uint8_t *)prop);
	if (slot < 0)
		return 1;
	/* 330-331 (upp): sp_buf_ptr == 0, sp_len == 0; 336-337: both != 0 */
	if (upp ? (prop->sp_buf_ptr != 0 || prop->sp_len != 0) : (prop->sp_buf_ptr == 0 || prop->sp_len == 0))
		return 1;
	/* 332-333: os_channel_packet_alloc, error == 0; 338: os_channel_slot_get_packet; 340: pkt != 0 */
	int32_t pkt = io[1] = upp ? skt_packet_alloc(ch) : skt_ring_slot_get_packet(ch, SKT_RING_TX, (uint32_t)slot);
	if (pkt <= 0)
		return 2;
	/* 341-342: buflet = os_packet_get_next_buflet(pkt, NULL) != NULL */
	int32_t b = io[2] = skt_packet_get_next_buflet(ch, (uint32_t)pkt, -1);
	if (b < 0)
		return 3;
	/* 343-345: buf = object address + data offset; buf != NULL */
	uint64_t addr = skt_buflet_get_object_address(ch, (uint32_t)pkt, (uint32_t)b);
	put64(io, 3, addr);
	int32_t doff = io[5] = skt_buflet_get_data_offset(ch, (uint32_t)pkt, (uint32_t)b);
	if (doff < 0 || addr + (uint32_t)doff == 0)
		return 6;
	/* 346-347: buf_len = os_buflet_get_data_limit(buflet) != 0 */
	int32_t len = io[6] = skt_buflet_get_data_limit(ch, (uint32_t)pkt, (uint32_t)b);
	if (len <= 0)
		return 7;
	/* 348-351 (not upp): buf == sp_buf_ptr, buf_len == sp_len */
	if (!upp && (addr + (uint32_t)doff != prop->sp_buf_ptr || (uint32_t)len != prop->sp_len))
		return 7;
	/* frame_populate 202-203: buf = os_packet_get_next_buflet(ph, NULL) != NULL */
	int32_t b2 = io[7] = skt_packet_get_next_buflet(ch, (uint32_t)pkt, -1);
	if (b2 < 0)
		return 8;
	/* 204-205: os_buflet_set_data_offset(buf, 0) == 0 */
	if ((io[8] = skt_buflet_set_data_offset(ch, (uint32_t)pkt, (uint32_t)b2, 0)) != 0)
		return 9;
	/* 206-207: bdlim = os_buflet_get_data_limit(buf) != 0 */
	int32_t bdlim = io[9] = skt_buflet_get_data_limit(ch, (uint32_t)pkt, (uint32_t)b2);
	if (bdlim <= 0)
		return 10;
	/* 208-209: baddr = os_buflet_get_object_address(buf) != NULL */
	uint64_t baddr = skt_buflet_get_object_address(ch, (uint32_t)pkt, (uint32_t)b2);
	put64(io, 10, baddr);
	if (baddr == 0)
		return 12;
	/* 212: os_packet_get_buflet_count(ph) == 1 (213, bdlim >= frame_length, is the caller's) */
	io[12] = skt_packet_get_buflet_count(ch, (uint32_t)pkt);
	return 13;
}

SKT_EXPORT int32_t skt_tx_end(skt_channel *ch, uint32_t slot, uint32_t pkt, uint32_t buflet,
    uint32_t l2len, uint32_t frame_len, uint32_t phases, int32_t *io)
{
	int32_t *v = &io[SKT_IO_END];
	if (phases & 1) {
		/* frame_populate 221-222: os_packet_set_link_header_length(ph, 14) == 0 */
		if ((v[0] = skt_packet_set_link_header_length(ch, pkt, l2len)) != 0)
			return 1;
		/* 248-249: os_buflet_set_data_length(buf, frame_length) == 0 */
		if ((v[1] = skt_buflet_set_data_length(ch, pkt, buflet, frame_len)) != 0)
			return 2;
		/* send 357: os_packet_set_packetid(pkt, &pktid) == 0 */
		if ((v[2] = skt_packet_set_packetid(ch, pkt, (const uint8_t *)&io[SKT_IO_PKTID])) != 0)
			return 3;
	}
	if (!(phases & 2))
		return 3;
	/* 363-364: os_packet_finalize(pkt) == 0; 369: frame_length != 0 */
	if ((v[3] = skt_packet_finalize(ch, pkt)) != 0 || frame_len == 0)
		return 4;
	if (upp_of(io)) {
		/* 371-373: os_channel_slot_attach_packet(tx_ring, slot, pkt) == 0 */
		v[4] = skt_ring_slot_attach_packet(ch, SKT_RING_TX, slot, pkt);
	} else {
		/* 375-377: prop.sp_len = frame_length; os_channel_set_slot_properties */
		prop_of(io)->sp_len = (uint16_t)frame_len;
		v[4] = skt_ring_set_slot_properties(ch, SKT_RING_TX, slot, (const uint8_t *)prop_of(io));
	}
	if (v[4] != 0 || !(phases & 4))
		return 5;
	/* 379-384: last_slot = slot, the next turn of the loop */
	return 5 + skt_tx_begin(ch, (int32_t)slot, io);
}

SKT_EXPORT int32_t skt_rx_next(skt_channel *ch, int32_t prev, uint32_t free_pkt, uint32_t frame_max,
    int32_t *io)
{
	int upp = upp_of(io);
	slot_prop_t *prop = prop_of(io);
	if (free_pkt != 0) {
		/* receive 503-504: os_channel_packet_free(chan, pkt) == 0 of the frame before */
		if ((io[SKT_IO_FREE_RC] = skt_packet_free(ch, free_pkt)) != 0)
			return 0;
	}
	/* 441-445: slot = os_channel_get_next_slot(rx_ring, last_slot, &prop); NULL: break */
	int32_t slot = io[0] = skt_ring_get_next_slot(ch, SKT_RING_RX, prev, (uint8_t *)prop);
	if (slot < 0)
		return 1;
	/* 446: sp_buf_ptr != 0 */
	if (prop->sp_buf_ptr == 0)
		return 1;
	/* 448-449: pkt = os_channel_slot_get_packet(rx_ring, slot) != 0 */
	int32_t pkt = io[1] = skt_ring_slot_get_packet(ch, SKT_RING_RX, (uint32_t)slot);
	if (pkt <= 0)
		return 2;
	/* 450-454 (upp): os_channel_slot_detach_packet(rx_ring, slot, pkt) == 0 */
	io[2] = upp ? skt_ring_slot_detach_packet(ch, SKT_RING_RX, (uint32_t)slot, (uint32_t)pkt) : 0;
	if (io[2] != 0)
		return 3;
	/* 455-456: buflet = os_packet_get_next_buflet(pkt, NULL) != NULL */
	int32_t b = io[3] = skt_packet_get_next_buflet(ch, (uint32_t)pkt, -1);
	if (b < 0)
		return 4;
	/* 457-459: bdoff, buf = object address + bdoff, pkt_len = os_packet_get_data_length */
	int32_t bdoff = io[4] = skt_buflet_get_data_offset(ch, (uint32_t)pkt, (uint32_t)b);
	if (bdoff < 0)
		return 5;
	uint64_t addr = skt_buflet_get_object_address(ch, (uint32_t)pkt, (uint32_t)b);
	put64(io, 5, addr);
	int32_t len = io[7] = skt_packet_get_data_length(ch, (uint32_t)pkt);
	/* 460-462: buf == sp_buf_ptr, pkt_len == sp_len, pkt_len <= frame_length */
	if (len < 0 || addr + (uint32_t)bdoff != prop->sp_buf_ptr || (uint32_t)len != prop->sp_len ||
	    (uint32_t)len > frame_max)
		return 8;
	/* frame_process 265: os_packet_get_buflet_count(ph) == 1 */
	if ((io[8] = skt_packet_get_buflet_count(ch, (uint32_t)pkt)) != 1)
		return 9;
	/* 266-267: buflet = os_packet_get_next_buflet(ph, NULL) != NULL */
	int32_t b2 = io[9] = skt_packet_get_next_buflet(ch, (uint32_t)pkt, -1);
	if (b2 < 0)
		return 10;
	/* 269-270: the data offset the frame starts at */
	if ((io[10] = skt_buflet_get_data_offset(ch, (uint32_t)pkt, (uint32_t)b2)) < 0)
		return 11;
	/* 271: os_packet_get_link_header_length(ph) (== 14 is the caller's first frame check) */
	io[11] = skt_packet_get_link_header_length(ch, (uint32_t)pkt);
	return 12;
}
