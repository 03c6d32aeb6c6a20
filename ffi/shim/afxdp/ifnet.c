/*
 * ifnet.c: interfaces, the netif "nexus" of an interface, flows.
 *
 * The interfaces are the run's veth pair, made by the parent's setup (ip link):
 * creating, destroying or peering them through the shim is refused (ENOTSUP).
 * A netif nexus has no AF_XDP counterpart: its uuid names the interface
 * ("SKTAFXDP", the ifindex, the ifname) so that a channel can be opened on it,
 * and a flow only reserves a port (the XDP program hands every frame of the
 * queue to the socket, whatever its addresses).
 */
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "afxdp.h"

static const char UUID_TAG[8] = { 'S', 'K', 'T', 'A', 'F', 'X', 'D', 'P' };

int32_t plat_ifnet_create(const char *ifname) { (void)ifname; return -ENOTSUP; }
int32_t plat_ifnet_destroy(const char *ifname) { (void)ifname; return -ENOTSUP; }
int32_t plat_ifnet_set_up(const char *ifname) { (void)ifname; return -ENOTSUP; }
int32_t plat_feth_set_peer(const char *ifname, const char *peer) { (void)ifname; (void)peer; return -ENOTSUP; }

static int valid_name(const char *ifname)
{
	return ifname != NULL && ifname[0] != '\0' && strlen(ifname) < 16;
}

int32_t plat_ifnet_get_lladdr(const char *ifname, uint8_t mac[6])
{
	if (!valid_name(ifname))
		return -EINVAL;
	int saved, err = axp_netns_enter(ifname, &saved);
	if (err)
		return err;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (s < 0 || ioctl(s, SIOCGIFHWADDR, &ifr) != 0)
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (s >= 0)
		close(s);
	axp_netns_leave(saved);
	return err == -ENODEV ? -ENXIO : err;
}

static unsigned ifindex_in_ns(const char *ifname, int *err)
{
	int saved;
	*err = axp_netns_enter(ifname, &saved);
	if (*err)
		return 0;
	unsigned idx = if_nametoindex(ifname);
	if (idx == 0)
		*err = errno == ENODEV ? -ENXIO : -errno;
	axp_netns_leave(saved);
	return idx;
}

int32_t plat_ifnet_get_netif_nexus(const char *ifname, uint8_t uuid[16])
{
	if (!valid_name(ifname))
		return -EINVAL;
	int err;
	unsigned idx = ifindex_in_ns(ifname, &err);
	if (idx == 0)
		return err;
	/* [0, 8) tag, [8, 12) ifindex, [12, 16) the interface's slot in the run's config */
	memcpy(uuid, UUID_TAG, 8);
	uint32_t i32 = idx, slot = (uint32_t)axp_if_index(ifname);
	memcpy(uuid + 8, &i32, 4);
	memcpy(uuid + 12, &slot, 4);
	return 0;
}

/* the interface a nexus uuid names: 0 or -errno */
int axp_nexus_ifname(const skt_uuid_t uuid, char ifname[16])
{
	if (uuid == NULL || memcmp(uuid, UUID_TAG, 8) != 0)
		return -ENOENT;
	uint32_t idx, slot;
	memcpy(&idx, uuid + 8, 4);
	memcpy(&slot, uuid + 12, 4);
	if (slot >= (uint32_t)g_env.nif)
		return -ENOENT;
	snprintf(ifname, 16, "%s", g_env.ifs[slot].name);
	int err;
	return ifindex_in_ns(ifname, &err) == idx ? 0 : -ENOENT;
}

/* ---------------------------------------------------------------- flows */

struct flow {
	int used;
	char ifname[16];
	nexus_port_t port;
};
static struct flow flows[AXP_MAX_FLOWS];

nexus_controller_t os_nexus_controller_create(void)
{
	if (!g_env.attached) {
		errno = ENXIO;
		return NULL;
	}
	return calloc(1, sizeof(struct nexus_controller));
}

void os_nexus_controller_destroy(nexus_controller_t ctl)
{
	free(ctl);
}

int skt_spi_flow_add(nexus_controller_t ctl, const skt_uuid_t nx_uuid, uint16_t flags,
    const uint8_t *saddr6, const uint8_t *daddr6, nexus_port_t *nx_port)
{
	(void)flags; (void)saddr6; (void)daddr6;
	if (ctl == NULL || nx_port == NULL)
		return EINVAL;
	char ifname[16];
	int err = axp_nexus_ifname(nx_uuid, ifname);
	if (err)
		return -err;
	nexus_port_t port = AXP_FIRST_PORT;
	for (int i = 0; i < AXP_MAX_FLOWS; i++)
		if (flows[i].used && strcmp(flows[i].ifname, ifname) == 0 && flows[i].port >= port)
			port = (nexus_port_t)(flows[i].port + 1);
	for (int i = 0; i < AXP_MAX_FLOWS; i++)
		if (!flows[i].used) {
			flows[i].used = 1;
			snprintf(flows[i].ifname, sizeof(flows[i].ifname), "%s", ifname);
			flows[i].port = port;
			*nx_port = port;
			return 0;
		}
	return ENOSPC;
}

const char *skt_spi_flow_add_explain(void) { return NULL; }

