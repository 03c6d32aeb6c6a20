/*
 * kevent.c: a kqueue stand-in over channel fds. A kqueue is a process-local
 * table of knotes {ident = channel fd, filter, fflags, enabled}. Readiness is
 * evaluated as ch_event does, running the ring's sync: READ (an RX sync, then
 * the frames visible), WRITE (a TX sync, then the free TX slots), NW_CHANNEL (NOTE_CHANNEL_EVENT while
 * the event ring holds events: level; NOTE_IF_ADV_UPD once per report: edge).
 * When nothing is ready it blocks in poll() on the doorbells, never spins.
 * Wait protocol: raise `waiting`, fence, then loop drain -> evaluate -> poll;
 * a producer publishes, fences, and rings only when `waiting` is set, so
 * either the evaluation sees the data or the doorbell wakes the poll.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>

#include "sim.h"
#include "../knotes.h"

#define KQ_MAX 64
#define KN_MAX 32

struct kq {
	int used;
	struct knote kn[KN_MAX];
};
static struct kq kqs[KQ_MAX];
static pthread_mutex_t kmu = PTHREAD_MUTEX_INITIALIZER;

/* kmu held: NAF_CHANNEL_EVENT_ATTACHED follows the enabled NOTE_CHANNEL_EVENT knotes */
static void update_attached(uint32_t fd)
{
	struct channel *ch = sim_channel_by_fd((int)fd);
	if (ch == NULL)
		return;
	int on = 0;
	for (int q = 0; q < KQ_MAX; q++)
		for (int k = 0; kqs[q].used && k < KN_MAX; k++) {
			struct knote *n = &kqs[q].kn[k];
			if (n->used && n->enabled && n->ident == fd && n->filter == EVFILT_NW_CHANNEL &&
			    (n->sfflags & NOTE_CHANNEL_EVENT))
				on = 1;
		}
	atomic_store(&ch->sc->event_attached, on);
}

int32_t plat_kqueue(void)
{
	pthread_mutex_lock(&kmu);
	for (int q = 0; q < KQ_MAX; q++)
		if (!kqs[q].used) {
			memset(&kqs[q], 0, sizeof(kqs[q]));
			kqs[q].used = 1;
			pthread_mutex_unlock(&kmu);
			return q;
		}
	pthread_mutex_unlock(&kmu);
	return -EMFILE;
}

int32_t plat_kqueue_close(int32_t kq)
{
	pthread_mutex_lock(&kmu);
	if (kq < 0 || kq >= KQ_MAX || !kqs[kq].used) {
		pthread_mutex_unlock(&kmu);
		return -EBADF;
	}
	kqs[kq].used = 0;
	for (int k = 0; k < KN_MAX; k++)
		if (kqs[kq].kn[k].used && kqs[kq].kn[k].filter == EVFILT_NW_CHANNEL)
			update_attached(kqs[kq].kn[k].ident);
	pthread_mutex_unlock(&kmu);
	return 0;
}

/* closing a channel fd removes its knotes, as close(2) does */
void sim_kevent_forget_fd(int fd)
{
	pthread_mutex_lock(&kmu);
	for (int q = 0; q < KQ_MAX; q++)
		for (int k = 0; k < KN_MAX; k++)
			if (kqs[q].kn[k].used && kqs[q].kn[k].ident == (uint32_t)fd)
				kqs[q].kn[k].used = 0;
	pthread_mutex_unlock(&kmu);
}

/* kmu held; returns 0 or an errno */
static int apply(struct kq *q, const struct skt_kevent *c)
{
	if (c->filter == EVFILT_READ || c->filter == EVFILT_WRITE || c->filter == EVFILT_NW_CHANNEL)
		if (sim_channel_by_fd((int)c->ident) == NULL)
			return EBADF;
	int err = knote_apply(q->kn, KN_MAX, c);
	if (err == 0 && c->filter == EVFILT_NW_CHANNEL)
		update_attached(c->ident);
	return err;
}

static void emit(struct skt_kevent *e, const struct knote *n, uint32_t fflags, int64_t data)
{
	memset(e, 0, sizeof(*e));
	e->ident = n->ident;
	e->filter = n->filter;
	e->fflags = fflags;
	e->data = data;
}

