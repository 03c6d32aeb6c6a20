/*
 * flow.c: skt_spi_flow_add over __os_nexus_flow_add, the one SPI call whose
 * argument layout changes between xnu releases (skywalk_private.h).
 *
 * The layout is chosen from the running kernel's release (kern.osrelease:
 * Darwin 23 and 24 = xnu-10002..11417, the v1 layout; Darwin 25 = xnu-12377,
 * v2); another release is refused with a message naming it, unless
 * SKT_NX_FLOW_REQ_UNCHECKED=1 asks to try the newest layout anyway. Failures
 * carry an explanation for the common layer's message
 * (skt_spi_flow_add_explain).
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

/* kern.osrelease's major (25 for "25.0.0"), 0 if unknown */
static long running_darwin(void)
{
	char v[64];
	size_t len = sizeof(v) - 1;
	if (sysctlbyname("kern.osrelease", v, &len, NULL, 0) != 0)
		return 0;
	v[len < sizeof(v) ? len : sizeof(v) - 1] = '\0';
	return strtol(v, NULL, 10);
}

/* the xnu version of the running kernel (11215 for xnu-11215.1.10), 0 if unknown: for messages */
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

static void random_uuid(uint8_t *u)
{
	arc4random_buf(u, 16);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);  /* random (v4) UUID: nx_netif_ctl_flow_check refuses a null one */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
}

/*
 * Fills the request in the layout of the running release. nfr_epid stays 0,
 * as upstream's bzero leaves it: nx_netif_ctl_flow_check then sees a flow
 * "for" another process (epid != -1 and != our pid) and asks for
 * PRIV_NET_PRIVILEGED_SOCKET_DELEGATE, which root has; -1 (no effective pid)
 * would skip that check, which upstream never does.
 */
#define FILL(req) do { \
	random_uuid((req)->nfr_flow_uuid); \
	(req)->nfr_nx_port = *nx_port; \
	(req)->nfr_flags = flags; \
	(req)->nfr_epid = 0; \
	if (saddr6 != NULL) \
		set_sin6(&(req)->nfr_saddr, saddr6); \
	if (daddr6 != NULL) \
		set_sin6(&(req)->nfr_daddr, daddr6); \
} while (0)

int skt_spi_flow_add(nexus_controller_t ctl, const skt_uuid_t nx_uuid, uint16_t flags,
    const uint8_t *saddr6, const uint8_t *daddr6, nexus_port_t *nx_port)
{
	have_explain = 0;
	if (ctl == NULL || nx_uuid == NULL || nx_port == NULL)
		return EINVAL;

	long darwin = running_darwin(), xnu = running_xnu();
	int known = darwin >= SKT_NFR_DARWIN_MIN && darwin <= SKT_NFR_DARWIN_MAX;
	if (!known && !unchecked_allowed())
		return explained(ENOTSUP, "no nx_flow_req layout is known for this macOS: skt has "
		    SKT_NFR_MATCHES ", this kernel is Darwin %ld (xnu-%ld) "
		    "(set SKT_NX_FLOW_REQ_UNCHECKED=1 to try the newest layout anyway)", darwin, xnu);
	int v2 = darwin >= SKT_NFR_DARWIN_V2 || !known;

	struct skt_nx_flow_buf buf;
	memset(&buf, 0, sizeof(buf));
	if (v2)
		FILL(&buf.v2);
	else
		FILL(&buf.v1);

	errno = 0;
	if (__os_nexus_flow_add(ctl, nx_uuid, &buf) != 0) {
		int err = errno ? errno : EIO;
		const char *layout = v2 ? "xnu-12377" : "xnu-10002..11417";
		if (err == EINVAL)
			return explained(err, "the kernel refused the request (nx_flow_req in the %s layout, "
			    "this kernel is Darwin %ld, xnu-%ld)%s", layout, darwin, xnu,
			    known ? "" : ": the layout was not checked for this release");
		if (err == ENOTSUP)
			return explained(err, "the netif does not take this flow: an IPv6 ULA flow needs a "
			    "low-latency netif, and a netif is low latency only when "
			    "kern.skywalk.netif.sk_ll_prefix equals its interface family (\"feth\") "
			    "before the interface is created; or the netif has no netagent");
		if (err == ENOENT)
			return explained(err, "no such nexus, or kern.skywalk.disable_nxctl_check is 0 "
			    "(only the nexus provider's own controller may add flows then)");
		if (err == EPERM || err == EACCES)
			return explained(err, "adding a netif flow needs root (nfr_epid is 0, as upstream "
			    "leaves it: the kernel asks for PRIV_NET_PRIVILEGED_SOCKET_DELEGATE)");
		return err;
	}
	nexus_port_t port = v2 ? buf.v2.nfr_nx_port : buf.v1.nfr_nx_port;
	/* a non-listener flow gets a port; NEXUS_PORT_ANY coming back means the
	 * kernel did not write the field where this declaration reads it */
	if (!(flags & NXFLOWREQF_LISTENER) && port == NEXUS_PORT_ANY)
		return explained(EPROTO, "the kernel accepted the flow but returned no port where "
		    "nx_flow_req.nfr_nx_port is declared: the %s layout does not match this macOS "
		    "(Darwin %ld, xnu-%ld)", v2 ? "xnu-12377" : "xnu-10002..11417", darwin, xnu);
	*nx_port = port;
	return 0;
}
