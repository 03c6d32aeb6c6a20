/*
 * sysctl.c: the sysctls the tests read and write, kept in the domain so all
 * processes of a run share them. Integer sysctls are 4-byte ints as in xnu
 * (SYSCTL_INT); kern.skywalk.features is a read-only u64; the one string is
 * kern.skywalk.netif.sk_ll_prefix. net.link.fake.* only take effect when an
 * interface is created (ifnet.c latches them), as in if_fake.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

/* bsd/skywalk/os_skywalk_private.h feature bits */
#define SK_FEATURE_SKYWALK           (1ull << 0)
#define SK_FEATURE_DEVELOPMENT       (1ull << 1)
#define SK_FEATURE_NEXUS_FLOWSWITCH  (1ull << 3)
#define SK_FEATURE_NEXUS_MONITOR     (1ull << 4)
#define SK_FEATURE_NEXUS_NETIF       (1ull << 5)
#define SK_FEATURE_NEXUS_USER_PIPE   (1ull << 6)
#define SK_FEATURE_NEXUS_KERNEL_PIPE (1ull << 7)
#define SK_FEATURE_DEV_OR_DEBUG      (1ull << 9)
#define SIM_FEATURES (SK_FEATURE_SKYWALK | SK_FEATURE_NEXUS_NETIF | SK_FEATURE_DEV_OR_DEBUG | \
	SK_FEATURE_DEVELOPMENT | SK_FEATURE_NEXUS_USER_PIPE | SK_FEATURE_NEXUS_KERNEL_PIPE | \
	SK_FEATURE_NEXUS_FLOWSWITCH | SK_FEATURE_NEXUS_MONITOR)

enum { T_INT, T_U64_RO, T_STR };
struct sc_def {
	const char *name;
	int type;
	int64_t def, min, max;
};

/* indexed by SC_* (sim.h); defaults and limits from if_fake.c (xnu-feth.md 1.4) */
static const struct sc_def defs[SC_COUNT] = {
	[SC_FAKE_TXSTART]        = { "net.link.fake.txstart", T_INT, 1, 0, 1 },
	[SC_FAKE_HWCSUM]         = { "net.link.fake.hwcsum", T_INT, 0, 0, 1 },
	[SC_FAKE_NXATTACH]       = { "net.link.fake.nxattach", T_INT, 0, 0, 1 },
	[SC_FAKE_BSD_MODE]       = { "net.link.fake.bsd_mode", T_INT, 1, 0, 1 },
	[SC_FAKE_DEBUG]          = { "net.link.fake.debug", T_INT, 0, 0, INT32_MAX },
	[SC_FAKE_WMM_MODE]       = { "net.link.fake.wmm_mode", T_INT, 0, 0, 1 },
	[SC_FAKE_MULTIBUFLET]    = { "net.link.fake.multibuflet", T_INT, 0, 0, 1 },
	[SC_FAKE_LOW_LATENCY]    = { "net.link.fake.low_latency", T_INT, 0, 0, 1 },
	[SC_FAKE_SWITCH_COMBINED]= { "net.link.fake.switch_combined_mode", T_INT, 0, 0, 1 },
	[SC_FAKE_SWITCH_FREQ]    = { "net.link.fake.switch_mode_frequency", T_INT, 10, 0, INT32_MAX },
	[SC_FAKE_TSO_SUPPORT]    = { "net.link.fake.tso_support", T_INT, 0, 0, 1 },
	[SC_FAKE_TSO_BUF_SIZE]   = { "net.link.fake.tso_buf_size", T_INT, 16384, 0, INT32_MAX },
	[SC_FAKE_EXP_THRESHOLD]  = { "net.link.fake.expiration_threshold", T_INT, 500, 0, INT32_MAX },
	[SC_FAKE_LRO]            = { "net.link.fake.lro", T_INT, 0, 0, 1 },
	[SC_FAKE_PKTPOOL_MODE]   = { "net.link.fake.pktpool_mode", T_INT, 0, 0, 2 },
	[SC_FAKE_LLA_FACTOR]     = { "net.link.fake.link_layer_aggregation_factor", T_INT, 96, 1, 512 },
	[SC_FAKE_TX_HEADROOM]    = { "net.link.fake.tx_headroom", T_INT, 32, 0, 32 },
	[SC_FAKE_FCS]            = { "net.link.fake.fcs", T_INT, 0, 0, 1 },
	[SC_FAKE_TRAILER_LEN]    = { "net.link.fake.trailer_length", T_INT, 0, 0, 28 },
	[SC_FAKE_MAX_MTU]        = { "net.link.fake.max_mtu", T_INT, 2048, 0, 16384 - 14 },
	[SC_FAKE_BUFLET_SIZE]    = { "net.link.fake.buflet_size", T_INT, 512, 512, 32768 },
	[SC_FAKE_USER_ACCESS]    = { "net.link.fake.user_access", T_INT, 0, 0, 1 },
	[SC_FAKE_IF_ADV_INTVL]   = { "net.link.fake.if_adv_intvl", T_INT, 0, 0, INT32_MAX },
	[SC_FAKE_TX_DROPS]       = { "net.link.fake.tx_drops", T_INT, 0, 0, INT32_MAX },
	[SC_FAKE_TX_EXP_POLICY]  = { "net.link.fake.tx_exp_policy", T_INT, 0, 0, 3 },
	[SC_FAKE_TX_COMPL_MODE]  = { "net.link.fake.tx_completion_mode", T_INT, 0, 0, 1 },
	[SC_FAKE_LLINK_CNT]      = { "net.link.fake.llink_cnt", T_INT, 0, 0, 16 },
	[SC_FAKE_QSET_CNT]       = { "net.link.fake.qset_cnt", T_INT, 4, 1, 16 },
	[SC_FAKE_TRACE_TAG]      = { "net.link.fake.trace_tag", T_INT, 0, 0, INT32_MAX },
	[SC_SK_FEATURES]         = { "kern.skywalk.features", T_U64_RO, (int64_t)SIM_FEATURES, 0, 0 },
	[SC_SK_DISABLE_NXCTL_CHECK] = { "kern.skywalk.disable_nxctl_check", T_INT, 0, 0, 1 },
	[SC_SK_LL_PREFIX]        = { "kern.skywalk.netif.sk_ll_prefix", T_STR, 0, 0, 0 },
	[SC_SIM_CORRUPT_FRAME]   = { "debug.sim.corrupt_frame", T_INT, 0, 0, INT32_MAX },
	[SC_SIM_CORRUPT_OFFSET]  = { "debug.sim.corrupt_offset", T_INT, 100, 0, SIM_BUF_SIZE - 1 },
	[SC_SIM_TB_NUMER]        = { "debug.sim.timebase_numer", T_INT, 125, 1, 1000000 },
	[SC_SIM_TB_DENOM]        = { "debug.sim.timebase_denom", T_INT, 3, 1, 1000000 },
	[SC_SIM_ADV_IGNORE_DISABLE] = { "debug.sim.adv_ignore_disable", T_INT, 0, 0, 1 },
	[SC_SIM_DROP_WITHOUT_EVENT] = { "debug.sim.drop_without_event", T_INT, 0, 0, 1 },
	[SC_SIM_EXPIRED_WRONG_STATUS] = { "debug.sim.expired_wrong_status", T_INT, 0, 0, 1 },
	[SC_SIM_LOSE_FRAME_EVERY] = { "debug.sim.lose_frame_every", T_INT, 0, 0, INT32_MAX },
	[SC_SIM_STATUS_WRONG_PKTID] = { "debug.sim.status_wrong_pktid", T_INT, 0, 0, 1 },
	[SC_SIM_ADV_HOLD_MS]     = { "debug.sim.adv_hold_ms", T_INT, 0, 0, 60000 },
	[SC_SIM_CAPTURE]         = { "debug.sim.capture", T_INT, 0, 0, 1 },
	[SC_SIM_TX_SLOWDOWN]     = { "debug.sim.tx_slowdown", T_INT, 0, 0, 1000 },
};

