/*
 * afxdp_smoke.c: the afxdp backend end to end, without Deno (needs root).
 *
 *   afxdp_smoke [--packets N] [--batch N] [--pace-us N] [--bind auto|copy]
 *               [--pool shared|split] [--mode auto|drv|skb] [--keep-going]
 *
 * Makes two network namespaces (skt-smoke-<pid>-0/1) joined by a veth pair
 * feth0/feth1 (fixed MACs, MTU 1500, IPv6 off), writes the afxdp environment
 * file, forks one child per end; each opens a channel through the shim ABI
 * (skt_shim.h), sends N frames carrying their sequence number and receives the
 * peer's, then prints its counters: frames, sequence gaps, the socket's
 * XDP_STATISTICS, the veth's counters, the XDP mode. The namespaces (and with
 * them the veths and XDP programs) are deleted on every exit path of the parent.
 * Exit 0 when both ends received frames and each receiver's missing frames equal
 * the drops the kernel counted on its side; 1 otherwise; 77 when not root.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "skt_shim.h"
#include "skt_spi.h"

#define FRAME_LEN 1514
static uint32_t how_many = 20000, batch = 8, pace_us = 0;
static int upstream_loop;
static const char *bind_mode = "auto", *pool = "shared", *mode = "auto";
static char ns[2][64], envpath[128];
static int made_run_xdp;   /* libxdp's lock directory did not exist before: removed after */

static void die(const char *what, int32_t rc)
{
	char msg[256] = "";
	skt_last_error(msg, sizeof(msg));
	fprintf(stderr, "afxdp_smoke: %s: %d (%s)\n", what, rc, msg);
	exit(1);
}
#define OK(x) do { int32_t r_ = (x); if (r_ < 0) die(#x, r_); } while (0)

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : 1;
}

