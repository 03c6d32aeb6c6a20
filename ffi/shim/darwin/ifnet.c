/*
 * ifnet.c: the feth interfaces, with the ioctls the upstream helpers use
 * (tests/skywalk/skywalk_test_common.c): SIOCIFCREATE / SIOCIFDESTROY,
 * SIOCGIFFLAGS + SIOCSIFFLAGS for IFF_UP, SIOCSDRVSPEC with
 * IF_FAKE_S_CMD_SET_PEER, SIOCGIFLLADDR, SIOCGIFNEXUS, each on a fresh
 * AF_INET datagram socket. Retrying EBUSY and recycling EEXIST is the
 * caller's job (scenarios/feth.ts), as the errno must reach it unchanged.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sockio.h>
#include <net/if.h>
#include <netinet/in.h>
#include <errno.h>
#include <ifaddrs.h>
#include <string.h>
#include <unistd.h>

#include "../skt_shim.h"
#include "skywalk_private.h"

#define ETHER_ADDR_LEN_ 6

/* ioctl(req, arg) on a new AF_INET datagram socket; 0 or -errno */
static int32_t inet_ioctl(unsigned long req, void *arg)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return -errno;
	int r = ioctl(s, req, arg);
	int err = r < 0 ? errno : 0;
	close(s);
	return -err;
}

/* an ifreq naming ifname; -EINVAL when the name does not fit */
static int32_t ifreq_for(struct ifreq *ifr, const char *ifname)
{
	memset(ifr, 0, sizeof(*ifr));
	if (ifname == NULL || ifname[0] == '\0' || strlen(ifname) >= sizeof(ifr->ifr_name))
		return -EINVAL;
	memcpy(ifr->ifr_name, ifname, strlen(ifname));
	return 0;
}

int32_t plat_ifnet_create(const char *ifname)
{
	struct ifreq ifr;
	int32_t r = ifreq_for(&ifr, ifname);
	return r ? r : inet_ioctl(SIOCIFCREATE, &ifr);
}

int32_t plat_ifnet_destroy(const char *ifname)
{
	struct ifreq ifr;
	int32_t r = ifreq_for(&ifr, ifname);
	return r ? r : inet_ioctl(SIOCIFDESTROY, &ifr);
}

int32_t plat_ifnet_set_up(const char *ifname)
{
	struct ifreq ifr;
	int32_t r = ifreq_for(&ifr, ifname);
	if (r == 0)
		r = inet_ioctl(SIOCGIFFLAGS, &ifr);
	if (r != 0 || (ifr.ifr_flags & IFF_UP))
		return r;
	ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
	return inet_ioctl(SIOCSIFFLAGS, &ifr);
}

/* feth_set_drvspec(IF_FAKE_S_CMD_SET_PEER): an empty peer name unpeers */
int32_t plat_feth_set_peer(const char *ifname, const char *peer)
{
	struct ifreq check;
	int32_t r = ifreq_for(&check, ifname);
	if (r != 0)
		return r;
	struct if_fake_request iffr;
	memset(&iffr, 0, sizeof(iffr));
	if (peer != NULL) {
		size_t n = strlen(peer);
		if (n >= sizeof(iffr.iffr_u.iffru_peer_name))
			return -EINVAL;
		memcpy(iffr.iffr_u.iffru_peer_name, peer, n);
	}
	struct ifdrv ifd;
	memset(&ifd, 0, sizeof(ifd));
	memcpy(ifd.ifd_name, check.ifr_name, sizeof(ifd.ifd_name));
	ifd.ifd_cmd = IF_FAKE_S_CMD_SET_PEER;
	ifd.ifd_len = sizeof(iffr);
	ifd.ifd_data = &iffr;
	return inet_ioctl(SIOCSDRVSPEC, &ifd);
}

int32_t plat_ifnet_get_lladdr(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int32_t r = ifreq_for(&ifr, ifname);
	if (r != 0)
		return r;
	ifr.ifr_addr.sa_family = AF_LINK;
	ifr.ifr_addr.sa_len = ETHER_ADDR_LEN_;
	r = inet_ioctl(SIOCGIFLLADDR, &ifr);
	if (r == 0)
		memcpy(mac, ifr.ifr_addr.sa_data, ETHER_ADDR_LEN_);
	return r;
}

/* an interface without a netif nexus (bsd_mode=1) answers an all-zero UUID */
int32_t plat_ifnet_get_netif_nexus(const char *ifname, uint8_t uuid[16])
{
	struct if_nexusreq ifnr;
	memset(&ifnr, 0, sizeof(ifnr));
	if (ifname == NULL || ifname[0] == '\0' || strlen(ifname) >= sizeof(ifnr.ifnr_name))
		return -EINVAL;
	memcpy(ifnr.ifnr_name, ifname, strlen(ifname));
	int32_t r = inet_ioctl(SIOCGIFNEXUS, &ifnr);
	if (r != 0)
		return r;
	static const uint8_t zero[16];
	memcpy(uuid, ifnr.ifnr_netif, 16);
	return memcmp(uuid, zero, 16) == 0 ? -ENXIO : 0;
}

/* Only the kernel's own output counter exists for a real interface
 * (if_data.ifi_opackets -> SKT_STAT_TX_PACKETS); the sim's drop counters
 * have no ifnet counterpart, so one value is written. */
int32_t plat_ifnet_get_stats(const char *ifname, uint64_t *out, uint32_t n)
{
	if (ifname == NULL)
		return -EINVAL;
	struct ifaddrs *all;
	if (getifaddrs(&all) != 0)
		return -errno;
	int32_t r = -ENXIO;
	for (struct ifaddrs *a = all; a != NULL; a = a->ifa_next) {
		if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_LINK || a->ifa_data == NULL ||
		    strcmp(a->ifa_name, ifname) != 0)
			continue;
		const struct if_data *d = a->ifa_data;
		r = 0;
		if (n > SKT_STAT_TX_PACKETS && out != NULL) {
			out[SKT_STAT_TX_PACKETS] = d->ifi_opackets;
			r = 1;
		}
		break;
	}
	freeifaddrs(all);
	return r;
}
