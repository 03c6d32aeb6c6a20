/*
 * platform.c: the ABI calls that go straight to a platform hook
 * (skt_platform.h): the environment, sysctlbyname, the feth ioctls, the
 * kqueue/kevent stand-in and mach time. Only arguments are checked here.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

SKT_EXPORT int32_t skt_env_create(const char *path) { PLAT(plat_env_create(path), "skt_env_create(%s)", path ? path : "NULL"); }
SKT_EXPORT int32_t skt_env_attach(const char *path) { PLAT(plat_env_attach(path), "skt_env_attach(%s)", path ? path : "NULL"); }
SKT_EXPORT int32_t skt_env_detach(void) { PLAT(plat_env_detach(), "skt_env_detach"); }
SKT_EXPORT int32_t skt_env_destroy(const char *path) { PLAT(plat_env_destroy(path), "skt_env_destroy(%s)", path ? path : "NULL"); }

SKT_EXPORT int32_t skt_sysctlbyname(const char *name, void *oldp, uint32_t *oldlenp,
    const void *newp, uint32_t newlen)
{
	PLAT(plat_sysctlbyname(name, oldp, oldlenp, newp, newlen), "sysctlbyname(%s)", name ? name : "NULL");
}

#define IFN(n) ((n) ? (n) : "NULL")
SKT_EXPORT int32_t skt_ifnet_create(const char *ifname) { PLAT(plat_ifnet_create(ifname), "SIOCIFCREATE %s", IFN(ifname)); }
SKT_EXPORT int32_t skt_ifnet_destroy(const char *ifname) { PLAT(plat_ifnet_destroy(ifname), "SIOCIFDESTROY %s", IFN(ifname)); }
SKT_EXPORT int32_t skt_ifnet_set_up(const char *ifname) { PLAT(plat_ifnet_set_up(ifname), "SIOCSIFFLAGS %s up", IFN(ifname)); }
SKT_EXPORT int32_t skt_feth_set_peer(const char *ifname, const char *peer)
{
	PLAT(plat_feth_set_peer(ifname, peer), "feth set peer %s -> %s", IFN(ifname), IFN(peer));
}
SKT_EXPORT int32_t skt_ifnet_get_lladdr(const char *ifname, uint8_t *mac6)
{
	if (mac6 == NULL)
		return fail(EINVAL, "SIOCGIFLLADDR %s: NULL buffer", IFN(ifname));
	PLAT(plat_ifnet_get_lladdr(ifname, mac6), "SIOCGIFLLADDR %s", IFN(ifname));
}
SKT_EXPORT int32_t skt_ifnet_get_netif_nexus(const char *ifname, uint8_t *uuid16)
{
	if (uuid16 == NULL)
		return fail(EINVAL, "SIOCGIFNEXUS %s: NULL buffer", IFN(ifname));
	PLAT(plat_ifnet_get_netif_nexus(ifname, uuid16), "SIOCGIFNEXUS %s", IFN(ifname));
}
SKT_EXPORT int32_t skt_ifnet_get_stats(const char *ifname, uint64_t *out, uint32_t n)
{
	PLAT(plat_ifnet_get_stats(ifname, out, n), "interface stats %s", IFN(ifname));
}

SKT_EXPORT int32_t skt_kqueue(void) { PLAT(plat_kqueue(), "kqueue"); }
SKT_EXPORT int32_t skt_kqueue_close(int32_t kq) { PLAT(plat_kqueue_close(kq), "close(kqueue %d)", kq); }

/*
 * The JS buffers need not be aligned: records are copied through aligned
 * arrays. They live on the stack (this runs every loop turn), hence the bound.
 */
SKT_EXPORT int32_t skt_kevent(int32_t kq, const uint8_t *changes, uint32_t nchanges,
    uint8_t *events, uint32_t nevents, int64_t timeout_ns)
{
	if ((nchanges && changes == NULL) || (nevents && events == NULL))
		return fail(EINVAL, "kevent(kq %d): NULL change or event list", kq);
	if (nchanges > SKT_KEVENT_MAX || nevents > SKT_KEVENT_MAX)
		return fail(EINVAL, "kevent(kq %d): %u changes, %u events: at most %d of each",
		    kq, nchanges, nevents, SKT_KEVENT_MAX);
	size_t sz = sizeof(struct skt_kevent);
	struct skt_kevent c[SKT_KEVENT_MAX], ev[SKT_KEVENT_MAX];
	if (nchanges)
		memcpy(c, changes, nchanges * sz);
	int32_t r = plat_kevent(kq, c, nchanges, ev, nevents, timeout_ns);
	if (r > 0)
		memcpy(events, ev, (size_t)r * sz);
	return r < 0 ? fail(-r, "kevent(kq %d)", kq) : r;
}

SKT_EXPORT uint64_t skt_mach_absolute_time(void) { return plat_mach_absolute_time(); }

SKT_EXPORT int32_t skt_mach_timebase_info(uint32_t *numer_denom)
{
	if (numer_denom == NULL)
		return fail(EINVAL, "mach_timebase_info: NULL buffer");
	PLAT(plat_mach_timebase_info(&numer_denom[0], &numer_denom[1]), "mach_timebase_info");
}

SKT_EXPORT int32_t skt_usleep(uint32_t usec)
{
	return usleep(usec) == 0 ? 0 : fail(errno, "usleep(%u)", usec);
}
