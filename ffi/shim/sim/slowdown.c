/*
 * slowdown.c: the test knob debug.sim.tx_slowdown=P (percent, 0 = off).
 * After its work, a TX sync waits P % of the time since the previous TX sync
 * of the same channel ended, so at 100 every sender's loop period doubles and
 * its throughput halves, whatever the machine's speed. It exists so that the
 * suite can make one test measurably slower and check that `compare` flags
 * that test and nothing else; nothing else sets it. The wait yields the CPU
 * (the peer may share it) rather than sleeping: a timer's slack would be
 * longer than a batch.
 */
#include <sched.h>

#include "sim.h"

/* a longer gap (the channel idle in kevent) is not a loop period; a loaded machine
 * deschedules a sender for tens of ms, and that is part of its period */
#define MAX_WAIT_NS 200000000ull

static uint64_t g_last_end[SIM_MAX_CHAN];   /* process-local: channels this process owns */

void sim_tx_slowdown(int chan, int64_t percent)
{
	if (chan < 0 || chan >= SIM_MAX_CHAN)
		return;
	uint64_t now = sim_now_ns();
	uint64_t last = g_last_end[chan];
	if (last != 0 && now > last) {
		uint64_t wait = (now - last) * (uint64_t)percent / 100;
		if (wait > MAX_WAIT_NS)
			wait = MAX_WAIT_NS;
		uint64_t until = now + wait;
		while ((now = sim_now_ns()) < until)
			sched_yield();
	}
	g_last_end[chan] = now;
}
