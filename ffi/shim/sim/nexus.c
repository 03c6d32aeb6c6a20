/*
 * nexus.c: nexus controllers and the flow table of each netif nexus.
 * __os_nexus_flow_add on a netif reserves a client port (>= 2) carrying the
 * flow's local/remote IPv6 addresses (xnu-feth.md 5.1); NEXUS_PORT_ANY asks
 * for the lowest free port; a listener flow binds none.
 * Flows belong to the controller that added them and go away with it (or
 * with the process: flows of dead processes are reaped when space runs out).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

nexus_controller_t os_nexus_controller_create(void)
{
	if (!g_sim.attached) {
		errno = ENXIO;
		return NULL;
	}
	struct nexus_controller *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	static _Atomic uint64_t seq;
	c->id = ((uint64_t)getpid() << 32) | (atomic_fetch_add(&seq, 1) + 1);
	return c;
}

void os_nexus_controller_destroy(nexus_controller_t ctl)
{
	if (ctl == NULL)
		return;
	if (g_sim.attached) {
		struct sim_hdr *h = g_sim.hdr;
		sim_lock(&h->cfglock);
		for (int i = 0; i < SIM_MAX_FLOWS; i++)
			if (h->flows[i].in_use && h->flows[i].ctl_id == ctl->id)
				h->flows[i].in_use = 0;
		sim_unlock(&h->cfglock);
	}
	free(ctl);
}

/* cfglock held */
struct sim_flow *sim_flow_find(int ifidx, uint16_t port)
{
	for (int i = 0; i < SIM_MAX_FLOWS; i++) {
		struct sim_flow *f = &g_sim.hdr->flows[i];
		if (f->in_use && f->ifidx == ifidx && f->port == port)
			return f;
	}
	return NULL;
}

/* cfglock held */
void sim_flows_drop_if(int ifidx)
{
	for (int i = 0; i < SIM_MAX_FLOWS; i++)
		if (g_sim.hdr->flows[i].ifidx == ifidx)
			g_sim.hdr->flows[i].in_use = 0;
}

static struct sim_flow *free_flow(void)
{
	struct sim_hdr *h = g_sim.hdr;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < SIM_MAX_FLOWS; i++)
			if (!h->flows[i].in_use)
				return &h->flows[i];
		/* full: reap flows whose process is gone */
		for (int i = 0; i < SIM_MAX_FLOWS; i++)
			if (!sim_pid_alive(h->flows[i].owner_pid))
				h->flows[i].in_use = 0;
	}
	return NULL;
}

/* why the calling thread's last flow add failed, as the darwin backend says it */
static _Thread_local const char *explain;

/* an existing flow with the same local:remote pair (flow_ipv6_ula_match), cfglock held */
static struct sim_flow *same_flow(int ifidx, const uint8_t *saddr6, const uint8_t *daddr6)
{
	for (int i = 0; i < SIM_MAX_FLOWS; i++) {
		struct sim_flow *f = &g_sim.hdr->flows[i];
		if (f->in_use && f->ifidx == ifidx && f->has_addr && memcmp(f->laddr, saddr6, 16) == 0 &&
		    memcmp(f->raddr, daddr6, 16) == 0)
			return f;
	}
	return NULL;
}

/*
 * nx_netif_netagent_flow_add (nx_netif_netagent.c), the sim's only flow kind:
 * nx_netif_netagent_check_flags first (an IPv6 ULA flow mixes with no flag
 * but LISTENER: EINVAL; it needs a low-latency netif: ENOTSUP; a flow without
 * a type: EINVAL), then the same local:remote pair returns the existing
 * flow's port, a listener flow binds no port (nfr_nx_port comes back as it
 * went in), and any other flow binds one (NEXUS_PORT_ANY: the lowest free).
 * Returns 0 or an errno value (not negated), like most of the SPI.
 */
int skt_spi_flow_add(nexus_controller_t ctl, const skt_uuid_t nx_uuid, uint16_t flags,
    const uint8_t *saddr6, const uint8_t *daddr6, nexus_port_t *nx_port)
{
	explain = NULL;
	if (ctl == NULL || nx_uuid == NULL || nx_port == NULL)
		return EINVAL;
	if (!g_sim.attached)
		return ENXIO;
	struct sim_hdr *h = g_sim.hdr;
	int err = 0;
	sim_lock(&h->cfglock);
	int ifidx;
	/* without disable_nxctl_check only the provider's controller may add flows */
	struct sim_ifnet *ifp = sim_if_by_uuid(nx_uuid, &ifidx);
	if (ifp == NULL || !sim_sc(SC_SK_DISABLE_NXCTL_CHECK)) {
		err = ENOENT;
		goto out;
	}
	if (flags & NXFLOWREQF_IPV6_ULA) {
		if (flags & ~(NXFLOWREQF_IPV6_ULA | NXFLOWREQF_LISTENER)) {
			err = EINVAL;
			goto out;
		}
		if (!ifp->low_latency) {
			err = ENOTSUP;      /* "IPv6 ULA: not supported on this nexus" */
			explain = "the netif is not low latency: an IPv6 ULA flow needs one, and a netif is "
			    "low latency only when kern.skywalk.netif.sk_ll_prefix equals its interface "
			    "family (\"feth\") before the interface is created";
			goto out;
		}
	} else {
		err = (flags & (NXFLOWREQF_FILTER | NXFLOWREQF_CUSTOM_ETHER)) ? ENOTSUP : EINVAL;
		goto out;               /* the sim models ULA flows only */
	}
	bool listener = (flags & NXFLOWREQF_LISTENER) != 0;
	if (!listener && (saddr6 == NULL || daddr6 == NULL)) {
		err = EINVAL;
		goto out;
	}
	struct sim_flow *dup = listener ? NULL : same_flow(ifidx, saddr6, daddr6);
	if (dup != NULL) {          /* NETIF_STATS_AGENT_DUP_FLOW */
		*nx_port = dup->port;
		goto out;
	}
	if (listener)
		goto out;               /* nx_netif_netagent_listener_flow_add: no port */
	nexus_port_t port = *nx_port;
	if (port == NEXUS_PORT_ANY) {
		for (port = SIM_FIRST_PORT; port < SIM_NX_MAXPORTS; port++)
			if (sim_flow_find(ifidx, port) == NULL)
				break;
		if (port == SIM_NX_MAXPORTS) {
			err = ENOSPC;
			goto out;
		}
	} else if (port < SIM_FIRST_PORT || port >= SIM_NX_MAXPORTS) {
		err = EDOM;
		goto out;
	} else if (sim_flow_find(ifidx, port) != NULL) {
		err = EEXIST;
		goto out;
	}
	struct sim_flow *f = free_flow();
	if (f == NULL) {
		err = ENOSPC;
		goto out;
	}
	memset(f, 0, sizeof(*f));
	f->ifidx = ifidx;
	f->port = port;
	f->flags = flags;
	f->owner_pid = (int32_t)getpid();
	f->ctl_id = ctl->id;
	f->has_addr = 1;
	memcpy(f->laddr, saddr6, 16);
	memcpy(f->raddr, daddr6, 16);
	f->in_use = 1;
	*nx_port = port;
out:
	sim_unlock(&h->cfglock);
	return err;
}

const char *skt_spi_flow_add_explain(void)
{
	return explain;
}
