/*
 * poolmem.c: where a sim channel's packet buffers live (skt_platform.h): the
 * buffer array of its area in the domain file, page-aligned, so that a second
 * mapping of the same file range shows the same bytes.
 */
#include <errno.h>
#include <sys/mman.h>

#include "sim.h"

int32_t plat_channel_pool(struct channel *ch, uint64_t *base, uint64_t *size)
{
	if (ch == NULL || !g_sim.attached)
		return -EINVAL;
	*base = (uint64_t)(uintptr_t)ch->ca->buf;
	*size = sizeof(ch->ca->buf);
	return 0;
}

int32_t plat_pool_alias(struct channel *ch, void *at, uint64_t size)
{
	if (ch == NULL || !g_sim.attached || g_sim.fd < 0)
		return -EINVAL;
	if ((uintptr_t)at % 4096 != 0 || size != sizeof(ch->ca->buf))
		return -EINVAL;
	void *p = mmap(at, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, g_sim.fd,
	    (off_t)sim_off(ch->ca->buf));
	return p == MAP_FAILED ? -errno : 0;
}

int32_t plat_pool_unalias(void *at, uint64_t size)
{
	void *p = mmap(at, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	return p == MAP_FAILED ? -errno : 0;
}
