/*
 * clock.c: mach_absolute_time over CLOCK_MONOTONIC. The timebase comes from
 * the domain (debug.sim.timebase_numer/denom, default 125/3 as on Apple
 * silicon, i.e. 24 MHz ticks) so the expiry arithmetic of the tests behaves
 * as on the target machine. ns = ticks * numer / denom.
 */
#include <time.h>

#include "sim.h"

uint64_t sim_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void timebase(uint32_t *numer, uint32_t *denom)
{
	int64_t n = 125, d = 3;
	if (g_sim.attached) {
		n = sim_sc(SC_SIM_TB_NUMER);
		d = sim_sc(SC_SIM_TB_DENOM);
	}
	if (n <= 0 || d <= 0)
		n = d = 1;
	*numer = (uint32_t)n;
	*denom = (uint32_t)d;
}

/* a * b / c without overflowing 64 bits for the values used here */
static uint64_t muldiv(uint64_t a, uint32_t b, uint32_t c)
{
	uint64_t q = a / c, r = a % c;
	return q * b + r * b / c;
}

uint64_t sim_ns_to_mach(uint64_t ns)
{
	uint32_t numer, denom;
	timebase(&numer, &denom);
	return muldiv(ns, denom, numer);
}

uint64_t sim_mach_to_ns(uint64_t t)
{
	uint32_t numer, denom;
	timebase(&numer, &denom);
	return muldiv(t, numer, denom);
}

uint64_t plat_mach_absolute_time(void)
{
	return sim_ns_to_mach(sim_now_ns());
}

int32_t plat_mach_timebase_info(uint32_t *numer, uint32_t *denom)
{
	timebase(numer, denom);
	return 0;
}
