/*
 * capture.c: what crosses the feth pair, recorded for `--pcap` (test knob
 * debug.sim.capture). The sim's "wire" is the moment a frame lands in the
 * peer channel's RX ring (deliver in txsync.c): frames dropped before that
 * (driver drops, a full RX ring, no flow, no memory) never reach the peer, as
 * on a link they would never be on the wire; a frame corrupted by
 * debug.sim.corrupt_frame is recorded as corrupted, as a tap would see it.
 *
 * The sending process appends, per sending interface, to
 * <domain>/capture-<ifname>.bin records of
 *     u64 CLOCK_REALTIME ns | u32 captured length | u32 frame length | bytes
 * in host byte order, unpadded. Records are buffered per process and written
 * with one O_APPEND write per TX sync (whole records, never interleaved with
 * another process's). The parent reads and removes the files after the run
 * and writes pcapng (scenarios: capture). When the knob is off the data path
 * pays one relaxed load per frame and one branch per sync.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#define CAP_BUF (256u * 1024u)
#define CAP_HDR 16u

struct cap_out {
	int      fd;       /* -1 = not open */
	uint32_t gen;      /* the interface's generation the fd was opened for */
	uint32_t used;
	uint8_t  buf[CAP_BUF];
};

static struct cap_out g_out[SIM_MAX_IF];
static uint32_t g_pending;    /* interfaces with buffered records, bit per index */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void cap_init(void)
{
	for (int i = 0; i < SIM_MAX_IF; i++)
		g_out[i].fd = -1;
}

static void cap_write(struct cap_out *o)
{
	uint32_t off = 0;
	while (off < o->used) {
		ssize_t n = write(o->fd, o->buf + off, o->used - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;           /* a full disk loses the capture, never the run */
		off += (uint32_t)n;
	}
	o->used = 0;
}

static int cap_open(struct cap_out *o, const struct sim_ifnet *ifp)
{
	if (o->fd >= 0 && o->gen == ifp->gen)
		return 0;
	if (o->fd >= 0) {
		cap_write(o);
		close(o->fd);
	}
	char path[320];
	snprintf(path, sizeof(path), "%s/capture-%s.bin", g_sim.dir, ifp->name);
	o->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	o->gen = ifp->gen;
	o->used = 0;
	return o->fd < 0 ? -1 : 0;
}

void sim_capture_frame(const struct sim_ifnet *ifp, const uint8_t *frame, uint32_t len)
{
	int idx = (int)(ifp - g_sim.hdr->ifs);
	if (idx < 0 || idx >= SIM_MAX_IF || len > SIM_BUF_SIZE)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	pthread_once(&g_once, cap_init);
	pthread_mutex_lock(&g_mu);
	struct cap_out *o = &g_out[idx];
	if (cap_open(o, ifp) == 0) {
		if (o->used + CAP_HDR + len > CAP_BUF)
			cap_write(o);
		uint8_t *p = o->buf + o->used;
		memcpy(p, &ns, 8);
		memcpy(p + 8, &len, 4);
		memcpy(p + 12, &len, 4);
		memcpy(p + CAP_HDR, frame, len);
		o->used += CAP_HDR + len;
		g_pending |= 1u << idx;
	}
	pthread_mutex_unlock(&g_mu);
}

void sim_capture_flush(void)
{
	pthread_mutex_lock(&g_mu);
	for (int i = 0; i < SIM_MAX_IF; i++)
		if (g_pending & (1u << i))
			cap_write(&g_out[i]);
	g_pending = 0;
	pthread_mutex_unlock(&g_mu);
}
