/*
 * event.c: interface advisories and channel events. An event handle is a
 * packet handle flagged H_EVENT (the event is a packet of the channel's pool
 * in the kernel too); the events inside it are cached per handle.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

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
	uint32_t h = skt_hnew(ch, (packet_t)eh, H_EVENT);
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
	struct hent *e = skt_pkt_or_null(ch, handle); \
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
	skt_hrelease(ch, e);
	return 0;
}

