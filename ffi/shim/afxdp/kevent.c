/*
 * kevent.c: a kqueue stand-in over AF_XDP sockets. A kqueue is a process-local
 * table of knotes {ident = channel fd (the socket), filter, fflags}.
 * Readiness: READ when RX frames are in slots after moving the socket's RX
 * ring in, WRITE when TX slots are free (a TX ring still holding frames is
 * kicked first, as poll(POLLOUT) does in copy mode), NW_CHANNEL never (AF_XDP
 * has no channel events or advisories). Otherwise it blocks in poll() on the
 * sockets (POLLIN / POLLOUT) for what is left of the timeout: it never spins.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "afxdp.h"
#include "../knotes.h"

#define KQ_MAX 16
#define KN_MAX 16

struct kq {
	int used;
	struct knote kn[KN_MAX];
};
static struct kq kqs[KQ_MAX];

int32_t plat_kqueue(void)
{
	for (int q = 0; q < KQ_MAX; q++)
		if (!kqs[q].used) {
			memset(&kqs[q], 0, sizeof(kqs[q]));
			kqs[q].used = 1;
			return q;
		}
	return -EMFILE;
}

int32_t plat_kqueue_close(int32_t kq)
{
	if (kq < 0 || kq >= KQ_MAX || !kqs[kq].used)
		return -EBADF;
	kqs[kq].used = 0;
	return 0;
}

static int apply(struct kq *q, const struct skt_kevent *c)
{
	if (c->filter == EVFILT_READ || c->filter == EVFILT_WRITE || c->filter == EVFILT_NW_CHANNEL)
		if (axp_channel_by_fd((int)c->ident) == NULL)
			return EBADF;
	return knote_apply(q->kn, KN_MAX, c);
}

static uint32_t evaluate(struct kq *q, struct skt_kevent *out, uint32_t nout)
{
	uint32_t n = 0;
	for (int k = 0; k < KN_MAX && n < nout; k++) {
		const struct knote *x = &q->kn[k];
		if (!x->used || !x->enabled)
			continue;
		struct channel *ch = axp_channel_by_fd((int)x->ident);
		if (ch == NULL)
			continue;
		uint32_t avail = 0;
		if (x->filter == EVFILT_READ)
			avail = axp_rx_pull(ch);
		else if (x->filter == EVFILT_WRITE)
			avail = axp_tx_free(ch);
		if (avail > 0) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].ident = x->ident;
			out[n].filter = x->filter;
			out[n].data = avail;
			n++;
		}
	}
	return n;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int32_t plat_kevent(int32_t kq, const struct skt_kevent *changes, uint32_t nchanges,
    struct skt_kevent *events, uint32_t nevents, int64_t timeout_ns)
{
	if (kq < 0 || kq >= KQ_MAX || !kqs[kq].used)
		return -EBADF;
	struct kq *q = &kqs[kq];
	for (uint32_t i = 0; i < nchanges; i++) {
		int err = apply(q, &changes[i]);
		if (err)
			return -err;
	}
	if (nevents == 0)
		return 0;
	int64_t deadline = timeout_ns < 0 ? -1 : now_ns() + timeout_ns;
	for (;;) {
		uint32_t n = evaluate(q, events, nevents);
		if (n > 0)
			return (int32_t)n;
		struct pollfd pf[KN_MAX];
		int np = 0;
		for (int k = 0; k < KN_MAX; k++) {
			const struct knote *x = &q->kn[k];
			if (!x->used || !x->enabled || x->filter == EVFILT_NW_CHANNEL)
				continue;
			pf[np].fd = (int)x->ident;
			pf[np].events = x->filter == EVFILT_READ ? POLLIN : POLLOUT;
			pf[np].revents = 0;
			np++;
		}
		int ms = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ns();
			if (left <= 0)
				return 0;
			ms = (int)((left + 999999) / 1000000);
		}
		int r = poll(pf, (nfds_t)np, ms);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r == 0 && deadline >= 0 && now_ns() >= deadline)
			return (int32_t)evaluate(q, events, nevents);
	}
}