static void cleanup(void)
{
	for (int i = 0; i < 2; i++)
		if (ns[i][0])
			sh("ip netns del %s 2>/dev/null", ns[i]);
	if (envpath[0])
		unlink(envpath);
	if (made_run_xdp)
		rmdir("/run/xdp");
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int setup(void)
{
	snprintf(ns[0], sizeof(ns[0]), "skt-smoke-%d-0", (int)getpid());
	snprintf(ns[1], sizeof(ns[1]), "skt-smoke-%d-1", (int)getpid());
	made_run_xdp = access("/run/xdp", F_OK) != 0;
	for (int i = 0; i < 2; i++)
		if (sh("ip netns add %s", ns[i]))
			return -1;
	if (sh("ip link add feth0 netns %s address 66:65:74:68:00:00 mtu 1500 type veth "
	    "peer name feth1 netns %s address 66:65:74:68:00:01 mtu 1500", ns[0], ns[1]))
		return -1;
	for (int i = 0; i < 2; i++) {
		const char *s = "net.ipv6.conf";
		if (sh("ip netns exec %s sh -c 'sysctl -qw %s.feth%d.autoconf=0 %s.feth%d.accept_dad=0 "
		    "%s.feth%d.disable_ipv6=1 && ip link set feth%d up'", ns[i], s, i, s, i, s, i, i))
			return -1;
	}
	snprintf(envpath, sizeof(envpath), "/tmp/skt-smoke-%d.afxdp", (int)getpid());
	FILE *f = fopen(envpath, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "if feth0 %s\nif feth1 %s\nbind %s\npool %s\nmode %s\n", ns[0], ns[1], bind_mode, pool,
	    mode);
	return fclose(f);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int child_main(int i, int go_fd, int ready_fd)
{
	const char *ifname = i ? "feth1" : "feth0", *peer = i ? "feth0" : "feth1";
	OK(skt_env_attach(envpath));
	uint8_t mac[6], pmac[6], nx[16];
	OK(skt_ifnet_get_lladdr(ifname, mac));
	OK(skt_ifnet_get_lladdr(peer, pmac));
	uint64_t out = 0;
	OK(skt_nexus_controller_create(&out));
	skt_nxctl *ctl = (skt_nxctl *)(uintptr_t)out;
	OK(skt_ifnet_get_netif_nexus(ifname, nx));
	int32_t port = skt_nexus_flow_add(ctl, nx, NXFLOWREQF_IPV6_ULA, NULL, NULL);
	OK(port);
	int64_t attrs[] = { CHANNEL_ATTR_USER_PACKET_POOL, 1 }, eff[CHANNEL_ATTR_COUNT];
	OK(skt_channel_create(nx, (uint32_t)port, attrs, 1, eff, &out));
	skt_channel *ch = (skt_channel *)(uintptr_t)out;
	int fd = skt_channel_get_fd(ch);
	OK(fd);
	char go = 'r';
	if (write(ready_fd, &go, 1) != 1 || read(go_fd, &go, 1) != 1)
		return 1;

	uint8_t frame[FRAME_LEN], rbuf[2048], prop[64];
	memset(frame, 0xa5, sizeof(frame));
	memcpy(frame, pmac, 6);
	memcpy(frame + 6, mac, 6);
	frame[12] = 0x86;
	frame[13] = 0xdd;
	int32_t kq = skt_kqueue();
	OK(kq);
	struct skt_kevent kev[2] = {
		{ .ident = (uint32_t)fd, .filter = EVFILT_WRITE, .flags = SKT_EV_ADD | SKT_EV_ENABLE },
		{ .ident = (uint32_t)fd, .filter = EVFILT_READ, .flags = SKT_EV_ADD | SKT_EV_ENABLE },
	}, ev[4];
	OK(skt_kevent(kq, (const uint8_t *)kev, 2, NULL, 0, 0));
	uint32_t sent = 0, received = 0, expect = 0, gaps = 0, last = 0;
	int tx_done = 0, rx_done = 0;
	uint64_t t0 = now_ns();
	/* --upstream-loop: end at the first of TX or RX done, as upstream's loop */
	while (upstream_loop ? !tx_done && !rx_done : !tx_done || !rx_done) {
		int32_t n = skt_kevent(kq, NULL, 0, (uint8_t *)ev, 4, 200000000);
		OK(n);
		if (n == 0)
			break;   /* the peer's last frames were lost, or it is done */
		for (int k = 0; k < n; k++) {
			if (ev[k].filter == EVFILT_WRITE && !tx_done) {
				int32_t s = -1, lasts = -1;
				for (uint32_t b = 0; b < batch && sent < how_many; b++) {
					s = skt_ring_get_next_slot(ch, SKT_RING_TX, lasts, prop);
					if (s < 0)
						break;
					int32_t pkt = skt_packet_alloc(ch);
					OK(pkt);
					memcpy(frame + 62, &sent, 4);
					OK(skt_buflet_set_data_offset(ch, (uint32_t)pkt, 0, 0));
					OK(skt_buflet_write(ch, (uint32_t)pkt, 0, 0, frame, FRAME_LEN));
					OK(skt_buflet_set_data_length(ch, (uint32_t)pkt, 0, FRAME_LEN));
					OK(skt_packet_finalize(ch, (uint32_t)pkt));
					OK(skt_ring_slot_attach_packet(ch, SKT_RING_TX, (uint32_t)s, (uint32_t)pkt));
					lasts = s;
					sent++;
				}
				if (lasts >= 0) {
					OK(skt_ring_advance_slot(ch, SKT_RING_TX, (uint32_t)lasts));
					OK(skt_channel_sync(ch, CHANNEL_SYNC_TX));
				}
				if (sent == how_many) {
					tx_done = 1;
					kev[0].flags = SKT_EV_DELETE;
					OK(skt_kevent(kq, (const uint8_t *)kev, 1, NULL, 0, 0));
				}
				if (pace_us)
					usleep(pace_us);
			} else if (ev[k].filter == EVFILT_READ) {
				int32_t s, lasts = -1;
				while ((s = skt_ring_get_next_slot(ch, SKT_RING_RX, lasts, prop)) >= 0) {
					int32_t pkt = skt_ring_slot_get_packet(ch, SKT_RING_RX, (uint32_t)s);
					OK(pkt);
					OK(skt_ring_slot_detach_packet(ch, SKT_RING_RX, (uint32_t)s, (uint32_t)pkt));
					int32_t len = skt_packet_get_data_length(ch, (uint32_t)pkt);
					int32_t off = skt_buflet_get_data_offset(ch, (uint32_t)pkt, 0);
					OK(skt_buflet_read(ch, (uint32_t)pkt, 0, (uint32_t)off, rbuf, (uint32_t)len));
					uint32_t seq;
					memcpy(&seq, rbuf + 62, 4);
					if (len != FRAME_LEN || memcmp(rbuf, mac, 6) != 0) {
						fprintf(stderr, "child %d: stray frame of %d bytes\n", i, len);
					} else {
						if (seq > expect)
							gaps += seq - expect;
						expect = seq + 1;
						last = seq;
						received++;
					}
					OK(skt_packet_free(ch, (uint32_t)pkt));
					lasts = s;
				}
				if (lasts >= 0) {
					OK(skt_ring_advance_slot(ch, SKT_RING_RX, (uint32_t)lasts));
					OK(skt_channel_sync(ch, CHANNEL_SYNC_RX));
				}
				if (expect == how_many)
					rx_done = 1;
			}
		}
	}
	double ms = (double)(now_ns() - t0) / 1e6;
	uint64_t st[SKT_STAT_AFXDP_COUNT];
	int32_t ns_ = skt_ifnet_get_stats(ifname, st, SKT_STAT_AFXDP_COUNT);
	OK(ns_);
	uint64_t tail = received ? how_many - 1 - last : how_many;
	uint64_t kernel = st[SKT_STAT_XSK_RX_DROPPED] + st[SKT_STAT_XSK_RX_RING_FULL];
	uint64_t unread = st[SKT_STAT_XSK_RX_UNREAD], in = st[SKT_STAT_LINK_RX_PACKETS];
	/* every frame the veth took in was read, is unread, or was counted dropped */
	int conserved = in == received + unread + kernel;
	printf("child %d: veth took in %" PRIu64 " = read %u + unread %" PRIu64 " + kernel drops %" PRIu64
	    " %s; gaps %u + drops after the last read frame %" PRIu64 "\n", i, in, received, unread, kernel,
	    conserved ? "(holds)" : "(DOES NOT HOLD)", gaps, kernel - gaps);
	printf("child %d: sent %u received %u gaps %u tail-lost %" PRIu64 " in %.1f ms (%.0f pps rx) | "
	    "mode %s zc %" PRIu64 " (tried %" PRIu64 ", errno %" PRIu64 ") | xsk rx_dropped %" PRIu64
	    " rx_ring_full %" PRIu64 " fill_empty %" PRIu64 " tx_invalid %" PRIu64 " | veth rx %" PRIu64
	    " rx_dropped %" PRIu64 " tx %" PRIu64 " tx_dropped %" PRIu64 " | tx addr [%" PRIu64 ", %" PRIu64
	    "] rx addr [%" PRIu64 ", %" PRIu64 "] rx-in-tx-half %" PRIu64 "\n",
	    i, sent, received, gaps, tail, ms, received / (ms / 1000),
	    st[SKT_STAT_XDP_MODE] == 1 ? "drv" : "skb", st[SKT_STAT_XDP_ZEROCOPY],
	    st[SKT_STAT_XDP_ZC_TRIED], st[SKT_STAT_XDP_ZC_ERRNO], st[SKT_STAT_XSK_RX_DROPPED],
	    st[SKT_STAT_XSK_RX_RING_FULL], st[SKT_STAT_XSK_FILL_EMPTY], st[SKT_STAT_XSK_TX_INVALID],
	    st[SKT_STAT_LINK_RX_PACKETS], st[SKT_STAT_LINK_RX_DROPPED], st[SKT_STAT_LINK_TX_PACKETS],
	    st[SKT_STAT_LINK_TX_DROPPED], st[SKT_STAT_TX_ADDR_MIN], st[SKT_STAT_TX_ADDR_MAX],
	    st[SKT_STAT_RX_ADDR_MIN], st[SKT_STAT_RX_ADDR_MAX], st[SKT_STAT_RX_FROM_TX_POOL]);
	fflush(stdout);
	skt_kqueue_close(kq);
	skt_channel_destroy(ch);
	skt_nexus_controller_destroy(ctl);
	/* the peer's frames this end never saw = the drops the kernel counted here */
	return received > 0 && conserved && gaps <= kernel && (upstream_loop || gaps + tail == kernel) ? 0 : 3;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i += 2) {
		if (!strcmp(argv[i], "--upstream-loop")) { upstream_loop = 1; i--; continue; }
		if (i + 1 >= argc) { fprintf(stderr, "afxdp_smoke: %s needs a value\n", argv[i]); return 2; }
		if (!strcmp(argv[i], "--packets")) how_many = (uint32_t)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--batch")) batch = (uint32_t)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--pace-us")) pace_us = (uint32_t)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--bind")) bind_mode = argv[i + 1];
		else if (!strcmp(argv[i], "--pool")) pool = argv[i + 1];
		else if (!strcmp(argv[i], "--mode")) mode = argv[i + 1];
		else { fprintf(stderr, "afxdp_smoke: unknown option %s\n", argv[i]); return 2; }
	}
	if (geteuid() != 0) {
		fprintf(stderr, "afxdp_smoke: skipped: needs root (network namespaces, XDP)\n");
		return 77;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	int rc = 1;
	if (setup() != 0) {
		fprintf(stderr, "afxdp_smoke: setup failed\n");
		cleanup();
		return 1;
	}
	int go[2][2], ready[2];
	pid_t pid[2];
	if (pipe(ready) != 0)
		goto out;
	fflush(stdout);
	for (int i = 0; i < 2; i++) {
		if (pipe(go[i]) != 0)
			goto out;
		pid[i] = fork();
		if (pid[i] == 0) {
			close(go[i][1]);
			_exit(child_main(i, go[i][0], ready[1]));
		}
		close(go[i][0]);
	}
	/* both sockets open before either sends: one ready byte from each */
	for (int i = 0; i < 2; i++) {
		char r;
		if (read(ready[0], &r, 1) != 1)
			goto out;
	}
	for (int i = 0; i < 2; i++)
		if (write(go[i][1], "g", 1) != 1)
			goto out;
	rc = 0;
	for (int i = 0; i < 2; i++) {
		int status;
		waitpid(pid[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "afxdp_smoke: child %d %s %d\n", i,
			    WIFEXITED(status) ? "exited" : "died by signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			rc = 1;
		}
	}
out:
	cleanup();
	return rc;
}
