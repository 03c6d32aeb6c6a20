/*
 * skt_platform.h: what the kernel provides besides the Skywalk SPI.
 *
 * darwin: sysctlbyname, ioctl on an AF_INET socket (SIOCIFCREATE, SIOCIFDESTROY,
 * SIOCSIFFLAGS, SIOCSDRVSPEC, SIOCGIFLLADDR, SIOCGIFNEXUS), kqueue/kevent,
 * mach_absolute_time. sim: the same operations on its shared-memory domain.
 * Every function returns 0 (or a count) on success and a negative errno on failure.
 */
#ifndef SKT_PLATFORM_H
#define SKT_PLATFORM_H

#include <stdint.h>

/* The kevent record of the shim ABI (24 bytes, fixed layout for FFI). */
struct skt_kevent {
	uint32_t ident;   /* channel fd */
	int16_t  filter;  /* EVFILT_READ / EVFILT_WRITE / EVFILT_NW_CHANNEL */
	uint16_t flags;   /* EV_ADD, EV_DELETE, EV_ENABLE, EV_DISABLE, EV_ERROR */
	uint32_t fflags;  /* NOTE_* */
	uint32_t _pad;
	int64_t  data;
};
#define SKT_EV_ADD     0x0001
#define SKT_EV_DELETE  0x0002
#define SKT_EV_ENABLE  0x0004
#define SKT_EV_DISABLE 0x0008
#define SKT_EV_ERROR   0x4000

int32_t plat_env_create(const char *path);
int32_t plat_env_attach(const char *path);
int32_t plat_env_detach(void);
int32_t plat_env_destroy(const char *path);

int32_t plat_sysctlbyname(const char *name, void *oldp, uint32_t *oldlenp,
    const void *newp, uint32_t newlen);

int32_t plat_ifnet_create(const char *ifname);
int32_t plat_ifnet_destroy(const char *ifname);
int32_t plat_ifnet_set_up(const char *ifname);
int32_t plat_feth_set_peer(const char *ifname, const char *peer);
int32_t plat_ifnet_get_lladdr(const char *ifname, uint8_t mac[6]);
int32_t plat_ifnet_get_netif_nexus(const char *ifname, uint8_t uuid[16]);
int32_t plat_ifnet_get_stats(const char *ifname, uint64_t *out, uint32_t n);

int32_t plat_kqueue(void);
int32_t plat_kqueue_close(int32_t kq);
int32_t plat_kevent(int32_t kq, const struct skt_kevent *changes, uint32_t nchanges,
    struct skt_kevent *events, uint32_t nevents, int64_t timeout_ns);

/*
 * The memory a channel's packet buffers live in (pool_map.c): one mapping,
 * its address and size in this process. plat_pool_alias maps the same pages
 * a second time at `at` (page-aligned, replacing what was there), so that a
 * WebAssembly memory can hold the pool; plat_pool_unalias puts zeroed private
 * pages back. -ENOTSUP where the platform cannot.
 */
struct channel;
int32_t plat_channel_pool(struct channel *chd, uint64_t *base, uint64_t *size);
int32_t plat_pool_alias(struct channel *chd, void *at, uint64_t size);
int32_t plat_pool_unalias(void *at, uint64_t size);

uint64_t plat_mach_absolute_time(void);
int32_t plat_mach_timebase_info(uint32_t *numer, uint32_t *denom);

#endif /* SKT_PLATFORM_H */
