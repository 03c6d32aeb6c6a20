/*
 * attr.c: channel attributes (os_channel_attr_*) and what an afxdp channel
 * really gets (os_channel_info2attr): ring sizes, pool size, buffer size.
 */
#include <errno.h>
#include <stdlib.h>

#include "afxdp.h"

#define NEXUS_TYPE_NET_IF 2
#define NEXUS_META_TYPE_PACKET 2
#define NEXUS_META_SUBTYPE_RAW 2

/* ------------------------------------------------------------ attributes */

channel_attr_t os_channel_attr_create(void) { return calloc(1, sizeof(struct channel_attr)); }
void os_channel_attr_destroy(channel_attr_t attr) { free(attr); }

static bool settable(channel_attr_type_t t)
{
	switch (t) {
	case CHANNEL_ATTR_EXCLUSIVE: case CHANNEL_ATTR_NO_AUTO_SYNC: case CHANNEL_ATTR_MONITOR:
	case CHANNEL_ATTR_TX_LOWAT_UNIT: case CHANNEL_ATTR_TX_LOWAT_VALUE:
	case CHANNEL_ATTR_RX_LOWAT_UNIT: case CHANNEL_ATTR_RX_LOWAT_VALUE:
	case CHANNEL_ATTR_USER_PACKET_POOL: case CHANNEL_ATTR_NEXUS_DEFUNCT_OK: case 27 /* FILTER */:
	case CHANNEL_ATTR_EVENT_RING: case CHANNEL_ATTR_LOW_LATENCY:
		return true;
	default:
		return false;
	}
}

int os_channel_attr_set(channel_attr_t attr, channel_attr_type_t type, uint64_t value)
{
	if (attr == NULL || type >= CHANNEL_ATTR_COUNT)
		return EINVAL;
	if (!settable(type))
		return ENOTSUP;
	if (type == CHANNEL_ATTR_NO_AUTO_SYNC && value != 1)
		return EINVAL;
	attr->v[type] = value;
	attr->set |= 1ull << type;
	return 0;
}

int os_channel_attr_get(channel_attr_t attr, channel_attr_type_t type, uint64_t *value)
{
	if (attr == NULL || value == NULL || type >= CHANNEL_ATTR_COUNT)
		return EINVAL;
	*value = attr->v[type];
	return 0;
}

void axp_effective_attrs(channel_attr_t a, const struct channel *ch, unsigned ifindex)
{
	uint64_t *v = a->v;
	v[CHANNEL_ATTR_TX_RINGS] = 1;
	v[CHANNEL_ATTR_RX_RINGS] = 1;
	v[CHANNEL_ATTR_TX_SLOTS] = AXP_TX_SLOTS;
	v[CHANNEL_ATTR_RX_SLOTS] = AXP_RX_SLOTS;
	v[CHANNEL_ATTR_SLOT_BUF_SIZE] = AXP_FRAME_SIZE;
	v[CHANNEL_ATTR_SLOT_META_SIZE] = sizeof(struct axp_pkt);
	v[CHANNEL_ATTR_NO_AUTO_SYNC] = 1;
	v[CHANNEL_ATTR_TX_LOWAT_VALUE] = 1;  /* unit 0 = slots */
	v[CHANNEL_ATTR_RX_LOWAT_VALUE] = 1;
	v[CHANNEL_ATTR_NEXUS_TYPE] = NEXUS_TYPE_NET_IF;
	v[18] = ifindex;                      /* NEXUS_IFINDEX */
	v[21] = NEXUS_META_TYPE_PACKET;
	v[22] = NEXUS_META_SUBTYPE_RAW;
	v[CHANNEL_ATTR_USER_PACKET_POOL] = ch->upp;
	v[25] = 0;                            /* NEXUS_ADV_SIZE: no interface advisory */
	v[CHANNEL_ATTR_NEXUS_DEFUNCT_OK] = ch->defunct_ok;
	v[CHANNEL_ATTR_EVENT_RING] = 0;
	v[CHANNEL_ATTR_MAX_FRAGS] = 1;
	v[CHANNEL_ATTR_NUM_BUFFERS] = AXP_FRAMES;
	v[CHANNEL_ATTR_LOW_LATENCY] = ch->low_latency;
}
