/*
 * nexus.c: nexus controllers and flow add. A flow-add failure carries the
 * backend's explanation (skt_spi_flow_add_explain), which is how "the
 * nx_flow_req layout does not match this macOS" or "the netif is not low
 * latency" reaches the user.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

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

