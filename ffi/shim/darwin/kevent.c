/*
 * kevent.c: the shim's kqueue over the kernel's. Channel fds are real
 * kqueue-able descriptors: EVFILT_READ / EVFILT_WRITE run the channel's
 * implicit RX / TX sync, EVFILT_NW_CHANNEL carries NOTE_IF_ADV_UPD and
 * NOTE_CHANNEL_EVENT (registering the latter is what lets the kernel queue
 * channel events at all). struct skt_kevent <-> struct kevent is a field copy;
 * the EV_* values of skt_platform.h are darwin's own.
 *
 * A signal during the wait (EINTR) is waited out for the rest of the timeout:
 * the changes were applied before the wait, so only the wait is repeated.
 */
#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../skt_platform.h"

_Static_assert(SKT_EV_ADD == EV_ADD && SKT_EV_DELETE == EV_DELETE && SKT_EV_ENABLE == EV_ENABLE &&
    SKT_EV_DISABLE == EV_DISABLE && SKT_EV_ERROR == EV_ERROR, "skt_kevent flags are darwin's");

int32_t plat_kqueue(void)
{
	int kq = kqueue();
	return kq < 0 ? -errno : kq;
}

int32_t plat_kqueue_close(int32_t kq)
{
	return close(kq) == 0 ? 0 : -errno;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int32_t plat_kevent(int32_t kq, const struct skt_kevent *changes, uint32_t nchanges,
    struct skt_kevent *events, uint32_t nevents, int64_t timeout_ns)
{
	if ((nchanges && changes == NULL) || (nevents && events == NULL))
		return -EFAULT;
	struct kevent *kc = calloc(nchanges + 1, sizeof(*kc));
	struct kevent *ke = calloc(nevents + 1, sizeof(*ke));
	int32_t r = -ENOMEM;
	if (kc == NULL || ke == NULL)
		goto out;
	for (uint32_t i = 0; i < nchanges; i++)
		EV_SET(&kc[i], changes[i].ident, changes[i].filter, changes[i].flags,
		    changes[i].fflags, (intptr_t)changes[i].data, NULL);

	uint64_t deadline = timeout_ns < 0 ? 0 : now_ns() + (uint64_t)timeout_ns;
	int nc = (int)nchanges;
	int n;
	for (;;) {
		struct timespec ts, *tsp = NULL;
		if (timeout_ns >= 0) {
			uint64_t now = now_ns(), left = deadline > now ? deadline - now : 0;
			ts.tv_sec = (time_t)(left / 1000000000ull);
			ts.tv_nsec = (long)(left % 1000000000ull);
			tsp = &ts;
		}
		n = kevent(kq, kc, nc, ke, (int)nevents, tsp);
		if (n >= 0 || errno != EINTR)
			break;
		nc = 0;
	}
	if (n < 0) {
		r = -errno;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		events[i].ident = (uint32_t)ke[i].ident;
		events[i].filter = ke[i].filter;
		events[i].flags = ke[i].flags;
		events[i].fflags = ke[i].fflags;
		events[i]._pad = 0;
		events[i].data = (int64_t)ke[i].data;
	}
	r = n;
out:
	free(kc);
	free(ke);
	return r;
}
