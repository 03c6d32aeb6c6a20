/*
 * flow.c: skt_spi_flow_add over __os_nexus_flow_add, the one SPI call whose
 * argument layout changes between xnu releases (skywalk_private.h).
 *
 * Before the first flow the running kernel's xnu version is read from
 * kern.version ("...; root:xnu-11215.1.10~2/DEVELOPMENT_ARM64_T6000"); a
 * kernel outside the checked range is refused with a message naming both,
 * unless SKT_NX_FLOW_REQ_UNCHECKED=1 asks to try anyway. Failures carry an
 * explanation for common.c's message (skt_spi_flow_add_explain).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/sysctl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>   /* arc4random_buf, getenv, strtol */
#include <string.h>

#include "skywalk_private.h"

static _Thread_local char explain[320];
static _Thread_local int have_explain;

const char *skt_spi_flow_add_explain(void)
{
	return have_explain ? explain : NULL;
}

static int explained(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int explained(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(explain, sizeof(explain), fmt, ap);
	va_end(ap);
	have_explain = 1;
	return err;
}

/* the xnu major version of the running kernel (11215 for xnu-11215.1.10), 0 if unknown */
static long running_xnu(void)
{
	char v[512];
	size_t len = sizeof(v) - 1;
	if (sysctlbyname("kern.version", v, &len, NULL, 0) != 0)
		return 0;
	v[len < sizeof(v) ? len : sizeof(v) - 1] = '\0';
	const char *x = strstr(v, "xnu-");
	return x ? strtol(x + 4, NULL, 10) : 0;
}

static int unchecked_allowed(void)
{
	const char *e = getenv("SKT_NX_FLOW_REQ_UNCHECKED");
	return e != NULL && strcmp(e, "1") == 0;
}

static void set_sin6(union skt_sockaddr_in_4_6 *u, const uint8_t *addr6)
{
	u->sin6.sin6_len = sizeof(struct sockaddr_in6);
	u->sin6.sin6_family = AF_INET6;
	memcpy(&u->sin6.sin6_addr, addr6, 16);
}

int skt_spi_flow_add(nexus_controller_t ctl, const skt_uuid_t nx_uuid, uint16_t flags,
    const uint8_t *saddr6, const uint8_t *daddr6, nexus_port_t *nx_port)
{
	have_explain = 0;
	if (ctl == NULL || nx_uuid == NULL || nx_port == NULL)
		return EINVAL;

	long xnu = running_xnu();
	int in_range = xnu >= SKT_NFR_XNU_MIN && xnu <= SKT_NFR_XNU_MAX;
	if (!in_range && !unchecked_allowed())
		return explained(ENOTSUP, "the nx_flow_req layout does not match this macOS as far as "
		    "skt knows: it is declared for " SKT_NFR_MATCHES ", this kernel is %s%ld "
		    "(set SKT_NX_FLOW_REQ_UNCHECKED=1 to try anyway)", xnu ? "xnu-" : "an unknown xnu ", xnu);

	struct skt_nx_flow_buf buf;
	memset(&buf, 0, sizeof(buf));
	struct nx_flow_req *req = &buf.req;
	arc4random_buf(req->nfr_flow_uuid, sizeof(req->nfr_flow_uuid));
	req->nfr_flow_uuid[6] = (uint8_t)((req->nfr_flow_uuid[6] & 0x0f) | 0x40);  /* random (v4) UUID */
	req->nfr_flow_uuid[8] = (uint8_t)((req->nfr_flow_uuid[8] & 0x3f) | 0x80);
	req->nfr_nx_port = *nx_port;
	req->nfr_flags = flags;
	if (saddr6 != NULL)
		set_sin6(&req->nfr_saddr, saddr6);
	if (daddr6 != NULL)
		set_sin6(&req->nfr_daddr, daddr6);

	errno = 0;
	if (__os_nexus_flow_add(ctl, nx_uuid, req) != 0) {
		int err = errno ? errno : EIO;
		if (err == EINVAL)
			return explained(err, in_range ?
			    "the kernel refused the request (nx_flow_req declared for " SKT_NFR_MATCHES
			    ", this kernel is xnu-%ld)" :
			    "the nx_flow_req layout does not match this macOS, most likely (declared for "
			    SKT_NFR_MATCHES ", this kernel is xnu-%ld)", xnu);
		if (err == ENOENT)
			return explained(err, "no such nexus, or kern.skywalk.disable_nxctl_check is 0 "
			    "(only the nexus provider's own controller may add flows then)");
		if (err == EPERM || err == EACCES)
			return explained(err, "adding a netif flow needs root on a development kernel");
		return err;
	}
	/* a non-listener flow gets a port; NEXUS_PORT_ANY coming back means the
	 * kernel did not write the field where this declaration reads it */
	if (!(flags & NXFLOWREQF_LISTENER) && req->nfr_nx_port == NEXUS_PORT_ANY)
		return explained(EPROTO, "the kernel accepted the flow but returned no port where "
		    "nx_flow_req.nfr_nx_port is declared: the layout does not match this macOS "
		    "(declared for " SKT_NFR_MATCHES ", this kernel is xnu-%ld)", xnu);
	*nx_port = req->nfr_nx_port;
	return 0;
}