static int evaluate(const struct knote *kn, int nk, struct skt_kevent *out, uint32_t nout)
{
	uint32_t n = 0;
	for (int k = 0; k < nk && n < nout; k++) {
		const struct knote *x = &kn[k];
		struct channel *ch = sim_channel_by_fd((int)x->ident);
		if (ch == NULL)
			continue;
		/* filt_chprocess -> ch_event (channel.c): evaluating a READ or
		 * WRITE knote runs the ring's RX or TX sync, prologue included */
		if (x->filter == EVFILT_READ) {
			sim_rx_sync(ch);
			int avail = (int)(ch->ca->rxh.tail - ch->ca->rxh.head);
			if (avail > 0)
				emit(&out[n++], x, 0, avail);
		} else if (x->filter == EVFILT_WRITE) {
			sim_tx_sync(ch);
			uint32_t avail = ch->ca->txh.tail - ch->ca->txh.head;
			if (avail > 0)
				emit(&out[n++], x, 0, avail);
		} else {
			uint32_t f = 0;
			if ((x->sfflags & NOTE_CHANNEL_EVENT) && sim_event_pending(ch))
				f |= NOTE_CHANNEL_EVENT;
			if ((x->sfflags & NOTE_IF_ADV_UPD) && atomic_exchange(&ch->sc->adv_pending, 0))
				f |= NOTE_IF_ADV_UPD;
			if (f)
				emit(&out[n++], x, f, 0);
		}
	}
	return (int)n;
}

int32_t plat_kevent(int32_t kq, const struct skt_kevent *changes, uint32_t nchanges,
    struct skt_kevent *events, uint32_t nevents, int64_t timeout_ns)
{
	if (!g_sim.attached)
		return -ENXIO;
	if ((nchanges && changes == NULL) || (nevents && events == NULL))
		return -EFAULT;
	struct knote kn[KN_MAX];
	int nk = 0;
	uint32_t nerr = 0;
	pthread_mutex_lock(&kmu);
	if (kq < 0 || kq >= KQ_MAX || !kqs[kq].used) {
		pthread_mutex_unlock(&kmu);
		return -EBADF;
	}
	for (uint32_t i = 0; i < nchanges; i++) {
		int err = apply(&kqs[kq], &changes[i]);
		if (err == 0)
			continue;
		if (nerr >= nevents) {   /* no room to report it: the call fails */
			pthread_mutex_unlock(&kmu);
			return -err;
		}
		events[nerr] = changes[i];
		events[nerr].flags = SKT_EV_ERROR;
		events[nerr].data = err;
		nerr++;
	}
	for (int k = 0; k < KN_MAX; k++)
		if (kqs[kq].kn[k].used && kqs[kq].kn[k].enabled)
			kn[nk++] = kqs[kq].kn[k];
	pthread_mutex_unlock(&kmu);
	if (nerr > 0)
		return (int32_t)nerr;
	if (nevents == 0)
		return 0;

	/* the channels this kqueue watches */
	struct channel *chs[SIM_MAX_CHAN];
	struct pollfd pfd[SIM_MAX_CHAN];
	int nch = 0;
	for (int k = 0; k < nk; k++) {
		struct channel *ch = sim_channel_by_fd((int)kn[k].ident);
		int dup = 0;
		for (int j = 0; j < nch; j++)
			dup |= chs[j] == ch;
		if (ch != NULL && !dup) {
			chs[nch] = ch;
			pfd[nch].fd = ch->fd;
			pfd[nch].events = POLLIN;
			nch++;
		}
	}
	uint64_t start = sim_now_ns();
	uint64_t deadline = timeout_ns < 0 ? UINT64_MAX : start + (uint64_t)timeout_ns;
	for (int j = 0; j < nch; j++)
		atomic_fetch_add(&chs[j]->sc->waiting, 1);
	atomic_thread_fence(memory_order_seq_cst);
	int n;
	for (;;) {
		for (int j = 0; j < nch; j++)
			sim_door_drain(chs[j]->fd);
		sim_adv_tick();
		n = evaluate(kn, nk, events, nevents);
		if (n > 0 || timeout_ns == 0)
			break;
		uint64_t now = sim_now_ns();
		if (now >= deadline)
			break;
		uint64_t wait = deadline - now, due = sim_adv_next_due();
		if (due != 0)
			wait = due > now ? (due - now < wait ? due - now : wait) : 0;
		int ms = wait == UINT64_MAX ? -1 :
		    wait / 1000000 >= INT_MAX ? INT_MAX : (int)((wait + 999999) / 1000000);
		poll(pfd, (nfds_t)nch, ms);
	}
	for (int j = 0; j < nch; j++)
		atomic_fetch_sub(&chs[j]->sc->waiting, 1);
	return n;
}