#define LL_PREFIX_DEFAULT "llw"

void sim_sysctl_defaults(struct sim_hdr *h)
{
	for (int i = 0; i < SC_COUNT; i++)
		atomic_store(&h->sysctl[i], defs[i].def);
	snprintf(h->sysctl_str, sizeof(h->sysctl_str), "%s", LL_PREFIX_DEFAULT);
}

/* if_adv_intvl: 0 (off) or at least 10 ms; tx_headroom: multiple of 8 */
static int extra_check(int i, int64_t v)
{
	if (i == SC_FAKE_IF_ADV_INTVL && v != 0 && v < 10)
		return -EINVAL;
	if (i == SC_FAKE_TX_HEADROOM && (v % 8) != 0)
		return -EINVAL;
	if (i == SC_FAKE_BUFLET_SIZE && (v & (v - 1)) != 0)
		return -EINVAL;
	return 0;
}

int32_t plat_sysctlbyname(const char *name, void *oldp, uint32_t *oldlenp,
    const void *newp, uint32_t newlen)
{
	if (name == NULL)
		return -EINVAL;
	if (!g_sim.attached)
		return -ENXIO;
	int i;
	for (i = 0; i < SC_COUNT; i++)
		if (strcmp(defs[i].name, name) == 0)
			break;
	if (i == SC_COUNT)
		return -ENOENT;
	const struct sc_def *d = &defs[i];
	struct sim_hdr *h = g_sim.hdr;

	/* read the old value (oldp NULL: report the size only) */
	if (oldlenp != NULL) {
		if (d->type == T_STR) {
			char cur[SIM_STR_MAX];
			sim_lock(&h->cfglock);
			memcpy(cur, h->sysctl_str, sizeof(cur));
			sim_unlock(&h->cfglock);
			uint32_t need = (uint32_t)strlen(cur) + 1;
			if (oldp != NULL) {
				if (*oldlenp < need)
					return -ENOMEM;
				memcpy(oldp, cur, need);
			}
			*oldlenp = need;
		} else {
			uint32_t need = d->type == T_INT ? 4 : 8;
			int64_t v = atomic_load(&h->sysctl[i]);
			if (oldp != NULL) {
				if (*oldlenp < need)
					return -ENOMEM;
				if (need == 4) {
					int32_t v32 = (int32_t)v;
					memcpy(oldp, &v32, 4);
				} else {
					uint64_t v64 = (uint64_t)v;
					memcpy(oldp, &v64, 8);
				}
			}
			*oldlenp = need;
		}
	}
	if (newp == NULL)
		return 0;
	switch (d->type) {
	case T_U64_RO:
		return -EPERM;
	case T_STR:
		if (newlen == 0 || newlen >= SIM_STR_MAX)
			return -EINVAL;
		sim_lock(&h->cfglock);
		memcpy(h->sysctl_str, newp, newlen);
		h->sysctl_str[newlen] = '\0';
		sim_unlock(&h->cfglock);
		return 0;
	default: {
		if (newlen != 4)
			return -EINVAL;
		int32_t v;
		memcpy(&v, newp, 4);
		if (v < d->min || v > d->max || extra_check(i, v) != 0)
			return -EINVAL;
		atomic_store(&h->sysctl[i], v);
		return 0;
	}
	}
}
