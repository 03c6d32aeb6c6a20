/*
 * pool_map.c: the packet pool's memory as one mapping, for callers that build
 * and verify frames where they live (upstream writes to and reads from the
 * buflet's object address). skt_channel_get_pool gives the mapping once per
 * channel; frames are then addressed by offset into it. skt_channel_alias_pool
 * maps the same pages a second time inside a caller's buffer (a WebAssembly
 * memory, so that its code reads the frames without a copy).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "../skt_platform.h"

/* channels with an alias, so that destroy undoes it (few channels per process) */
#define ALIAS_MAX 16
static struct alias { skt_channel *ch; uint8_t *at; uint64_t size; } aliases[ALIAS_MAX];

SKT_EXPORT int32_t skt_channel_get_pool(skt_channel *ch, uint64_t *out2)
{
	channel_t chd = ch != NULL ? ch->chd : NULL;
	if (chd == NULL || out2 == NULL)
		return -EINVAL;
	uint64_t base = 0, size = 0;
	int32_t r = plat_channel_pool(chd, &base, &size);
	if (r < 0)
		return r;
	out2[0] = base;
	out2[1] = size;
	return 0;
}

SKT_EXPORT int32_t skt_channel_alias_pool(skt_channel *ch, uint8_t *buf, uint32_t off, uint32_t size)
{
	channel_t chd = ch != NULL ? ch->chd : NULL;
	if (chd == NULL || buf == NULL || size == 0)
		return -EINVAL;
	struct alias *slot = NULL;
	for (int i = 0; i < ALIAS_MAX; i++) {
		if (aliases[i].ch == ch)
			return -EBUSY;
		if (aliases[i].ch == NULL && slot == NULL)
			slot = &aliases[i];
	}
	if (slot == NULL)
		return -ENOSPC;
	int32_t r = plat_pool_alias(chd, buf + off, size);
	if (r < 0)
		return r;
	*slot = (struct alias){ ch, buf + off, size };
	return 0;
}

void skt_pool_unalias_channel(skt_channel *ch)
{
	for (int i = 0; i < ALIAS_MAX; i++)
		if (ch != NULL && aliases[i].ch == ch) {
			plat_pool_unalias(aliases[i].at, aliases[i].size);
			aliases[i] = (struct alias){ 0 };
		}
}

SKT_EXPORT int32_t skt_channel_unalias_pool(skt_channel *ch)
{
	if (ch == NULL)
		return -EINVAL;
	skt_pool_unalias_channel(ch);
	return 0;
}
