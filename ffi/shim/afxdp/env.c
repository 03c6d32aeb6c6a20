/*
 * env.c: the afxdp run configuration, network namespaces, sysctl and time.
 *
 * The environment of a run is a small text file the parent writes before it
 * starts the children (scenarios/machine: the afxdp session), one setting a line:
 *   if <ifname> <netns>     the interface lives in network namespace <netns>
 *   bind auto|copy          auto: bind flags 0 (the kernel picks); copy: try
 *                           XDP_ZEROCOPY (reported), then bind with XDP_COPY
 *   pool shared|split       split: TX and RX frames from disjoint UMEM halves
 *   mode auto|drv|skb       auto: native (DRV) XDP, falling back to SKB
 * skt_env_create and skt_env_attach both read it; nothing here changes the
 * machine (the parent's setup made the namespaces and the veth pair).
 *
 * Namespaces: a process stays in its own network namespace. Each kernel call
 * about an interface (its MAC, its counters, opening its AF_XDP socket) runs
 * with the calling thread moved into the interface's namespace by setns(2) and
 * moved back right after; a socket keeps the namespace it was created in, so
 * the channel's traffic stays inside the run's namespaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "afxdp.h"

struct axp_env g_env;

static _Thread_local char why[256];

void axp_set_why(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
}

const char *axp_why(void) { return why[0] ? why : NULL; }

static int parse(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	struct axp_env e;
	memset(&e, 0, sizeof(e));
	char line[256], a[64], b[64], c[64];
	int err = 0;
	while (!err && fgets(line, sizeof(line), f) != NULL) {
		int n = sscanf(line, "%63s %63s %63s", a, b, c);
		if (n <= 0 || a[0] == '#')
			continue;
		if (strcmp(a, "if") == 0 && n >= 2 && e.nif < AXP_MAX_IF && strlen(b) < 16) {
			struct axp_ifcfg *i = &e.ifs[e.nif++];
			snprintf(i->name, sizeof(i->name), "%s", b);
			if (n == 3)
				snprintf(i->netns, sizeof(i->netns), "%s", c);
		} else if (strcmp(a, "bind") == 0 && n == 2 && (!strcmp(b, "auto") || !strcmp(b, "copy"))) {
			e.bind = strcmp(b, "copy") == 0 ? BIND_COPY : BIND_AUTO;
		} else if (strcmp(a, "pool") == 0 && n == 2 && (!strcmp(b, "shared") || !strcmp(b, "split"))) {
			e.split = strcmp(b, "split") == 0;
		} else if (strcmp(a, "mode") == 0 && n == 2) {
			if (!strcmp(b, "auto")) e.mode = MODE_AUTO;
			else if (!strcmp(b, "drv")) e.mode = MODE_DRV;
			else if (!strcmp(b, "skb")) e.mode = MODE_SKB;
			else err = EINVAL;
		} else {
			err = EINVAL;
		}
	}
	fclose(f);
	if (err)
		return -err;
	e.attached = true;
	g_env = e;
	return 0;
}

int32_t plat_env_create(const char *path) { return path ? parse(path) : -EINVAL; }
int32_t plat_env_attach(const char *path) { return path ? parse(path) : -EINVAL; }

int32_t plat_env_detach(void)
{
	if (!g_env.attached)
		return -ENXIO;
	memset(&g_env, 0, sizeof(g_env));
	return 0;
}

/* the file is the parent's (it removes it with the run's other state) */
int32_t plat_env_destroy(const char *path)
{
	(void)path;
	memset(&g_env, 0, sizeof(g_env));
	return 0;
}

int axp_if_index(const char *ifname)
{
	for (int i = 0; ifname && i < g_env.nif; i++)
		if (strcmp(g_env.ifs[i].name, ifname) == 0)
			return i;
	return -1;
}

int axp_netns_enter(const char *ifname, int *saved)
{
	*saved = -1;
	int i = axp_if_index(ifname);
	if (i < 0 || g_env.ifs[i].netns[0] == '\0')
		return 0;
	char path[128];
	snprintf(path, sizeof(path), "/run/netns/%s", g_env.ifs[i].netns);
	int target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0) {
		int err = errno;
		axp_set_why("network namespace %s of %s: %s", g_env.ifs[i].netns, ifname, strerror(err));
		return -err;
	}
	int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (here < 0 || setns(target, CLONE_NEWNET) != 0) {
		int err = errno;
		axp_set_why("setns into %s for %s: %s", g_env.ifs[i].netns, ifname, strerror(err));
		if (here >= 0)
			close(here);
		close(target);
		return -err;
	}
	close(target);
	*saved = here;
	return 0;
}

void axp_netns_leave(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET) != 0)
		abort();   /* a thread left in the run's namespace would send into it */
	close(saved);
}

/*
 * AF_XDP has none of Skywalk's sysctls: every name is unknown but one probe,
 * read-only, for the gate and doctor:
 *   skt.afxdp.xsk_socket  int: 0 when socket(AF_XDP) works here, else its errno
 */
int32_t plat_sysctlbyname(const char *name, void *oldp, uint32_t *oldlenp,
    const void *newp, uint32_t newlen)
{
	(void)newlen;
	if (name == NULL || strcmp(name, "skt.afxdp.xsk_socket") != 0)
		return -ENOENT;
	if (newp != NULL)
		return -EPERM;
	if (oldlenp == NULL || oldp == NULL || *oldlenp < sizeof(int32_t))
		return -EINVAL;
	int fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	int32_t v = fd >= 0 ? 0 : errno;
	if (fd >= 0)
		close(fd);
	memcpy(oldp, &v, sizeof(v));
	*oldlenp = sizeof(v);
	return 0;
}

/* mach time = CLOCK_MONOTONIC in ns (timebase 1/1) */
uint64_t plat_mach_absolute_time(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int32_t plat_mach_timebase_info(uint32_t *numer, uint32_t *denom)
{
	if (numer == NULL || denom == NULL)
		return -EINVAL;
	*numer = 1;
	*denom = 1;
	return 0;
}