int axp_flow_port_ok(const char *ifname, nexus_port_t port)
{
	for (int i = 0; i < AXP_MAX_FLOWS; i++)
		if (flows[i].used && flows[i].port == port && strcmp(flows[i].ifname, ifname) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------- counters */

static int link_stats(const char *ifname, uint64_t out[4])
{
	int saved, err = axp_netns_enter(ifname, &saved);
	if (err)
		return err;
	struct ifaddrs *ifa = NULL;
	err = -ENXIO;
	if (getifaddrs(&ifa) != 0) {
		err = -errno;
	} else {
		for (struct ifaddrs *p = ifa; p != NULL; p = p->ifa_next) {
			if (p->ifa_addr == NULL || p->ifa_addr->sa_family != AF_PACKET || p->ifa_data == NULL ||
			    strcmp(p->ifa_name, ifname) != 0)
				continue;
			const struct rtnl_link_stats *st = p->ifa_data;
			out[0] = st->rx_packets;
			out[1] = st->rx_dropped;
			out[2] = st->tx_packets;
			out[3] = st->tx_dropped;
			err = 0;
			break;
		}
		freeifaddrs(ifa);
	}
	axp_netns_leave(saved);
	return err;
}

/*
 * One consistent reading. Frames the veth has counted in (rx_packets) may not
 * have reached the socket yet: queued for the receiving side's NAPI or
 * backlog, which a loaded machine runs late, while the peer may still be
 * sending. The reading is taken again, 1 ms apart, until every frame counted
 * in is accounted for by the socket (moved into slots, waiting in its RX ring,
 * or counted dropped) and the veth's count did not move across the reading;
 * at most SNAPSHOT_TRIES times (then the caller's check reports the mismatch).
 */
#define SNAPSHOT_TRIES 5000

int32_t plat_ifnet_get_stats(const char *ifname, uint64_t *out, uint32_t n)
{
	if (!valid_name(ifname) || (n > 0 && out == NULL))
		return -EINVAL;
	uint64_t v[SKT_STAT_AFXDP_COUNT];
	uint64_t link[4] = { 0, 0, 0, 0 }, again[4] = { 0, 0, 0, 0 };
	struct channel *ch = axp_channel_by_ifname(ifname);
	struct xdp_statistics st;
	memset(&st, 0, sizeof(st));
	uint64_t t0 = plat_mach_absolute_time();
	for (int tries = 0;; tries++) {
		int err = link_stats(ifname, link);
		if (err)
			return err;
		memset(v, 0, sizeof(v));
		if (ch == NULL)
			break;
		if (axp_xdp_stats(ch, &st) != 0)
			st = ch->last_stats;
		uint32_t waiting = axp_rx_waiting(ch);
		v[SKT_STAT_XSK_RX_UNREAD] = waiting + (ch->rxr.ktail - ch->rxr.head);
		uint64_t accounted = ch->c.rx_frames + waiting + st.rx_dropped + st.rx_ring_full;
		if (link_stats(ifname, again) != 0 || tries >= SNAPSHOT_TRIES ||
		    (again[0] == link[0] && accounted == link[0]))
			break;
		usleep(1000);
	}
	v[SKT_STAT_STATS_WAIT_MS] = (plat_mach_absolute_time() - t0) / 1000000;
	v[SKT_STAT_LINK_RX_PACKETS] = link[0];
	v[SKT_STAT_LINK_RX_DROPPED] = link[1];
	v[SKT_STAT_LINK_TX_PACKETS] = link[2];
	v[SKT_STAT_LINK_TX_DROPPED] = link[3];
	if (ch != NULL) {
		v[SKT_STAT_TX_PACKETS] = ch->c.tx_submitted;
		v[SKT_STAT_DROP_RX_RING_FULL] = st.rx_ring_full;
		v[SKT_STAT_RX_FROM_TX_POOL] = g_env.split ? ch->c.rx_in_tx_region : ch->c.rx_frames;
		v[SKT_STAT_XDP_MODE] = (uint64_t)ch->xdp_mode;
		v[SKT_STAT_XDP_ZEROCOPY] = (uint64_t)ch->zerocopy;
		v[SKT_STAT_XDP_ZC_TRIED] = (uint64_t)ch->zc_tried;
		v[SKT_STAT_XDP_ZC_ERRNO] = (uint64_t)ch->zc_errno;
		v[SKT_STAT_XSK_RX_DROPPED] = st.rx_dropped;
		v[SKT_STAT_XSK_RX_INVALID] = st.rx_invalid_descs;
		v[SKT_STAT_XSK_TX_INVALID] = st.tx_invalid_descs;
		v[SKT_STAT_XSK_RX_RING_FULL] = st.rx_ring_full;
		v[SKT_STAT_XSK_FILL_EMPTY] = st.rx_fill_ring_empty_descs;
		v[SKT_STAT_XSK_TX_RING_EMPTY] = st.tx_ring_empty_descs;
		v[SKT_STAT_XSK_RX_FRAMES] = ch->c.rx_frames;
		v[SKT_STAT_XSK_TX_COMPLETED] = ch->c.tx_completed;
		v[SKT_STAT_TX_IN_RX_REGION] = ch->c.tx_in_rx_region;
		v[SKT_STAT_TX_ADDR_MIN] = ch->c.tx_addr_min;
		v[SKT_STAT_TX_ADDR_MAX] = ch->c.tx_addr_max;
		v[SKT_STAT_RX_ADDR_MIN] = ch->c.rx_addr_min;
		v[SKT_STAT_RX_ADDR_MAX] = ch->c.rx_addr_max;
	}
	uint32_t k = n < SKT_STAT_AFXDP_COUNT ? n : SKT_STAT_AFXDP_COUNT;
	memcpy(out, v, k * sizeof(uint64_t));
	return (int32_t)k;
}
