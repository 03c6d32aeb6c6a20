/*
 * advisory.c: interface advisories (xnu-feth.md 3). The feth timer is armed
 * at the first channel connect and re-armed a fixed delay after each run; in
 * the sim it is evaluated lazily by whichever process syncs or waits in
 * kevent, and a compare-and-swap on next_due elects the one that posts.
 * A report is written into the interface's region under a sequence counter
 * (odd while writing) and raises NOTE_IF_ADV_UPD on subscribed channels.
 */
#include <errno.h>
#include <string.h>

#include "sim.h"

#define ADV_VERSION_2    2
#define ADV_DIRECTION_TX 1
#define ADV_TYPE_WIFI    1

void sim_adv_arm(struct sim_ifnet *ifp)
{
	if (ifp->adv_intvl_ms <= 0)
		return;
	uint64_t zero = 0;
	atomic_compare_exchange_strong(&ifp->adv_next_due, &zero,
	    sim_now_ns() + (uint64_t)ifp->adv_intvl_ms * 1000000ull);
}

/* feth_nx_pre_disconnect: the timer stops with the last channel */
void sim_adv_disarm_if_idle(int ifidx)
{
	for (int i = 0; i < SIM_MAX_CHAN; i++) {
		struct sim_chan *sc = &g_sim.hdr->chans[i];
		if (atomic_load(&sc->state) != 0 && sc->ifidx == ifidx)
			return;
	}
	atomic_store(&g_sim.hdr->ifs[ifidx].adv_next_due, 0);
}

static void put(uint8_t *b, size_t off, const void *v, size_t n) { memcpy(b + off, v, n); }

/* struct ifnet_interface_advisory v2, packed: header @0, capacity @4 */
static void build(struct sim_ifnet *ifp, uint8_t out[IF_INTERFACE_ADVISORY_SIZE])
{
	memset(out, 0, IF_INTERFACE_ADVISORY_SIZE);
	out[0] = ADV_VERSION_2;
	out[1] = ADV_DIRECTION_TX;
	out[2] = ADV_TYPE_WIFI;
	int32_t rate = 0;                                   /* RAMP_NEUTRAL */
	uint64_t ts = plat_mach_absolute_time(), bw = 1000000000ull;
	uint64_t bytes = atomic_load(&ifp->stats[SKT_STAT_TX_PACKETS]); /* sic: packets_out */
	uint32_t qmax = UINT32_MAX, delay = 1;
	put(out, 4, &rate, 4);
	put(out, 8, &ts, 8);
	put(out, 16, &bw, 8);
	put(out, 24, &bytes, 8);
	put(out, 32, &bw, 8);
	put(out, 40, &qmax, 4);
	put(out, 44, &qmax, 4);
	put(out, 48, &delay, 4);
}

/* enabled, and past the test knob debug.sim.adv_hold_ms (reports held back that
 * long after enabling, so that a short transfer ends before the first one) */
static bool adv_on(struct sim_chan *sc)
{
	if (!atomic_load(&sc->adv_enabled))
		return false;
	int64_t hold = sim_sc(SC_SIM_ADV_HOLD_MS);
	return hold <= 0 || sim_now_ns() >= atomic_load(&sc->adv_enabled_at) + (uint64_t)hold * 1000000ull;
}

