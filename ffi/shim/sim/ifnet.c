/*
 * ifnet.c: feth interfaces. What SIOCIFCREATE / SIOCIFDESTROY / SIOCSIFFLAGS /
 * SIOCSDRVSPEC(peer) / SIOCGIFLLADDR / SIOCGIFNEXUS do for if_fake:
 * MAC 'f','e','t','h',unit>>8,unit&0xff; net.link.fake.* latched at create;
 * peering rules of feth_config (xnu-feth.md 1.1). Each interface has one
 * netif nexus whose UUID is derived from the domain nonce, so it looks random
 * but stays the same for the life of the interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define IFF_UP 0x1

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* "feth<unit>", unit 0..32767 */
static int parse_feth(const char *name, uint32_t *unit)
{
	if (name == NULL || strncmp(name, "feth", 4) != 0 || name[4] == '\0' || strlen(name) >= 16)
		return -EINVAL;
	char *end;
	unsigned long u = strtoul(name + 4, &end, 10);
	if (*end != '\0' || u > 32767 || (name[4] == '0' && name[5] != '\0'))
		return -EINVAL;
	*unit = (uint32_t)u;
	return 0;
}

/* call with cfglock held */
static int find_if(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < SIM_MAX_IF; i++) {
		struct sim_ifnet *ifp = &g_sim.hdr->ifs[i];
		if (atomic_load(&ifp->in_use) && strncmp(ifp->name, name, sizeof(ifp->name)) == 0)
			return i;
	}
	return -1;
}

struct sim_ifnet *sim_if_by_uuid(const uint8_t *uuid, int *idx)
{
	for (int i = 0; i < SIM_MAX_IF; i++) {
		struct sim_ifnet *ifp = &g_sim.hdr->ifs[i];
		if (atomic_load(&ifp->in_use) && !ifp->bsd_mode && memcmp(ifp->uuid, uuid, 16) == 0) {
			if (idx)
				*idx = i;
			return ifp;
		}
	}
	return NULL;
}

#define NEED_DOMAIN() do { if (!g_sim.attached) return -ENXIO; } while (0)

int32_t plat_ifnet_create(const char *ifname)
{
	NEED_DOMAIN();
	uint32_t unit;
	int err = parse_feth(ifname, &unit);
	if (err)
		return err;
	struct sim_hdr *h = g_sim.hdr;
	sim_lock(&h->cfglock);
	if (find_if(ifname) >= 0) {
		sim_unlock(&h->cfglock);
		return -EEXIST;
	}
	int i;
	for (i = 0; i < SIM_MAX_IF; i++)
		if (!atomic_load(&h->ifs[i].in_use))
			break;
	if (i == SIM_MAX_IF) {
		sim_unlock(&h->cfglock);
		return -ENOSPC;
	}
	struct sim_ifnet *ifp = &h->ifs[i];
	uint32_t gen = ifp->gen + 1;
	memset(ifp, 0, sizeof(*ifp));
	ifp->gen = gen;
	snprintf(ifp->name, sizeof(ifp->name), "%s", ifname);
	ifp->unit = unit;
	const uint8_t mac[6] = { 'f', 'e', 't', 'h', (uint8_t)(unit >> 8), (uint8_t)(unit & 0xff) };
	memcpy(ifp->mac, mac, 6);
	uint64_t a = mix64(h->nonce ^ ((uint64_t)unit << 20) ^ gen), b = mix64(a ^ (uint64_t)i);
	memcpy(ifp->uuid, &a, 8);
	memcpy(ifp->uuid + 8, &b, 8);
	ifp->uuid[6] = (uint8_t)((ifp->uuid[6] & 0x0f) | 0x40);  /* looks like a v4 UUID */
	ifp->uuid[8] = (uint8_t)((ifp->uuid[8] & 0x3f) | 0x80);
	/* if_fake latches its knobs when the interface is cloned */
	ifp->bsd_mode = sim_sc(SC_FAKE_BSD_MODE);
	ifp->pktpool_mode = sim_sc(SC_FAKE_PKTPOOL_MODE);
	ifp->tx_drops = sim_sc(SC_FAKE_TX_DROPS);
	ifp->exp_policy = sim_sc(SC_FAKE_TX_EXP_POLICY);
	ifp->adv_intvl_ms = sim_sc(SC_FAKE_IF_ADV_INTVL);
	ifp->user_access = sim_sc(SC_FAKE_USER_ACCESS);
	sim_devpools_attach_if(i, ifp);   /* the pools are made at create too */
	/* the provider kind is chosen at create (feth_attach_netif_nexus) */
	ifp->llink = sim_sc(SC_FAKE_LLINK_CNT) != 0;
	/* nx_netif_flags_init: low latency iff the interface's family name
	 * (if_name: "feth" for feth0) equals sk_ll_prefix exactly (strlcmp) */
	ifp->low_latency = strcmp(h->sysctl_str, "feth") == 0;
	atomic_store(&ifp->peer, -1);
	atomic_store(&ifp->in_use, 1);
	sim_unlock(&h->cfglock);
	return 0;
}

