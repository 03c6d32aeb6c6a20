/*
 * packet.c: the user packet pool (alloc/free), packet metadata and buflets.
 * Packets are u32 handles (channel.c); buflets are indexes within a packet.
 * Byte copies between a buflet's object and JS buffers are bounds-checked
 * against the buflet's data limit.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

SKT_EXPORT int32_t skt_packet_alloc(skt_channel *ch)
{
	if (ch == NULL)
		return fail(EINVAL, "os_channel_packet_alloc: NULL channel");
	packet_t ph = 0;
	int err = spi_err(os_channel_packet_alloc(ch->chd, &ph));
	if (err)
		return fail(err, "os_channel_packet_alloc");
	uint32_t h = skt_hnew(ch, ph, 0);
	if (h == 0) {
		os_channel_packet_free(ch->chd, ph);
		return fail(ENOMEM, "os_channel_packet_alloc: packet handle table full");
	}
	return (int32_t)h;
}

SKT_EXPORT int32_t skt_packet_free(skt_channel *ch, uint32_t pkt)
{
	struct hent *e = skt_pkt_or_null(ch, pkt);
	if (e == NULL)
		return fail(EINVAL, "os_channel_packet_free: unknown packet handle %u", pkt);
	if (e->flags & H_EVENT)
		return fail(EINVAL, "os_channel_packet_free: handle %u is an event (use skt_channel_event_free)", pkt);
	if (e->flags & H_ATTACHED)
		return fail(EINVAL, "os_channel_packet_free: packet %u is attached to a slot", pkt);
	int err = spi_err(os_channel_packet_free(ch->chd, e->ph));
	if (err)
		return fail(err, "os_channel_packet_free");
	skt_hrelease(ch, e);
	return 0;
}

#define PKT_OR_FAIL(who) \
	struct hent *e = skt_pkt_or_null(ch, pkt); \
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

/* os_packet_get_expire_time: ENOENT (no expire time on the packet) is an answer, not a failure */
SKT_EXPORT int32_t skt_packet_get_expire_time(skt_channel *ch, uint32_t pkt, uint64_t *ts)
{
	PKT_OR_FAIL("os_packet_get_expire_time");
	if (ts == NULL)
		return fail(EINVAL, "os_packet_get_expire_time: NULL buffer");
	int err = spi_err(os_packet_get_expire_time(e->ph, ts));
	if (err == ENOENT)
		return -ENOENT;
	return err ? fail(err, "os_packet_get_expire_time") : 0;
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

#define BUF_OR_FAIL(who, ret) \
	struct hent *e = skt_pkt_or_null(ch, pkt); \
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

/* for the one call that returns an address: 0 and a message */
#define fail0(err, ...) (skt_fail_msg(__VA_ARGS__), (uint64_t)0)

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