static void post(int ifidx)
{
	struct sim_ifnet *ifp = &g_sim.hdr->ifs[ifidx];
	bool everyone = sim_sc(SC_SIM_ADV_IGNORE_DISABLE) != 0, enabled = false;
	for (int i = 0; i < SIM_MAX_CHAN; i++) {
		struct sim_chan *sc = &g_sim.hdr->chans[i];
		if (atomic_load(&sc->state) == 1 && sc->ifidx == ifidx && adv_on(sc))
			enabled = true;
	}
	if (!enabled && !everyone)
		return;    /* iff_intf_adv_enabled is false: the timer ticks, nothing is sent */
	uint32_t seq = atomic_load(&ifp->adv_seq);
	if ((seq & 1) || !atomic_compare_exchange_strong(&ifp->adv_seq, &seq, seq + 1))
		return;    /* another writer is in the middle of a report */
	uint8_t rep[IF_INTERFACE_ADVISORY_SIZE];
	build(ifp, rep);
	for (int w = 0; w < SIM_ADV_WORDS; w++) {
		uint64_t v;
		memcpy(&v, rep + 8 * w, 8);
		atomic_store_explicit(&ifp->adv_data[w], v, memory_order_relaxed);
	}
	atomic_store_explicit(&ifp->adv_seq, seq + 2, memory_order_release);
	for (int i = 0; i < SIM_MAX_CHAN; i++) {
		struct sim_chan *sc = &g_sim.hdr->chans[i];
		if (atomic_load(&sc->state) != 1 || sc->ifidx != ifidx)
			continue;
		if (!everyone && !adv_on(sc))
			continue;
		atomic_store(&sc->adv_pending, 1);
		sim_stat(ifp, SKT_STAT_IF_ADV_SENT, 1);
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load(&sc->waiting) > 0)
			sim_door_ring(i);
	}
}

void sim_adv_tick(void)
{
	if (!g_sim.attached)
		return;
	uint64_t now = 0;
	for (int i = 0; i < SIM_MAX_IF; i++) {
		struct sim_ifnet *ifp = &g_sim.hdr->ifs[i];
		uint64_t due = atomic_load(&ifp->adv_next_due);
		if (due == 0 || !atomic_load(&ifp->in_use) || ifp->adv_intvl_ms <= 0)
			continue;
		if (now == 0)
			now = sim_now_ns();
		if (now < due)
			continue;
		/* fixed delay: the next run is one interval after this one */
		if (atomic_compare_exchange_strong(&ifp->adv_next_due, &due,
		    now + (uint64_t)ifp->adv_intvl_ms * 1000000ull))
			post(i);
	}
}

uint64_t sim_adv_next_due(void)
{
	uint64_t best = 0;
	for (int i = 0; i < SIM_MAX_IF; i++) {
		struct sim_ifnet *ifp = &g_sim.hdr->ifs[i];
		uint64_t due = atomic_load(&ifp->adv_next_due);
		if (due != 0 && atomic_load(&ifp->in_use) && (best == 0 || due < best))
			best = due;
	}
	return best;
}

/* ch_configure_interface_advisory_event (channel.c): ENOTSUP only for a
 * nexus without an advisory region, and a native netif always has one; with
 * if_adv_intvl 0 the feth timer simply never reports */
int os_channel_configure_interface_advisory(channel_t ch, int enable /* boolean_t */)
{
	if (ch == NULL || atomic_load(&ch->sc->defunct)) {
		errno = ENXIO;
		return -1;
	}
	atomic_store(&ch->sc->adv_enabled_at, sim_now_ns());
	atomic_store(&ch->sc->adv_enabled, enable ? 1 : 0);
	return 0;
}

int os_channel_get_interface_advisory(channel_t ch, void *advisory)
{
	if (ch == NULL || advisory == NULL)
		return EINVAL;
	if (atomic_load(&ch->sc->defunct))
		return ENXIO;
	/* the region is always there (zeros until the first report) */
	struct sim_ifnet *ifp = &g_sim.hdr->ifs[ch->sc->ifidx];
	uint32_t s1 = atomic_load_explicit(&ifp->adv_seq, memory_order_acquire);
	if (s1 & 1)
		return EAGAIN;
	uint8_t rep[IF_INTERFACE_ADVISORY_SIZE];
	for (int w = 0; w < SIM_ADV_WORDS; w++) {
		uint64_t v = atomic_load_explicit(&ifp->adv_data[w], memory_order_relaxed);
		memcpy(rep + 8 * w, &v, 8);
	}
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&ifp->adv_seq, memory_order_relaxed) != s1)
		return EAGAIN;       /* torn read: the kernel's checksum would not match */
	memcpy(advisory, rep, sizeof(rep));
	return 0;
}