int32_t plat_ifnet_destroy(const char *ifname)
{
	NEED_DOMAIN();
	struct sim_hdr *h = g_sim.hdr;
	sim_lock(&h->cfglock);
	int i = find_if(ifname);
	if (i < 0) {
		sim_unlock(&h->cfglock);
		return -ENXIO;
	}
	struct sim_ifnet *ifp = &h->ifs[i];
	int32_t peer = atomic_load(&ifp->peer);
	if (peer >= 0)
		atomic_store(&h->ifs[peer].peer, -1);
	atomic_store(&ifp->peer, -1);
	sim_flows_drop_if(i);
	/* channels on the nexus become defunct; their owners still close them */
	for (int c = 0; c < SIM_MAX_CHAN; c++) {
		struct sim_chan *sc = &h->chans[c];
		if (atomic_load(&sc->state) == CS_OPEN && sc->ifidx == i)
			atomic_store(&sc->defunct, 1);
	}
	atomic_store(&ifp->adv_next_due, 0);
	atomic_store(&ifp->in_use, 0);
	sim_unlock(&h->cfglock);
	return 0;
}

int32_t plat_ifnet_set_up(const char *ifname)
{
	NEED_DOMAIN();
	sim_lock(&g_sim.hdr->cfglock);
	int i = find_if(ifname);
	if (i >= 0)
		g_sim.hdr->ifs[i].flags |= IFF_UP;
	sim_unlock(&g_sim.hdr->cfglock);
	return i < 0 ? -ENXIO : 0;
}

/* feth_config: peer "" (or NULL) unpeers */
int32_t plat_feth_set_peer(const char *ifname, const char *peer)
{
	NEED_DOMAIN();
	struct sim_hdr *h = g_sim.hdr;
	int err = 0;
	sim_lock(&h->cfglock);
	int a = find_if(ifname);
	if (a < 0) {
		err = -ENXIO;
		goto out;
	}
	if (peer == NULL || peer[0] == '\0') {
		int32_t b = atomic_load(&h->ifs[a].peer);
		if (b >= 0)
			atomic_store(&h->ifs[b].peer, -1);
		atomic_store(&h->ifs[a].peer, -1);
		goto out;
	}
	int b = find_if(peer);
	uint32_t unit;
	if (b < 0)
		err = -ENXIO;
	else if (parse_feth(peer, &unit) != 0 || a == b)
		err = -EINVAL;
	else if (atomic_load(&h->ifs[a].peer) >= 0 || atomic_load(&h->ifs[b].peer) >= 0)
		err = -EBUSY;
	else if (h->ifs[a].pktpool_mode != h->ifs[b].pktpool_mode)
		err = -EINVAL;
	else {
		atomic_store(&h->ifs[a].peer, b);
		atomic_store(&h->ifs[b].peer, a);
	}
out:
	sim_unlock(&h->cfglock);
	return err;
}

int32_t plat_ifnet_get_lladdr(const char *ifname, uint8_t mac[6])
{
	NEED_DOMAIN();
	sim_lock(&g_sim.hdr->cfglock);
	int i = find_if(ifname);
	if (i >= 0)
		memcpy(mac, g_sim.hdr->ifs[i].mac, 6);
	sim_unlock(&g_sim.hdr->cfglock);
	return i < 0 ? -ENXIO : 0;
}

/* kern_nexus_get_netif_instance: ENXIO without a netif (bsd_mode=1 interface) */
int32_t plat_ifnet_get_netif_nexus(const char *ifname, uint8_t uuid[16])
{
	NEED_DOMAIN();
	int err = 0;
	sim_lock(&g_sim.hdr->cfglock);
	int i = find_if(ifname);
	if (i < 0)
		err = -ENXIO;
	else if (g_sim.hdr->ifs[i].bsd_mode) {
		memset(uuid, 0, 16);
		err = -ENXIO;
	} else
		memcpy(uuid, g_sim.hdr->ifs[i].uuid, 16);
	sim_unlock(&g_sim.hdr->cfglock);
	return err;
}

int32_t plat_ifnet_get_stats(const char *ifname, uint64_t *out, uint32_t n)
{
	NEED_DOMAIN();
	sim_lock(&g_sim.hdr->cfglock);
	int i = find_if(ifname);
	uint32_t k = n < SKT_STAT_COUNT ? n : SKT_STAT_COUNT;
	if (i >= 0 && out != NULL)
		for (uint32_t s = 0; s < k; s++)
			out[s] = atomic_load(&g_sim.hdr->ifs[i].stats[s]);
	sim_unlock(&g_sim.hdr->cfglock);
	return i < 0 ? -ENXIO : (int32_t)k;
}
