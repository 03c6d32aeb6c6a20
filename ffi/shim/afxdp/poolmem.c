/*
 * poolmem.c: where an afxdp channel's packet buffers live (skt_platform.h):
 * the UMEM, one private anonymous mapping per channel. It is not backed by a
 * file, so it cannot be mapped a second time: plat_pool_alias says ENOTSUP and
 * TypeScript reads the UMEM through its one mapping (and checksums in JS).
 */
#include <errno.h>
#include <sys/mman.h>

#include "afxdp.h"

int32_t plat_channel_pool(struct channel *ch, uint64_t *base, uint64_t *size)
{
	if (ch == NULL || ch->area == NULL || ch->area == MAP_FAILED)
		return -EINVAL;
	*base = (uint64_t)(uintptr_t)ch->area;
	*size = (uint64_t)AXP_FRAMES * AXP_FRAME_SIZE;
	return 0;
}

int32_t plat_pool_alias(struct channel *ch, void *at, uint64_t size)
{
	(void)ch;
	(void)at;
	(void)size;
	return -ENOTSUP;
}

int32_t plat_pool_unalias(void *at, uint64_t size)
{
	void *p = mmap(at, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	return p == MAP_FAILED ? -errno : 0;
}
