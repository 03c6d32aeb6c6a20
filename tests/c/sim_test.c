/*
 * sim_test.c: tests of the sim backend through the exported shim ABI
 * (skt_shim.h), plus the cross-process lock (sim/lock.c, linked in directly:
 * its symbols are hidden in the library). No framework: prints "ok N - name" / "not ok N - name"
 * and a final "N passed, N failed" line; exits 1 on any failure.
 * One file past the usual size on purpose: one binary whose tests share the fixtures and the
 * pair P that the data-path tests set up, use and tear down in order.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "skt_shim.h"
#include "skt_spi.h"
#include "sim/sim.h"

/* ------------------------------------------------------------- harness */

static int n_pass, n_fail, cur_failed;
static char cur_msg[512];

#define CHECK(cond, ...) do { if (!(cond)) { check_fail(__LINE__, #cond, __VA_ARGS__); return; } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) { check_fail(__LINE__, #a " == " #b, "%lld != %lld", a_, b_); return; } } while (0)
#define CHECK_OK(call) do { long long r_ = (long long)(call); \
	if (r_ < 0) { check_fail(__LINE__, #call, "returned %lld (%s)", r_, last_error()); return; } } while (0)

static const char *last_error(void)
{
	static char buf[256];
	skt_last_error(buf, sizeof(buf));
	return buf;
}

static void check_fail(int line, const char *expr, const char *fmt, ...)
{
	char detail[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	snprintf(cur_msg, sizeof(cur_msg), "line %d: %s: %s", line, expr, detail);
	cur_failed = 1;
}

static void run(const char *name, void (*fn)(void))
{
	static int n;
	cur_failed = 0;
	cur_msg[0] = '\0';
	fn();
	n++;
	if (cur_failed) {
		n_fail++;
		printf("not ok %d - %s\n#   %s\n", n, name, cur_msg);
	} else {
		n_pass++;
		printf("ok %d - %s\n", n, name);
	}
	fflush(stdout);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ fixtures */

static char dom[256];

static const uint8_t IP_A[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0x01, 0x01 };
static const uint8_t IP_B[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0x02, 0x02 };
static const uint8_t IP_X[16] = { 0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99 };

#ifndef PACE_US
#define PACE_US 1      /* the upstream test's usleep(1) per batch */
#endif
#define FRAME_LEN 1514
#define SEQ_OFF   62   /* Ethernet 14 + IPv6 40 + UDP 8 */

static int sysctl_int(const char *name, int32_t v)
{
	return skt_sysctlbyname(name, NULL, NULL, &v, sizeof(v));
}

static int32_t sysctl_get(const char *name)
{
	int32_t v = -1;
	uint32_t len = sizeof(v);
	if (skt_sysctlbyname(name, &v, &len, NULL, 0) < 0)
		return -1;
	return v;
}

static int domain_new(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(dom, sizeof(dom), "%s/skt-sim-test-%d", base, (int)getpid());
	skt_env_destroy(dom);
	if (skt_env_create(dom) < 0)
		return -1;
	/* what the netifdirect inits and sktc_ifnet_feth_pair_create set */
	sysctl_int("net.link.fake.bsd_mode", 0);
	sysctl_int("net.link.fake.llink_cnt", 1);
	sysctl_int("net.link.fake.user_access", 1);
	sysctl_int("kern.skywalk.disable_nxctl_check", 1);
	return skt_sysctlbyname("kern.skywalk.netif.sk_ll_prefix", NULL, NULL, "feth", 4);
}

static void domain_end(void)
{
	skt_env_destroy(dom);
}

struct side {
	skt_channel *ch;
	int port;
	const uint8_t *me, *peer;
	char ifname[16];
};
struct pair {
	skt_nxctl *ctl;
	struct side s[2];
};

static int open_side(struct pair *p, int i, const char *ifname, int evring)
{
	struct side *s = &p->s[i];
	uint8_t uuid[16];
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	s->me = i == 0 ? IP_A : IP_B;
	s->peer = i == 0 ? IP_B : IP_A;
	if (skt_ifnet_get_netif_nexus(ifname, uuid) < 0)
		return -1;
	if (skt_nexus_flow_add(p->ctl, uuid, NXFLOWREQF_IPV6_ULA | NXFLOWREQF_LISTENER, NULL, NULL) < 0)
		return -1;
	s->port = skt_nexus_flow_add(p->ctl, uuid, NXFLOWREQF_IPV6_ULA, s->me, s->peer);
	if (s->port < 0)
		return -1;
	int64_t attrs[] = { CHANNEL_ATTR_USER_PACKET_POOL, 1, CHANNEL_ATTR_NEXUS_DEFUNCT_OK, 1,
		CHANNEL_ATTR_EVENT_RING, 1 };
	uint64_t out;
	if (skt_channel_create(uuid, (uint32_t)s->port, attrs, evring ? 3 : 2, NULL, &out) < 0)
		return -1;
	s->ch = (skt_channel *)(uintptr_t)out;
	return 0;
}

/* feth pair named a/b (knobs already set), peered, one flow + channel each */
static int pair_open(struct pair *p, const char *a, const char *b, int evring)
{
	memset(p, 0, sizeof(*p));
	uint64_t out;
	if (skt_ifnet_create(a) < 0 || skt_ifnet_create(b) < 0 || skt_ifnet_set_up(a) < 0 ||
	    skt_ifnet_set_up(b) < 0 || skt_feth_set_peer(a, b) < 0 || skt_nexus_controller_create(&out) < 0)
		return -1;
	p->ctl = (skt_nxctl *)(uintptr_t)out;
	return open_side(p, 0, a, evring) < 0 || open_side(p, 1, b, evring) < 0 ? -1 : 0;
}

static void pair_close(struct pair *p)
{
	for (int i = 0; i < 2; i++) {
		if (p->s[i].ch)
			skt_channel_destroy(p->s[i].ch);
		p->s[i].ch = NULL;
	}
	if (p->ctl)
		skt_nexus_controller_destroy(p->ctl);
	p->ctl = NULL;
	skt_ifnet_destroy(p->s[0].ifname);
	skt_ifnet_destroy(p->s[1].ifname);
}

static void build_frame(uint8_t *f, const uint8_t *src, const uint8_t *dst, uint32_t seq)
{
	memset(f, 0, FRAME_LEN);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	uint16_t plen = FRAME_LEN - 54;
	f[18] = (uint8_t)(plen >> 8);
	f[19] = (uint8_t)plen;
	f[20] = 17;
	f[21] = 64;
	memcpy(f + 22, src, 16);
	memcpy(f + 38, dst, 16);
	memcpy(f + SEQ_OFF, &seq, 4);
	for (int i = SEQ_OFF + 4; i < FRAME_LEN; i++)
		f[i] = (uint8_t)(i & 0xff);
}

struct send_opts {
	const uint8_t *dst;      /* override the frame's IPv6 dst */
	int64_t expire_delta;    /* mach ticks relative to now; 0 = none */
	int no_sync;             /* queue and advance only */
	int set_action;          /* set expiry action `action` on each packet */
	uint32_t action;
	const uint8_t *mac_dst;  /* override the frame's destination MAC */
};

static void pktid_for(uint8_t id[16], uint32_t seq)
{
	packet_id_t pid = { OS_PACKET_PKTID_VERSION_CURRENT, 0xFA, (uint16_t)seq, seq, 0xFB, 0 };
	memcpy(id, &pid, 16);
}

/* sends up to n frames (one TX sync); returns how many were queued or -errno */
static int send_batch(struct side *s, int n, uint32_t *seq, const struct send_opts *o)
{
	uint8_t frame[FRAME_LEN], id[16];
	int prev = -1, sent = 0;
	for (; sent < n; sent++) {
		int slot = skt_ring_get_next_slot(s->ch, SKT_RING_TX, prev, NULL);
		if (slot < -1)
			return slot;
		if (slot < 0)
			break;
		int pkt = skt_packet_alloc(s->ch);
		if (pkt <= 0)
			return pkt;
		build_frame(frame, s->me, o && o->dst ? o->dst : s->peer, *seq);
		if (o && o->mac_dst)
			memcpy(frame, o->mac_dst, 6);
		if (skt_buflet_write(s->ch, (uint32_t)pkt, 0, 0, frame, FRAME_LEN) < 0 ||
		    skt_buflet_set_data_length(s->ch, (uint32_t)pkt, 0, FRAME_LEN) < 0 ||
		    skt_packet_set_link_header_length(s->ch, (uint32_t)pkt, 14) < 0)
			return -EIO;
		pktid_for(id, *seq);
		skt_packet_set_packetid(s->ch, (uint32_t)pkt, id);
		if (o && o->expire_delta)
			skt_packet_set_expire_time(s->ch, (uint32_t)pkt,
			    (uint64_t)((int64_t)skt_mach_absolute_time() + o->expire_delta));
		if (o && o->set_action)
			skt_packet_set_expiry_action(s->ch, (uint32_t)pkt, o->action);
		int r = skt_packet_finalize(s->ch, (uint32_t)pkt);
		if (r < 0)
			return r;
		r = skt_ring_slot_attach_packet(s->ch, SKT_RING_TX, (uint32_t)slot, (uint32_t)pkt);
		if (r < 0)
			return r;
		prev = slot;
		(*seq)++;
	}
	if (prev >= 0) {
		int r = skt_ring_advance_slot(s->ch, SKT_RING_TX, (uint32_t)prev);
		if (r < 0)
			return r;
		r = o && o->no_sync ? 0 : skt_channel_sync(s->ch, CHANNEL_SYNC_TX);
		if (r < 0)
			return r;
	}
	return sent;
}

/* receives everything visible after an RX sync; seqs[] gets the sequence numbers */
static int recv_all(struct side *s, uint32_t *seqs, int max)
{
	int got = 0;
	if (skt_channel_sync(s->ch, CHANNEL_SYNC_RX) < 0)
		return -1;
	for (;;) {
		int prev = -1, n = 0;
		for (;;) {
			uint8_t prop[64];
			int slot = skt_ring_get_next_slot(s->ch, SKT_RING_RX, prev, prop);
			if (slot < -1)
				return -1;
			if (slot < 0)
				break;
			int pkt = skt_ring_slot_get_packet(s->ch, SKT_RING_RX, (uint32_t)slot);
			if (pkt <= 0 || skt_ring_slot_detach_packet(s->ch, SKT_RING_RX, (uint32_t)slot, (uint32_t)pkt) < 0)
				return -1;
			uint32_t seq = 0;
			if (skt_buflet_read(s->ch, (uint32_t)pkt, 0, SEQ_OFF, (uint8_t *)&seq, 4) < 0)
				return -1;
			if (got < max && seqs)
				seqs[got] = seq;
			got++;
			n++;
			if (skt_packet_free(s->ch, (uint32_t)pkt) < 0)
				return -1;
			prev = slot;
		}
		if (prev < 0)
			break;
		if (skt_ring_advance_slot(s->ch, SKT_RING_RX, (uint32_t)prev) < 0 ||
		    skt_channel_sync(s->ch, CHANNEL_SYNC_RX) < 0)
			return -1;
	}
	return got;
}

static uint64_t stat_of(const char *ifname, int which)
{
	uint64_t st[SKT_STAT_COUNT] = { 0 };
	skt_ifnet_get_stats(ifname, st, SKT_STAT_COUNT);
	return st[which];
}

/* open descriptors (dup succeeds only on an open fd) */
static int count_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++) {
		int d = dup(fd);
		if (d >= 0) {
			close(d);
			n++;
		}
	}
	return n;
}

static struct skt_kevent kev(uint32_t ident, int16_t filter, uint16_t flags, uint32_t fflags)
{
	struct skt_kevent k;
	memset(&k, 0, sizeof(k));
	k.ident = ident;
	k.filter = filter;
	k.flags = flags;
	k.fflags = fflags;
	return k;
}

/* ----------------------------------------------------------------- tests */

static void t_domain(void)
{
	char other[300];
	CHECK_OK(domain_new());
	CHECK_EQ(skt_env_create(dom), -EEXIST);
	CHECK_EQ(skt_env_attach(dom), 0);          /* same domain: no-op */
	CHECK_EQ(skt_env_detach(), 0);
	CHECK_EQ(skt_env_detach(), -ENXIO);
	CHECK_EQ(skt_env_attach(dom), 0);
	snprintf(other, sizeof(other), "%s-other", dom);
	CHECK_EQ(skt_env_attach(other), -EBUSY);
	char name[16] = { 0 };
	CHECK_EQ(skt_backend_name(name, sizeof(name)), 3);
	CHECK(strcmp(name, "sim") == 0, "backend %s", name);
	CHECK_EQ(skt_abi_version(), SKT_SHIM_ABI_VERSION);
	CHECK_EQ(skt_env_destroy(dom), 0);
	CHECK_EQ(skt_env_attach(dom), -ENOENT);
	CHECK(strstr(last_error(), "skt_env_attach") != NULL, "message: %s", last_error());
	CHECK_EQ(skt_env_destroy(dom), -ENOENT);
}

static void t_sysctl(void)
{
	CHECK_OK(domain_new());
	CHECK_EQ(sysctl_get("net.link.fake.tx_drops"), 0);
	CHECK_EQ(sysctl_int("net.link.fake.tx_drops", 100), 0);
	CHECK_EQ(sysctl_get("net.link.fake.tx_drops"), 100);
	CHECK_EQ(sysctl_get("net.link.fake.qset_cnt"), 4);
	CHECK_EQ(sysctl_get("debug.sim.timebase_numer"), 125);
	CHECK_EQ(sysctl_int("net.link.fake.nope", 1), -ENOENT);
	int64_t big = 1;
	CHECK_EQ(skt_sysctlbyname("net.link.fake.tx_drops", NULL, NULL, &big, 8), -EINVAL);
	CHECK_EQ(sysctl_int("net.link.fake.if_adv_intvl", 5), -EINVAL);
	CHECK_EQ(sysctl_int("net.link.fake.tx_exp_policy", 4), -EINVAL);
	uint64_t feat = 0;
	uint32_t len = sizeof(feat);
	CHECK_OK(skt_sysctlbyname("kern.skywalk.features", &feat, &len, NULL, 0));
	CHECK_EQ(len, 8);
	CHECK_EQ(feat & 0x221, 0x221);
	CHECK_EQ(feat, 0x2fb);
	CHECK_EQ(skt_sysctlbyname("kern.skywalk.features", NULL, NULL, &feat, 8), -EPERM);
	int32_t small;
	len = 2;
	CHECK_EQ(skt_sysctlbyname("net.link.fake.tx_drops", &small, &len, NULL, 0), -ENOMEM);
	char pfx[32];
	len = sizeof(pfx);
	CHECK_OK(skt_sysctlbyname("kern.skywalk.netif.sk_ll_prefix", pfx, &len, NULL, 0));
	CHECK(strcmp(pfx, "feth") == 0 && len == 5, "prefix %s len %u", pfx, len);
	domain_end();
}

static void t_feth(void)
{
	CHECK_OK(domain_new());
	CHECK_OK(skt_ifnet_create("feth0"));
	CHECK_OK(skt_ifnet_create("feth1"));
	CHECK_EQ(skt_ifnet_create("feth0"), -EEXIST);
	CHECK_EQ(skt_ifnet_create("eth0"), -EINVAL);
	CHECK_EQ(skt_ifnet_destroy("feth9"), -ENXIO);
	CHECK_EQ(skt_feth_set_peer("feth0", "feth9"), -ENXIO);
	CHECK_EQ(skt_feth_set_peer("feth0", "feth0"), -EINVAL);
	CHECK_OK(skt_feth_set_peer("feth0", "feth1"));
	CHECK_EQ(skt_feth_set_peer("feth1", "feth0"), -EBUSY);
	uint8_t mac[6], want[6] = { 'f', 'e', 't', 'h', 0, 1 };
	CHECK_OK(skt_ifnet_get_lladdr("feth1", mac));
	CHECK(memcmp(mac, want, 6) == 0, "mac %02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	uint8_t u0[16], u1[16], u0b[16], zero[16] = { 0 };
	CHECK_OK(skt_ifnet_get_netif_nexus("feth0", u0));
	CHECK_OK(skt_ifnet_get_netif_nexus("feth1", u1));
	CHECK_OK(skt_ifnet_get_netif_nexus("feth0", u0b));
	CHECK(memcmp(u0, u1, 16) != 0 && memcmp(u0, zero, 16) != 0 && memcmp(u0, u0b, 16) == 0, "uuids");
	/* a compat (bsd_mode=1) interface has no netif nexus */
	CHECK_OK(sysctl_int("net.link.fake.bsd_mode", 1));
	CHECK_OK(skt_ifnet_create("feth7"));
	CHECK_EQ(skt_ifnet_get_netif_nexus("feth7", u0b), -ENXIO);
	CHECK_OK(skt_ifnet_destroy("feth7"));
	/* pktpool modes must match to peer */
	CHECK_OK(sysctl_int("net.link.fake.bsd_mode", 0));
	CHECK_OK(sysctl_int("net.link.fake.pktpool_mode", 2));
	CHECK_OK(skt_ifnet_create("feth5"));
	CHECK_OK(sysctl_int("net.link.fake.pktpool_mode", 0));
	CHECK_OK(skt_ifnet_create("feth6"));
	CHECK_EQ(skt_feth_set_peer("feth5", "feth6"), -EINVAL);
	CHECK_OK(skt_ifnet_destroy("feth0"));
	CHECK_OK(skt_feth_set_peer("feth1", "feth6"));   /* destroy unpeered feth1 */
	domain_end();
}

static void t_flow_and_channel(void)
{
	CHECK_OK(domain_new());
	CHECK_OK(skt_ifnet_create("feth0"));
	uint8_t uuid[16], bogus[16] = { 1, 2, 3 };
	CHECK_OK(skt_ifnet_get_netif_nexus("feth0", uuid));
	uint64_t out;
	CHECK_OK(skt_nexus_controller_create(&out));
	skt_nxctl *ctl = (skt_nxctl *)(uintptr_t)out;
	CHECK_OK(sysctl_int("kern.skywalk.disable_nxctl_check", 0));
	CHECK_EQ(skt_nexus_flow_add(ctl, uuid, NXFLOWREQF_IPV6_ULA, IP_A, IP_B), -ENOENT);
	CHECK_OK(sysctl_int("kern.skywalk.disable_nxctl_check", 1));
	CHECK_EQ(skt_nexus_flow_add(ctl, bogus, NXFLOWREQF_IPV6_ULA, IP_A, IP_B), -ENOENT);
	/* a listener flow binds no port: nfr_nx_port comes back as NEXUS_PORT_ANY */
	CHECK_EQ(skt_nexus_flow_add(ctl, uuid, NXFLOWREQF_IPV6_ULA | NXFLOWREQF_LISTENER, NULL, NULL),
	    NEXUS_PORT_ANY);
	int port = skt_nexus_flow_add(ctl, uuid, NXFLOWREQF_IPV6_ULA, IP_A, IP_B);
	CHECK_EQ(port, 2);
	/* the same local:remote pair again: the existing flow's port */
	CHECK_EQ(skt_nexus_flow_add(ctl, uuid, NXFLOWREQF_IPV6_ULA, IP_A, IP_B), port);

	int64_t upp[] = { CHANNEL_ATTR_USER_PACKET_POOL, 1, CHANNEL_ATTR_NEXUS_DEFUNCT_OK, 1 };
	int64_t noupp[] = { CHANNEL_ATTR_NEXUS_DEFUNCT_OK, 1 };
	int64_t evnoupp[] = { CHANNEL_ATTR_EVENT_RING, 1 };
	int64_t ro[] = { CHANNEL_ATTR_TX_SLOTS, 64 };
	int64_t eff[CHANNEL_ATTR_COUNT];
	CHECK_EQ(skt_channel_create(bogus, (uint32_t)port, upp, 2, eff, &out), -ENOENT);
	CHECK_EQ(skt_channel_create(uuid, 9, upp, 2, eff, &out), -EINVAL);
	CHECK_EQ(skt_channel_create(uuid, (uint32_t)port, noupp, 1, eff, &out), -EINVAL);
	CHECK_EQ(skt_channel_create(uuid, (uint32_t)port, evnoupp, 1, eff, &out), -EINVAL);
	CHECK_EQ(skt_channel_create(uuid, (uint32_t)port, ro, 1, eff, &out), -ENOTSUP);
	CHECK(strstr(last_error(), "os_channel_attr_set") != NULL, "message: %s", last_error());
	CHECK_OK(skt_channel_create(uuid, (uint32_t)port, upp, 2, eff, &out));
	skt_channel *ch = (skt_channel *)(uintptr_t)out;
	/* the provider's parameters: a logical-link native netif has 2 and 2
	 * (nx_netif_prov_params_adjust), whatever its rings hold */
	CHECK_EQ(eff[CHANNEL_ATTR_TX_SLOTS], 2);
	CHECK_EQ(eff[CHANNEL_ATTR_RX_SLOTS], 2);
	CHECK_EQ(eff[25], 112);   /* NEXUS_ADV_SIZE: sizeof(struct netif_nexus_advisory) */
	CHECK_EQ(eff[CHANNEL_ATTR_SLOT_BUF_SIZE], 2048);
	CHECK_EQ(eff[CHANNEL_ATTR_USER_PACKET_POOL], 1);
	CHECK_EQ(eff[CHANNEL_ATTR_EVENT_RING], 0);
	CHECK(eff[32] != -1, "all attrs readable");
	CHECK_EQ(skt_channel_create(uuid, (uint32_t)port, upp, 2, eff, &out), -EBUSY);
	CHECK(skt_channel_get_fd(ch) >= 0, "fd");
	/* no flow on port 3: nothing to open */
	CHECK_EQ(skt_channel_create(uuid, 3, upp, 2, eff, &out), -EINVAL);
	skt_channel_destroy(ch);
	skt_nexus_controller_destroy(ctl);
	/* the controller's flows went with it */
	CHECK_EQ(skt_channel_create(uuid, (uint32_t)port, upp, 2, eff, &out), -EINVAL);
	domain_end();
}

static struct pair P;   /* feth0 <-> feth1, shared by the data-path tests */

static void t_pair_setup(void)
{
	CHECK_OK(domain_new());
	CHECK_OK(pair_open(&P, "feth0", "feth1", 0));
}

/* a 512-slot ring holds 511: one slot stays empty (os_channel_available_slot_count) */
static void t_tx_ring_full(void)
{
	struct side *s = &P.s[0];
	CHECK_EQ(skt_ring_available_slots(s->ch, SKT_RING_TX), 511);
	int prev = -1, n = 0;
	for (;;) {
		int slot = skt_ring_get_next_slot(s->ch, SKT_RING_TX, prev, NULL);
		if (slot < 0)
			break;
		CHECK_EQ(slot, n);
		prev = slot;
		n++;
	}
	CHECK_EQ(n, 511);
	CHECK_EQ(skt_ring_get_next_slot(s->ch, SKT_RING_TX, prev, NULL), -1);
	/* fill the ring for real: 511 frames attached (the 512th ask says "none",
	 * not an error) and advanced: head == tail, nothing to hand out until a sync */
	uint32_t seq = 0;
	struct send_opts queue_only = { .no_sync = 1 };
	CHECK_EQ(send_batch(s, 600, &seq, &queue_only), 511);
	CHECK_EQ(skt_ring_get_next_slot(s->ch, SKT_RING_TX, -1, NULL), -1);
	CHECK_EQ(skt_ring_available_slots(s->ch, SKT_RING_TX), 0);
	CHECK_EQ(stat_of("feth0", SKT_STAT_TX_PACKETS), 0);
	CHECK_OK(skt_channel_sync(s->ch, CHANNEL_SYNC_TX));
	/* slots are tokens counting on from the channel's open, not ring indexes */
	CHECK_EQ(skt_ring_get_next_slot(s->ch, SKT_RING_TX, -1, NULL), 511);
	CHECK_EQ(stat_of("feth0", SKT_STAT_TX_DELIVERED), 511);
	CHECK_EQ(skt_ring_available_slots(s->ch, SKT_RING_TX), 511);
	CHECK_EQ(recv_all(&P.s[1], NULL, 0), 511);
}

static void t_empty_rx(void)
{
	CHECK_EQ(skt_ring_get_next_slot(P.s[1].ch, SKT_RING_RX, -1, NULL), -1);
	CHECK_EQ(skt_ring_available_slots(P.s[1].ch, SKT_RING_RX), 0);
	CHECK_OK(skt_channel_sync(P.s[1].ch, CHANNEL_SYNC_RX));
	CHECK_EQ(skt_ring_get_next_slot(P.s[1].ch, SKT_RING_RX, -1, NULL), -1);
}

static void t_real_copy(void)
{
	struct side *s = &P.s[0], *r = &P.s[1];
	uint8_t frame[FRAME_LEN], got[FRAME_LEN], id[16], id2[16];
	build_frame(frame, s->me, s->peer, 4242);
	int slot = skt_ring_get_next_slot(s->ch, SKT_RING_TX, -1, NULL);
	CHECK(slot >= 0, "tx slot");
	int pkt = skt_packet_alloc(s->ch);
	CHECK(pkt > 0, "alloc %d", pkt);
	CHECK_EQ(skt_packet_get_buflet_count(s->ch, (uint32_t)pkt), 1);
	CHECK_EQ(skt_packet_get_next_buflet(s->ch, (uint32_t)pkt, -1), 0);
	CHECK_EQ(skt_packet_get_next_buflet(s->ch, (uint32_t)pkt, 0), -1);
	CHECK_EQ(skt_buflet_get_data_limit(s->ch, (uint32_t)pkt, 0), 2048);
	CHECK_EQ(skt_buflet_write(s->ch, (uint32_t)pkt, 0, 2000, frame, 100), -EINVAL);
	CHECK_OK(skt_buflet_write(s->ch, (uint32_t)pkt, 0, 0, frame, FRAME_LEN));
	CHECK_OK(skt_buflet_set_data_length(s->ch, (uint32_t)pkt, 0, FRAME_LEN));
	pktid_for(id, 4242);
	CHECK_OK(skt_packet_set_packetid(s->ch, (uint32_t)pkt, id));
	uint64_t addr = skt_buflet_get_object_address(s->ch, (uint32_t)pkt, 0);
	CHECK(addr != 0, "object address");
	CHECK_OK(skt_packet_finalize(s->ch, (uint32_t)pkt));
	CHECK_EQ(skt_packet_get_data_length(s->ch, (uint32_t)pkt), FRAME_LEN);
	CHECK_OK(skt_ring_slot_attach_packet(s->ch, SKT_RING_TX, (uint32_t)slot, (uint32_t)pkt));
	CHECK_OK(skt_ring_advance_slot(s->ch, SKT_RING_TX, (uint32_t)slot));
	CHECK_OK(skt_channel_sync(s->ch, CHANNEL_SYNC_TX));
	memset((void *)(uintptr_t)addr, 0xEE, FRAME_LEN);   /* scribble on the sender's buffer */

	CHECK_OK(skt_channel_sync(r->ch, CHANNEL_SYNC_RX));
	uint8_t prop[64];
	int rs = skt_ring_get_next_slot(r->ch, SKT_RING_RX, -1, prop);
	CHECK(rs >= 0, "rx slot");
	slot_prop_t sp;
	memcpy(&sp, prop, sizeof(sp));
	int rp = skt_ring_slot_get_packet(r->ch, SKT_RING_RX, (uint32_t)rs);
	CHECK(rp > 0, "rx packet");
	CHECK_EQ(skt_ring_slot_get_packet(r->ch, SKT_RING_RX, (uint32_t)rs), rp);  /* same handle */
	CHECK_EQ(sp.sp_len, FRAME_LEN);
	uint64_t raddr = skt_buflet_get_object_address(r->ch, (uint32_t)rp, 0);
	CHECK_EQ(sp.sp_buf_ptr, raddr + (uint64_t)skt_buflet_get_data_offset(r->ch, (uint32_t)rp, 0));
	CHECK(raddr != addr, "receiver has its own buffer");
	CHECK_EQ(skt_packet_get_link_header_length(r->ch, (uint32_t)rp), 14);
	CHECK_EQ(skt_packet_get_data_length(r->ch, (uint32_t)rp), FRAME_LEN);
	CHECK_OK(skt_packet_get_packetid(r->ch, (uint32_t)rp, id2));
	CHECK(memcmp(id, id2, 16) == 0, "packet id carried");
	CHECK_OK(skt_ring_slot_detach_packet(r->ch, SKT_RING_RX, (uint32_t)rs, (uint32_t)rp));
	CHECK_EQ(skt_buflet_read(r->ch, (uint32_t)rp, 0, 0, got, FRAME_LEN), FRAME_LEN);
	CHECK(memcmp(got, frame, FRAME_LEN) == 0, "receiver sees the original bytes");
	CHECK_OK(skt_packet_free(r->ch, (uint32_t)rp));
	CHECK_EQ(skt_packet_free(r->ch, (uint32_t)rp), -EINVAL);   /* stale handle */
	CHECK_OK(skt_ring_advance_slot(r->ch, SKT_RING_RX, (uint32_t)rs));
	CHECK_OK(skt_channel_sync(r->ch, CHANNEL_SYNC_RX));
}

static void t_rx_ring_full(void)
{
	struct side *s = &P.s[0];
	uint64_t d0 = stat_of("feth0", SKT_STAT_TX_DELIVERED), f0 = stat_of("feth0", SKT_STAT_DROP_RX_RING_FULL);
	uint32_t seq = 0;
	int total = 0;
	while (total < 1100) {
		int n = send_batch(s, 1100 - total > 100 ? 100 : 1100 - total, &seq, NULL);
		CHECK(n > 0, "send %d: %s", n, last_error());
		total += n;
	}
	/* a 1024-slot RX ring holds 1023 (KRING_FULL_RX) */
	CHECK_EQ(stat_of("feth0", SKT_STAT_TX_DELIVERED) - d0, 1023);
	CHECK_EQ(stat_of("feth0", SKT_STAT_DROP_RX_RING_FULL) - f0, 77);
	static uint32_t seqs[1100];
	CHECK_EQ(recv_all(&P.s[1], seqs, 1100), 1023);
	CHECK_EQ(seqs[0], 0);
	CHECK_EQ(seqs[1022], 1022);
}

static void t_wraparound(void)
{
	struct side *s = &P.s[0];
	static uint32_t seqs[64];
	uint32_t seq = 0, expect = 0;
	for (int round = 0; round < 100; round++) {
		CHECK_EQ(send_batch(s, 50, &seq, NULL), 50);
		int got = recv_all(&P.s[1], seqs, 64);
		CHECK_EQ(got, 50);
		for (int i = 0; i < got; i++)
			CHECK_EQ(seqs[i], expect++);
	}
	CHECK_EQ(expect, 5000);
}

static void t_pool_exhaustion(void)
{
	struct side *s = &P.s[0];
	static int h[2048];
	for (int i = 0; i < 2048; i++) {
		h[i] = skt_packet_alloc(s->ch);
		CHECK(h[i] > 0, "alloc %d: %d %s", i, h[i], last_error());
	}
	CHECK_EQ(skt_packet_alloc(s->ch), -ENOMEM);
	CHECK_OK(skt_packet_free(s->ch, (uint32_t)h[100]));
	h[100] = skt_packet_alloc(s->ch);
	CHECK(h[100] > 0, "alloc after free");
	for (int i = 0; i < 2048; i++)
		CHECK_OK(skt_packet_free(s->ch, (uint32_t)h[i]));
}

static void t_flow_mismatch(void)
{
	uint64_t nf = stat_of("feth0", SKT_STAT_DROP_NO_FLOW), d = stat_of("feth0", SKT_STAT_TX_DELIVERED);
	struct send_opts o = { .dst = IP_X };
	uint32_t seq = 0;
	CHECK_EQ(send_batch(&P.s[0], 3, &seq, &o), 3);
	CHECK_EQ(stat_of("feth0", SKT_STAT_DROP_NO_FLOW) - nf, 3);
	CHECK_EQ(stat_of("feth0", SKT_STAT_TX_DELIVERED) - d, 0);
	CHECK_EQ(recv_all(&P.s[1], NULL, 0), 0);
}

static void t_misuse(void)
{
	struct side *s = &P.s[0], *r = &P.s[1];
	int slot = skt_ring_get_next_slot(s->ch, SKT_RING_TX, -1, NULL);
	CHECK(slot >= 0, "slot");
	int pkt = skt_packet_alloc(s->ch);
	CHECK(pkt > 0, "alloc");
	CHECK_EQ(skt_ring_slot_attach_packet(s->ch, SKT_RING_TX, (uint32_t)slot, (uint32_t)pkt), -EINVAL);
	CHECK(strstr(last_error(), "not finalized") != NULL, "message: %s", last_error());
	CHECK_OK(skt_buflet_set_data_length(s->ch, (uint32_t)pkt, 0, 3000));
	CHECK_EQ(skt_packet_finalize(s->ch, (uint32_t)pkt), -ERANGE);
	CHECK_EQ(skt_ring_slot_attach_packet(s->ch, SKT_RING_TX, (uint32_t)slot, (uint32_t)pkt), -EINVAL);
	CHECK_OK(skt_packet_free(s->ch, (uint32_t)pkt));
	/* prev outside [head, tail), slot outside the window */
	CHECK_EQ(skt_ring_get_next_slot(s->ch, SKT_RING_TX, (slot + 7) % 512, NULL), -EINVAL);
	CHECK_EQ(skt_ring_advance_slot(s->ch, SKT_RING_TX, (uint32_t)(slot + 7) % 512), -EINVAL);
	CHECK_EQ(skt_ring_get_next_slot(s->ch, 5, -1, NULL), -EINVAL);
	CHECK_EQ(skt_packet_free(s->ch, 12345), -EINVAL);

	/* RX: one frame in, then misuse it */
	uint32_t seq = 0;
	CHECK_EQ(send_batch(s, 1, &seq, NULL), 1);
	CHECK_OK(skt_channel_sync(r->ch, CHANNEL_SYNC_RX));
	int rs = skt_ring_get_next_slot(r->ch, SKT_RING_RX, -1, NULL);
	CHECK(rs >= 0, "rx slot");
	int rp = skt_ring_slot_get_packet(r->ch, SKT_RING_RX, (uint32_t)rs);
	CHECK(rp > 0, "rx pkt");
	CHECK_EQ(skt_ring_advance_slot(r->ch, SKT_RING_RX, (uint32_t)rs), -EINVAL);
	CHECK(strstr(last_error(), "still holds a packet") != NULL, "message: %s", last_error());
	CHECK_EQ(skt_packet_free(r->ch, (uint32_t)rp), -EINVAL);         /* attached */
	int other = skt_packet_alloc(r->ch);
	CHECK(other > 0, "alloc");
	CHECK_EQ(skt_ring_slot_detach_packet(r->ch, SKT_RING_RX, (uint32_t)rs, (uint32_t)other), -EINVAL);
	CHECK_OK(skt_buflet_set_data_length(r->ch, (uint32_t)other, 0, 60));
	CHECK_OK(skt_packet_finalize(r->ch, (uint32_t)other));
	CHECK_EQ(skt_ring_slot_attach_packet(r->ch, SKT_RING_RX, (uint32_t)rs, (uint32_t)other), -EINVAL); /* occupied */
	CHECK_OK(skt_packet_free(r->ch, (uint32_t)other));
	CHECK_OK(skt_ring_slot_detach_packet(r->ch, SKT_RING_RX, (uint32_t)rs, (uint32_t)rp));
	CHECK_EQ(skt_ring_slot_detach_packet(r->ch, SKT_RING_RX, (uint32_t)rs, (uint32_t)rp), -EINVAL); /* empty */
	CHECK_OK(skt_packet_free(r->ch, (uint32_t)rp));
	CHECK_OK(skt_ring_advance_slot(r->ch, SKT_RING_RX, (uint32_t)rs));
	CHECK_OK(skt_channel_sync(r->ch, CHANNEL_SYNC_RX));
	/* UPP TX: a slot holding a packet is never handed out again */
	slot = skt_ring_get_next_slot(s->ch, SKT_RING_TX, -1, NULL);
	pkt = skt_packet_alloc(s->ch);
	CHECK_OK(skt_buflet_set_data_length(s->ch, (uint32_t)pkt, 0, 60));
	CHECK_OK(skt_packet_finalize(s->ch, (uint32_t)pkt));
	CHECK_OK(skt_ring_slot_attach_packet(s->ch, SKT_RING_TX, (uint32_t)slot, (uint32_t)pkt));
	CHECK_EQ(skt_ring_get_next_slot(s->ch, SKT_RING_TX, -1, NULL), -EINVAL);
	int again = skt_ring_slot_get_packet(s->ch, SKT_RING_TX, (uint32_t)slot);
	CHECK(again > 0, "tx get packet");
	CHECK_OK(skt_ring_slot_detach_packet(s->ch, SKT_RING_TX, (uint32_t)slot, (uint32_t)again));
	CHECK_OK(skt_packet_free(s->ch, (uint32_t)again));
	CHECK_EQ(skt_channel_sync(s->ch, 7), -EINVAL);
}

static void t_kevent(void)
{
	struct side *s = &P.s[0], *r = &P.s[1];
	int kq = skt_kqueue();
	CHECK(kq >= 0, "kqueue");
	int rfd = skt_channel_get_fd(r->ch), sfd = skt_channel_get_fd(s->ch);
	struct skt_kevent ch[2] = { kev((uint32_t)rfd, EVFILT_READ, SKT_EV_ADD | SKT_EV_ENABLE, 0),
		kev((uint32_t)sfd, EVFILT_WRITE, SKT_EV_ADD | SKT_EV_ENABLE, 0) }, ev[4];
	CHECK_EQ(skt_kevent(kq, (uint8_t *)ch, 2, NULL, 0, 0), 0);
	/* WRITE is ready at once, READ is not */
	int n = skt_kevent(kq, NULL, 0, (uint8_t *)ev, 4, 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(ev[0].filter, EVFILT_WRITE);
	CHECK_EQ(ev[0].ident, sfd);
	CHECK_EQ(ev[0].data, 511);
	struct skt_kevent del = kev((uint32_t)sfd, EVFILT_WRITE, SKT_EV_DELETE, 0);
	CHECK_EQ(skt_kevent(kq, (uint8_t *)&del, 1, NULL, 0, 0), 0);
	CHECK_EQ(skt_kevent(kq, (uint8_t *)&del, 1, NULL, 0, 0), -ENOENT);
	CHECK_EQ(skt_kevent(kq, (uint8_t *)&del, 1, (uint8_t *)ev, 4, 0), 1);   /* reported as EV_ERROR */
	CHECK(ev[0].flags & SKT_EV_ERROR, "EV_ERROR");
	CHECK_EQ(ev[0].data, ENOENT);
	struct skt_kevent bad = kev(9999, EVFILT_READ, SKT_EV_ADD, 0);
	CHECK_EQ(skt_kevent(kq, (uint8_t *)&bad, 1, NULL, 0, 0), -EBADF);
	/* at most SKT_KEVENT_MAX records each way */
	struct skt_kevent many[SKT_KEVENT_MAX + 1];
	memset(many, 0, sizeof(many));
	CHECK_EQ(skt_kevent(kq, NULL, 0, (uint8_t *)many, SKT_KEVENT_MAX, 0), 0);
	CHECK_EQ(skt_kevent(kq, NULL, 0, (uint8_t *)many, SKT_KEVENT_MAX + 1, 0), -EINVAL);
	CHECK_EQ(skt_kevent(kq, (uint8_t *)many, SKT_KEVENT_MAX + 1, NULL, 0, 0), -EINVAL);
	/* timeout with nothing to read */
	uint64_t t0 = now_ns();
	CHECK_EQ(skt_kevent(kq, NULL, 0, (uint8_t *)ev, 4, 50000000), 0);
	uint64_t dt = now_ns() - t0;
	CHECK(dt >= 45000000 && dt < 500000000, "waited %" PRIu64 " ns", dt);
	/* READ after a send */
	uint32_t seq = 0;
	CHECK_EQ(send_batch(s, 5, &seq, NULL), 5);
	n = skt_kevent(kq, NULL, 0, (uint8_t *)ev, 4, 1000000000);
	CHECK_EQ(n, 1);
	CHECK_EQ(ev[0].filter, EVFILT_READ);
	CHECK_EQ(ev[0].data, 5);
	CHECK_EQ(recv_all(r, NULL, 0), 5);
	/* disabled knotes do not fire */
	struct skt_kevent dis = kev((uint32_t)rfd, EVFILT_READ, SKT_EV_DISABLE, 0);
	CHECK_EQ(skt_kevent(kq, (uint8_t *)&dis, 1, NULL, 0, 0), 0);
	CHECK_EQ(send_batch(s, 1, &seq, NULL), 1);
	CHECK_EQ(skt_kevent(kq, NULL, 0, (uint8_t *)ev, 4, 10000000), 0);
	CHECK_EQ(recv_all(r, NULL, 0), 1);
	CHECK_OK(skt_kqueue_close(kq));
	CHECK_EQ(skt_kqueue_close(kq), -EBADF);
}

/* a blocked kevent is woken by a sender in another thread of time: a child process */
static double g_fps;

static void t_two_process(void)
{
	const int total = 20000;
	struct side *r = &P.s[1];
	uint64_t d0 = stat_of("feth0", SKT_STAT_TX_DELIVERED), t0p = stat_of("feth0", SKT_STAT_TX_PACKETS);
	uint64_t drops0 = stat_of("feth0", SKT_STAT_DROP_RX_RING_FULL) + stat_of("feth0", SKT_STAT_DROP_NOMEM) +
	    stat_of("feth0", SKT_STAT_DROP_NO_FLOW);
	/* the child sends on feth0 through its own channel: free ours first */
	skt_channel_destroy(P.s[0].ch);
	P.s[0].ch = NULL;
	int go[2];
	CHECK_OK(pipe(go));
	uint64_t start = now_ns();
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		close(go[1]);
		char b;
		if (read(go[0], &b, 1) != 1)
			_exit(10);
		uint8_t uuid[16];
		uint64_t out;
		if (skt_ifnet_get_netif_nexus("feth0", uuid) < 0)
			_exit(11);
		int64_t attrs[] = { CHANNEL_ATTR_USER_PACKET_POOL, 1 };
		if (skt_channel_create(uuid, (uint32_t)P.s[0].port, attrs, 1, NULL, &out) < 0)
			_exit(12);
		struct side me = P.s[0];
		me.ch = (skt_channel *)(uintptr_t)out;
		uint32_t seq = 0;
		while (seq < (uint32_t)total) {
			int n = send_batch(&me, total - (int)seq < 8 ? total - (int)seq : 8, &seq, NULL);
			if (n < 0)
				_exit(13);
			if (PACE_US > 0)
				usleep(PACE_US);
		}
		skt_channel_destroy(me.ch);
		_exit(0);
	}
	close(go[0]);
	int kq = skt_kqueue();
	int rfd = skt_channel_get_fd(r->ch);
	struct skt_kevent k = kev((uint32_t)rfd, EVFILT_READ, SKT_EV_ADD, 0), ev[2];
	CHECK_EQ(skt_kevent(kq, (uint8_t *)&k, 1, NULL, 0, 0), 0);
	CHECK_EQ(write(go[1], "g", 1), 1);
	close(go[1]);
	static uint32_t seqs[1024];
	int received = 0, bad_order = 0, status = 0;
	uint32_t last = 0;
	uint64_t t_last = start;
	for (int done = 0; !done;) {
		int n = skt_kevent(kq, NULL, 0, (uint8_t *)ev, 2, 20000000);
		CHECK(n >= 0, "kevent %d", n);
		if (n == 0 && waitpid(pid, &status, WNOHANG) == pid)
			done = 1;   /* its last sync is published: one more drain below */
		int got = recv_all(r, seqs, 1024);
		CHECK(got >= 0, "recv");
		for (int i = 0; i < got && i < 1024; i++) {
			if (received + i > 0 && seqs[i] <= last)
				bad_order++;
			last = seqs[i];
		}
		if (got > 0)
			t_last = now_ns();
		received += got;
	}
	uint64_t elapsed = t_last - start;
	skt_kqueue_close(kq);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x", status);
	uint64_t delivered = stat_of("feth0", SKT_STAT_TX_DELIVERED) - d0;
	uint64_t sent = stat_of("feth0", SKT_STAT_TX_PACKETS) - t0p;
	uint64_t dropped = stat_of("feth0", SKT_STAT_DROP_RX_RING_FULL) + stat_of("feth0", SKT_STAT_DROP_NOMEM) +
	    stat_of("feth0", SKT_STAT_DROP_NO_FLOW) - drops0;
	CHECK_EQ(sent, total);
	CHECK_EQ(delivered + dropped, total);
	CHECK_EQ(received, delivered);
	CHECK_EQ(bad_order, 0);
	CHECK(received > 0, "received something");
	g_fps = total / ((double)elapsed / 1e9);
	printf("# two-process: %d sent, %d received, %" PRIu64 " dropped, %.0f ms, %.0f frames/s (%.2f us/frame)\n",
	    total, received, dropped, (double)elapsed / 1e6, g_fps, 1e6 / g_fps);
	/* reopen our sender channel for the tests that follow */
	uint8_t uuid[16];
	uint64_t out;
	int64_t attrs[] = { CHANNEL_ATTR_USER_PACKET_POOL, 1 };
	CHECK_OK(skt_ifnet_get_netif_nexus("feth0", uuid));
	CHECK_OK(skt_channel_create(uuid, (uint32_t)P.s[0].port, attrs, 1, NULL, &out));
	P.s[0].ch = (skt_channel *)(uintptr_t)out;
}

/* single-process throughput: sender and receiver interleaved, nothing dropped */
static void t_throughput(void)
{
	const int total = 20000;
	uint32_t seq = 0;
	int received = 0;
	uint64_t t0 = now_ns();
	while (seq < (uint32_t)total) {
		int n = send_batch(&P.s[0], 8, &seq, NULL);
		CHECK(n > 0, "send");
		int got = recv_all(&P.s[1], NULL, 0);
		CHECK(got >= 0, "recv");
		received += got;
	}
	double s = (double)(now_ns() - t0) / 1e9;
	CHECK_EQ(received, total);
	printf("# single-process: %d frames (1514 B) send+receive in %.1f ms: %.0f frames/s (%.2f us/frame)\n",
	    total, s * 1e3, total / s, s * 1e6 / total);
}

static void t_open_close_cycles(void)
{
	uint8_t uuid[16];
	int64_t attrs[] = { CHANNEL_ATTR_USER_PACKET_POOL, 1, CHANNEL_ATTR_EVENT_RING, 1 };
	uint64_t out;
	CHECK_OK(skt_ifnet_get_netif_nexus("feth0", uuid));
	skt_channel_destroy(P.s[0].ch);
	P.s[0].ch = NULL;
	int fds0 = count_fds();
	for (int i = 0; i < 200; i++) {
		CHECK_OK(skt_channel_create(uuid, (uint32_t)P.s[0].port, attrs, 2, NULL, &out));
		struct side s = P.s[0];
		s.ch = (skt_channel *)(uintptr_t)out;
		uint32_t seq = (uint32_t)i;
		CHECK_EQ(send_batch(&s, 3, &seq, NULL), 3);
		/* leave packets allocated and slots half-used on purpose */
		CHECK(skt_packet_alloc(s.ch) > 0, "alloc");
		CHECK(skt_ring_get_next_slot(s.ch, SKT_RING_TX, -1, NULL) >= 0, "slot");
		int kq = skt_kqueue();
		struct skt_kevent k = kev((uint32_t)skt_channel_get_fd(s.ch), EVFILT_NW_CHANNEL, SKT_EV_ADD, NOTE_CHANNEL_EVENT);
		CHECK_EQ(skt_kevent(kq, (uint8_t *)&k, 1, NULL, 0, 0), 0);
		skt_kqueue_close(kq);
		skt_channel_destroy(s.ch);
	}
	CHECK_EQ(count_fds(), fds0);
	CHECK_EQ(recv_all(&P.s[1], NULL, 0), 600);
	CHECK_OK(skt_channel_create(uuid, (uint32_t)P.s[0].port, attrs, 2, NULL, &out));
	P.s[0].ch = (skt_channel *)(uintptr_t)out;
	static int h[2048];
	for (int i = 0; i < 2048; i++) {
		h[i] = skt_packet_alloc(P.s[0].ch);
		CHECK(h[i] > 0, "alloc %d after cycles", i);
	}
	CHECK_EQ(skt_packet_alloc(P.s[0].ch), -ENOMEM);
	for (int i = 0; i < 2048; i++)
		CHECK_OK(skt_packet_free(P.s[0].ch, (uint32_t)h[i]));
	CHECK_EQ(skt_ring_available_slots(P.s[0].ch, SKT_RING_TX), 511);
}

static void t_corrupt_knob(void)
{
	uint64_t d = stat_of("feth0", SKT_STAT_TX_DELIVERED);
	CHECK_OK(sysctl_int("debug.sim.corrupt_frame", (int32_t)d + 2));
	CHECK_OK(sysctl_int("debug.sim.corrupt_offset", 100));
	uint32_t seq = 0;
	CHECK_EQ(send_batch(&P.s[0], 3, &seq, NULL), 3);
	CHECK_OK(sysctl_int("debug.sim.corrupt_frame", 0));
	struct side *r = &P.s[1];
	CHECK_OK(skt_channel_sync(r->ch, CHANNEL_SYNC_RX));
	int prev = -1;
	for (int i = 0; i < 3; i++) {
		int slot = skt_ring_get_next_slot(r->ch, SKT_RING_RX, prev, NULL);
		CHECK(slot >= 0, "slot");
		int pkt = skt_ring_slot_get_packet(r->ch, SKT_RING_RX, (uint32_t)slot);
		uint8_t b = 0;
		CHECK_OK(skt_buflet_read(r->ch, (uint32_t)pkt, 0, 100, &b, 1));
		CHECK_EQ(b, i == 1 ? (100 ^ 0xff) : 100);
		CHECK_OK(skt_ring_slot_detach_packet(r->ch, SKT_RING_RX, (uint32_t)slot, (uint32_t)pkt));
		CHECK_OK(skt_packet_free(r->ch, (uint32_t)pkt));
		prev = slot;
	}
	CHECK_OK(skt_ring_advance_slot(r->ch, SKT_RING_RX, (uint32_t)prev));
	CHECK_OK(skt_channel_sync(r->ch, CHANNEL_SYNC_RX));
}

/* a channel whose owner died is reclaimed, even while the owner is an unreaped zombie */
static void t_dead_owner(void)
{
	uint8_t uuid[16];
	uint64_t out;
	int64_t attrs[] = { CHANNEL_ATTR_USER_PACKET_POOL, 1 };
	CHECK_OK(skt_ifnet_get_netif_nexus("feth0", uuid));
	skt_channel_destroy(P.s[0].ch);
	P.s[0].ch = NULL;
	int opened[2];
	CHECK_OK(pipe(opened));
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		close(opened[0]);
		if (skt_channel_create(uuid, (uint32_t)P.s[0].port, attrs, 1, NULL, &out) < 0)
			_exit(11);
		if (write(opened[1], "o", 1) != 1)
			_exit(12);
		for (;;)
			pause();
	}
	close(opened[1]);
	char b;
	int got = (int)read(opened[0], &b, 1);
	close(opened[0]);
	int busy = skt_channel_create(uuid, (uint32_t)P.s[0].port, attrs, 1, NULL, &out);
	kill(pid, SIGKILL);
	/* wait until it is a zombie, without reaping it */
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int w = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
	int reopened = skt_channel_create(uuid, (uint32_t)P.s[0].port, attrs, 1, NULL, &out);
	waitpid(pid, NULL, 0);
	CHECK_EQ(got, 1);
	CHECK_EQ(busy, -EBUSY);
	CHECK_EQ(w, 0);
	CHECK(reopened >= 0, "reopen after the owner died: %d (%s)", reopened, last_error());
	P.s[0].ch = (skt_channel *)(uintptr_t)out;
}

/* frames left unread in an RX ring are counted on its interface when the channel
 * closes (SKT_STAT_RX_LEFT_AT_CLOSE); later ones are left unconsumed by the sender's netif */
static void t_rx_left_at_close(void)
{
	struct side *s = &P.s[0];
	uint64_t left0 = stat_of("feth1", SKT_STAT_RX_LEFT_AT_CLOSE);
	uint64_t unconsumed0 = stat_of("feth0", SKT_STAT_DROP_UNCONSUMED);
	uint32_t seq = 0;
	CHECK_EQ(send_batch(s, 10, &seq, NULL), 10);
	skt_channel_destroy(P.s[1].ch);
	P.s[1].ch = NULL;
	CHECK_EQ(stat_of("feth1", SKT_STAT_RX_LEFT_AT_CLOSE) - left0, 10);
	CHECK_EQ(send_batch(s, 5, &seq, NULL), 5);
	CHECK_EQ(stat_of("feth0", SKT_STAT_DROP_UNCONSUMED) - unconsumed0, 5);
	CHECK_EQ(stat_of("feth1", SKT_STAT_RX_LEFT_AT_CLOSE) - left0, 10);
}

static void t_pair_teardown(void)
{
	pair_close(&P);
	CHECK_EQ(skt_ifnet_destroy("feth0"), -ENXIO);
	domain_end();
}

/* ------------------------------------------------ fake driver rules (5) */

static void knote_channel_events(int kq, struct side *s, uint32_t fflags)
{
	struct skt_kevent k = kev((uint32_t)skt_channel_get_fd(s->ch), EVFILT_NW_CHANNEL, SKT_EV_ADD, fflags);
	skt_kevent(kq, (uint8_t *)&k, 1, NULL, 0, 0);
}

struct evrec {
	uint32_t type, more, len;
	uint8_t data[40];
};

/* pops one event; 0 if none */
static int pop_event(struct side *s, struct evrec *e)
{
	uint32_t out3[3];
	int r = skt_channel_get_next_event_handle(s->ch, out3);
	if (r == -ENODATA)
		return 0;
	if (r < 0 || out3[2] != 1)
		return -1;
	if (skt_channel_event_get_next_event(s->ch, out3[0], -1) != 0)
		return -1;
	uint8_t d[56];
	if (skt_channel_event_get_event_data(s->ch, out3[0], 0, d) < 0)
		return -1;
	memcpy(&e->type, d, 4);
	memcpy(&e->more, d + 4, 4);
	memcpy(&e->len, d + 8, 4);
	memcpy(e->data, d + 16, 40);
	if (e->type != out3[1] || skt_channel_event_get_next_event(s->ch, out3[0], 0) != -ENODATA)
		return -1;
	return skt_channel_event_free(s->ch, out3[0]) < 0 ? -1 : 1;
}

static void t_tx_drops_events(void)
{
	CHECK_OK(domain_new());
	CHECK_OK(sysctl_int("net.link.fake.tx_drops", 100));
	struct pair p;
	CHECK_OK(pair_open(&p, "feth0", "feth1", 1));
	CHECK_OK(sysctl_int("net.link.fake.tx_drops", 0));     /* latched: no effect now */
	int kq = skt_kqueue();
	knote_channel_events(kq, &p.s[0], NOTE_CHANNEL_EVENT);
	uint32_t seq = 0;
	int nev = 0, seen_kevent = 0;
	uint32_t ids[16];
	while (seq < 1000) {
		CHECK_EQ(send_batch(&p.s[0], 50, &seq, NULL), 50);
		struct skt_kevent ev[2];
		int n = skt_kevent(kq, NULL, 0, (uint8_t *)ev, 2, 0);
		if (n == 1 && ev[0].filter == EVFILT_NW_CHANNEL && (ev[0].fflags & NOTE_CHANNEL_EVENT))
			seen_kevent++;
		struct evrec e;
		int r;
		while ((r = pop_event(&p.s[0], &e)) == 1) {
			CHECK_EQ(e.type, CHANNEL_EVENT_PACKET_TRANSMIT_STATUS);
			CHECK_EQ(e.len, sizeof(os_channel_event_packet_transmit_status_t));
			CHECK_EQ(e.more, 0);
			os_channel_event_packet_transmit_status_t st;
			memcpy(&st, e.data, sizeof(st));
			CHECK_EQ(st.packet_status, CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_RETRY_FAILED);
			CHECK_EQ(st.packet_id.pktid_payload_type, 0xFA);
			CHECK_EQ(st.packet_id.pktid_stream_identifier, 0xFB);
			CHECK(nev < 16, "too many events");
			ids[nev++] = st.packet_id.pktid_timestamp;
		}
		CHECK(r == 0, "pop_event failed: %s", last_error());
		recv_all(&p.s[1], NULL, 0);
	}
	CHECK_EQ(nev, 10);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(ids[i], 99 + 100 * i);
	CHECK_EQ(seen_kevent, 10);
	CHECK_EQ(stat_of("feth0", SKT_STAT_DROP_TX_RATE), 10);
	CHECK_EQ(stat_of("feth0", SKT_STAT_EV_SENT), 10);
	CHECK_EQ(stat_of("feth0", SKT_STAT_TX_DELIVERED), 990);
	CHECK_EQ(stat_of("feth1", SKT_STAT_DROP_TX_RATE), 0);
	/* without the NOTE_CHANNEL_EVENT knote the events are dropped, the packets still are */
	struct skt_kevent dis = kev((uint32_t)skt_channel_get_fd(p.s[0].ch), EVFILT_NW_CHANNEL, SKT_EV_DISABLE, 0);
	CHECK_EQ(skt_kevent(kq, (uint8_t *)&dis, 1, NULL, 0, 0), 0);
	CHECK_EQ(send_batch(&p.s[0], 100, &seq, NULL), 100);
	CHECK_EQ(stat_of("feth0", SKT_STAT_DROP_TX_RATE), 11);
	CHECK_EQ(stat_of("feth0", SKT_STAT_EV_DROP), 1);
	struct evrec e;
	CHECK_EQ(pop_event(&p.s[0], &e), 0);
	/* test knob: drops without any event */
	CHECK_OK(sysctl_int("debug.sim.drop_without_event", 1));
	struct skt_kevent en = kev((uint32_t)skt_channel_get_fd(p.s[0].ch), EVFILT_NW_CHANNEL, SKT_EV_ENABLE, 0);
	CHECK_EQ(skt_kevent(kq, (uint8_t *)&en, 1, NULL, 0, 0), 0);
	CHECK_EQ(send_batch(&p.s[0], 100, &seq, NULL), 100);
	CHECK_EQ(stat_of("feth0", SKT_STAT_DROP_TX_RATE), 12);
	CHECK_EQ(pop_event(&p.s[0], &e), 0);
	CHECK_OK(sysctl_int("debug.sim.drop_without_event", 0));
	skt_kqueue_close(kq);
	pair_close(&p);
	domain_end();
}

static void t_expiry(void)
{
	CHECK_OK(domain_new());
	CHECK_OK(sysctl_int("net.link.fake.tx_exp_policy", 1));
	struct pair p;
	CHECK_OK(pair_open(&p, "feth0", "feth1", 1));
	int kq = skt_kqueue();
	knote_channel_events(kq, &p.s[0], NOTE_CHANNEL_EVENT);
	uint32_t seq = 0;
	struct send_opts past = { .expire_delta = -1000 }, future = { .expire_delta = 24000000 };
	uint64_t before = skt_mach_absolute_time();
	CHECK_EQ(send_batch(&p.s[0], 5, &seq, &past), 5);
	CHECK_EQ(send_batch(&p.s[0], 3, &seq, &future), 3);
	CHECK_EQ(stat_of("feth0", SKT_STAT_DROP_EXPIRED), 5);
	CHECK_EQ(stat_of("feth0", SKT_STAT_TX_DELIVERED), 3);
	CHECK_EQ(recv_all(&p.s[1], NULL, 0), 3);
	struct skt_kevent ev[2];
	CHECK_EQ(skt_kevent(kq, NULL, 0, (uint8_t *)ev, 2, 0), 1);
	CHECK_EQ(ev[0].fflags, NOTE_CHANNEL_EVENT);
	struct evrec e;
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(pop_event(&p.s[0], &e), 1);
		CHECK_EQ(e.type, CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED);
		CHECK_EQ(e.len, sizeof(os_channel_event_packet_transmit_expired_t));
		os_channel_event_packet_transmit_expired_t x;
		memcpy(&x, e.data, sizeof(x));
		CHECK_EQ(x.packet_tx_expiration_status, CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_DROPPED);
		/* feth_tx_expired_error never sets it: ORIGIN_NONE */
		CHECK_EQ(x.packet_tx_expiration_origin, 0);
		CHECK_EQ(x.packet_id.pktid_sequence_number, i);
		CHECK(x.packet_tx_expiration_deadline < x.packet_tx_expiration_timestamp, "deadline before ts");
		CHECK(x.packet_tx_expiration_deadline + 1000 >= before, "deadline is the packet's");
	}
	CHECK_EQ(pop_event(&p.s[0], &e), 0);
	CHECK_EQ(skt_kevent(kq, NULL, 0, (uint8_t *)ev, 2, 0), 0);   /* level: gone once read */
	/* test knob: wrong status */
	CHECK_OK(sysctl_int("debug.sim.expired_wrong_status", 1));
	CHECK_EQ(send_batch(&p.s[0], 1, &seq, &past), 1);
	CHECK_EQ(pop_event(&p.s[0], &e), 1);
	os_channel_event_packet_transmit_expired_t x;
	memcpy(&x, e.data, sizeof(x));
	CHECK_EQ(x.packet_tx_expiration_status, CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_NOT_EXPIRED);
	CHECK_OK(sysctl_int("debug.sim.expired_wrong_status", 0));
	skt_kqueue_close(kq);
	pair_close(&p);

	/* policy 2 notifies but delivers; policy 3 follows the packet's action */
	CHECK_OK(sysctl_int("net.link.fake.tx_exp_policy", 2));
	CHECK_OK(pair_open(&p, "feth2", "feth3", 1));
	kq = skt_kqueue();
	knote_channel_events(kq, &p.s[0], NOTE_CHANNEL_EVENT);
	CHECK_EQ(send_batch(&p.s[0], 2, &seq, &past), 2);
	CHECK_EQ(stat_of("feth2", SKT_STAT_TX_DELIVERED), 2);
	CHECK_EQ(pop_event(&p.s[0], &e), 1);
	memcpy(&x, e.data, sizeof(x));
	CHECK_EQ(x.packet_tx_expiration_status, CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_NOT_DROPPED);
	skt_kqueue_close(kq);
	pair_close(&p);
	CHECK_OK(sysctl_int("net.link.fake.tx_exp_policy", 0));
	domain_end();
}

/* policy 3 (IFF_TX_EXP_POLICY_METADATA): the action comes from the packet,
 * carried across the copy into the device pool */
static void t_expiry_metadata(void)
{
	CHECK_OK(domain_new());
	CHECK_OK(sysctl_int("net.link.fake.tx_exp_policy", 3));
	struct pair p;
	CHECK_OK(pair_open(&p, "feth0", "feth1", 1));
	int kq = skt_kqueue();
	knote_channel_events(kq, &p.s[0], NOTE_CHANNEL_EVENT);
	uint32_t seq = 0;
	struct send_opts drop = { .expire_delta = -1000, .set_action = 1, .action = PACKET_EXPIRY_ACTION_DROP },
	    notify = { .expire_delta = -1000, .set_action = 1, .action = PACKET_EXPIRY_ACTION_NOTIFY },
	    none = { .expire_delta = -1000 };
	CHECK_EQ(send_batch(&p.s[0], 2, &seq, &drop), 2);
	CHECK_EQ(send_batch(&p.s[0], 3, &seq, &notify), 3);
	CHECK_EQ(send_batch(&p.s[0], 4, &seq, &none), 4);
	CHECK_EQ(stat_of("feth0", SKT_STAT_DROP_EXPIRED), 2);
	CHECK_EQ(stat_of("feth0", SKT_STAT_TX_DELIVERED), 7);
	CHECK_EQ(stat_of("feth0", SKT_STAT_EV_SENT), 5);
	struct evrec e;
	os_channel_event_packet_transmit_expired_t x;
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(pop_event(&p.s[0], &e), 1);
		memcpy(&x, e.data, sizeof(x));
		CHECK_EQ(x.packet_id.pktid_sequence_number, i);
		CHECK_EQ(x.packet_tx_expiration_status, i < 2 ?
		    CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_DROPPED :
		    CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_NOT_DROPPED);
	}
	CHECK_EQ(pop_event(&p.s[0], &e), 0);
	uint32_t got[16];
	CHECK_EQ(recv_all(&p.s[1], got, 16), 7);
	CHECK_EQ(got[0], 2);
	skt_kqueue_close(kq);
	pair_close(&p);
	CHECK_OK(sysctl_int("net.link.fake.tx_exp_policy", 0));
	domain_end();
}

static void t_event_ring_full(void)
{
	CHECK_OK(domain_new());
	CHECK_OK(sysctl_int("net.link.fake.tx_drops", 1));   /* every packet dropped with an event */
	struct pair p;
	CHECK_OK(pair_open(&p, "feth0", "feth1", 1));
	int kq = skt_kqueue();
	knote_channel_events(kq, &p.s[0], NOTE_CHANNEL_EVENT);
	uint32_t seq = 0;
	CHECK_EQ(send_batch(&p.s[0], 40, &seq, NULL), 40);
	/* a 32-slot event ring holds 31 */
	CHECK_EQ(stat_of("feth0", SKT_STAT_EV_SENT), 31);
	CHECK_EQ(stat_of("feth0", SKT_STAT_EV_DROP), 9);
	struct evrec e;
	int n = 0, r;
	while ((r = pop_event(&p.s[0], &e)) == 1)
		n++;
	CHECK_EQ(r, 0);
	CHECK_EQ(n, 31);
	CHECK_EQ(send_batch(&p.s[0], 1, &seq, NULL), 1);   /* room again */
	CHECK_EQ(stat_of("feth0", SKT_STAT_EV_SENT), 32);
	uint32_t out3[3];
	CHECK_EQ(skt_channel_get_next_event_handle(p.s[1].ch, out3), -ENODATA);
	skt_kqueue_close(kq);
	pair_close(&p);
	domain_end();
}

/* a slot is reclaimed by os_channel_event_free, not when the event is taken */
static void t_event_slot_reclaim(void)
{
	CHECK_OK(domain_new());
	CHECK_OK(sysctl_int("net.link.fake.tx_drops", 1));
	struct pair p;
	CHECK_OK(pair_open(&p, "feth0", "feth1", 1));
	int kq = skt_kqueue();
	knote_channel_events(kq, &p.s[0], NOTE_CHANNEL_EVENT);
	uint32_t seq = 0, out3[3];
	CHECK_EQ(send_batch(&p.s[0], 31, &seq, NULL), 31);
	CHECK_EQ(stat_of("feth0", SKT_STAT_EV_SENT), 31);
	CHECK_OK(skt_channel_get_next_event_handle(p.s[0].ch, out3));   /* taken, not freed */
	CHECK_EQ(send_batch(&p.s[0], 1, &seq, NULL), 1);
	CHECK_EQ(stat_of("feth0", SKT_STAT_EV_DROP), 1);                 /* still full */
	CHECK_OK(skt_channel_event_free(p.s[0].ch, out3[0]));
	CHECK_EQ(send_batch(&p.s[0], 1, &seq, NULL), 1);
	CHECK_EQ(stat_of("feth0", SKT_STAT_EV_SENT), 32);
	skt_kqueue_close(kq);
	pair_close(&p);
	domain_end();
}


/* each guard of ffi/shim/common/ring.c: an error with xnu's reason, and the
 * process (and the channel) still working after it */
static void t_guards(void)
{
	CHECK_OK(domain_new());
	struct pair p;
	CHECK_OK(pair_open(&p, "feth0", "feth1", 0));
	struct side *s = &p.s[0], *r = &p.s[1];
	uint32_t seq = 0;
	uint8_t prop[64];
	/* UPP TX: advancing past a slot without a packet (UNALLOCATED_PKT) */
	int t = skt_ring_get_next_slot(s->ch, SKT_RING_TX, -1, NULL);
	CHECK(t >= 0, "tx slot");
	CHECK_EQ(skt_ring_advance_slot(s->ch, SKT_RING_TX, (uint32_t)t), -EINVAL);
	CHECK(strstr(last_error(), "UNALLOCATED_PKT") != NULL, "message: %s", last_error());
	/* UPP TX: set_slot_properties, whose sp_mdata_ptr libsyscall dereferences */
	CHECK_EQ(skt_ring_set_slot_properties(s->ch, SKT_RING_TX, (uint32_t)t, prop), -EINVAL);
	CHECK(strstr(last_error(), "no packet") != NULL, "message: %s", last_error());
	int pkt = skt_packet_alloc(s->ch);
	CHECK_OK(skt_buflet_set_data_length(s->ch, (uint32_t)pkt, 0, 60));
	CHECK_OK(skt_packet_finalize(s->ch, (uint32_t)pkt));
	CHECK_OK(skt_ring_slot_attach_packet(s->ch, SKT_RING_TX, (uint32_t)t, (uint32_t)pkt));
	memset(prop, 0, sizeof(prop));
	CHECK_EQ(skt_ring_set_slot_properties(s->ch, SKT_RING_TX, (uint32_t)t, prop), -EINVAL);
	CHECK(strstr(last_error(), "sp_mdata_ptr") != NULL, "message: %s", last_error());
	/* UPP TX: the slot holding a packet is not handed out again */
	CHECK_EQ(skt_ring_get_next_slot(s->ch, SKT_RING_TX, -1, NULL), -EINVAL);
	CHECK(strstr(last_error(), "Tx slot has attached metadata") != NULL, "message: %s", last_error());
	int held = skt_ring_slot_get_packet(s->ch, SKT_RING_TX, (uint32_t)t);
	CHECK_OK(skt_ring_slot_detach_packet(s->ch, SKT_RING_TX, (uint32_t)t, (uint32_t)held));
	CHECK_OK(skt_packet_free(s->ch, (uint32_t)held));
	/* a slot outside the window: get_packet, attach, advance */
	CHECK_EQ(skt_ring_slot_get_packet(s->ch, SKT_RING_TX, (uint32_t)t + 5), -EINVAL);
	CHECK(strstr(last_error(), "outside [head, tail)") != NULL, "message: %s", last_error());
	/* RX: a frame in, detached, then the head asked for again */
	CHECK_EQ(send_batch(s, 1, &seq, NULL), 1);
	CHECK_OK(skt_channel_sync(r->ch, CHANNEL_SYNC_RX));
	int rs = skt_ring_get_next_slot(r->ch, SKT_RING_RX, -1, prop);
	int rp = skt_ring_slot_get_packet(r->ch, SKT_RING_RX, (uint32_t)rs);
	CHECK(rs >= 0 && rp > 0, "rx slot %d packet %d", rs, rp);
	CHECK_OK(skt_ring_slot_detach_packet(r->ch, SKT_RING_RX, (uint32_t)rs, (uint32_t)rp));
	CHECK_EQ(skt_ring_get_next_slot(r->ch, SKT_RING_RX, -1, NULL), -EINVAL);
	CHECK(strstr(last_error(), "Slot descriptor has no metadata") != NULL, "message: %s", last_error());
	CHECK_EQ(skt_ring_set_slot_properties(r->ch, SKT_RING_RX, (uint32_t)rs, prop), -EINVAL);
	CHECK(strstr(last_error(), "Slot descriptor has no metadata") != NULL, "message: %s", last_error());
	CHECK_OK(skt_packet_free(r->ch, (uint32_t)rp));
	CHECK_OK(skt_ring_advance_slot(r->ch, SKT_RING_RX, (uint32_t)rs));
	/* RX: advancing past a slot still holding its packet (SLOT_NOT_DETACHED) */
	CHECK_EQ(send_batch(s, 1, &seq, NULL), 1);
	CHECK_OK(skt_channel_sync(r->ch, CHANNEL_SYNC_RX));
	rs = skt_ring_get_next_slot(r->ch, SKT_RING_RX, -1, NULL);
	CHECK(rs >= 0, "rx slot");
	CHECK_EQ(skt_ring_advance_slot(r->ch, SKT_RING_RX, (uint32_t)rs), -EINVAL);
	CHECK(strstr(last_error(), "SLOT_NOT_DETACHED") != NULL, "message: %s", last_error());
	/* RX set_slot_properties on a slot with its packet: allowed, sp_len only */
	memset(prop, 0, sizeof(prop));
	prop[2] = 60;
	CHECK_OK(skt_ring_set_slot_properties(r->ch, SKT_RING_RX, (uint32_t)rs, prop));
	rp = skt_ring_slot_get_packet(r->ch, SKT_RING_RX, (uint32_t)rs);
	CHECK_EQ(skt_packet_get_data_length(r->ch, (uint32_t)rp), 60);
	CHECK_OK(skt_ring_slot_detach_packet(r->ch, SKT_RING_RX, (uint32_t)rs, (uint32_t)rp));
	CHECK_OK(skt_packet_free(r->ch, (uint32_t)rp));
	CHECK_OK(skt_ring_advance_slot(r->ch, SKT_RING_RX, (uint32_t)rs));
	CHECK_OK(skt_channel_sync(r->ch, CHANNEL_SYNC_RX));
	/* still alive and working both ways */
	CHECK_EQ(send_batch(s, 5, &seq, NULL), 5);
	CHECK_EQ(recv_all(r, NULL, 0), 5);
	pair_close(&p);
	domain_end();
}

/* the kernel's rules the sim follows, each with the errno or counter xnu gives */
static void t_kernel_rules(void)
{
	uint8_t uuid[16];
	uint64_t out;
	CHECK_OK(domain_new());
	CHECK_OK(skt_nexus_controller_create(&out));
	skt_nxctl *ctl = (skt_nxctl *)(uintptr_t)out;
	/* nx_netif_flags_init: low latency iff sk_ll_prefix equals the family name
	 * exactly; nx_netif_netagent_check_flags: a ULA flow needs it (ENOTSUP) */
	CHECK_OK(skt_sysctlbyname("kern.skywalk.netif.sk_ll_prefix", NULL, NULL, "fet", 3));
	CHECK_OK(skt_ifnet_create("feth8"));
	CHECK_OK(skt_ifnet_get_netif_nexus("feth8", uuid));
	CHECK_EQ(skt_nexus_flow_add(ctl, uuid, NXFLOWREQF_IPV6_ULA, IP_A, IP_B), -ENOTSUP);
	CHECK(strstr(last_error(), "not low latency") != NULL, "message: %s", last_error());
	CHECK_EQ(skt_nexus_flow_add(ctl, uuid, NXFLOWREQF_IPV6_ULA | NXFLOWREQF_LISTENER, NULL, NULL), -ENOTSUP);
	CHECK_OK(skt_sysctlbyname("kern.skywalk.netif.sk_ll_prefix", NULL, NULL, "feth8", 5));
	CHECK_OK(skt_ifnet_create("feth9"));
	CHECK_OK(skt_ifnet_get_netif_nexus("feth9", uuid));
	CHECK_EQ(skt_nexus_flow_add(ctl, uuid, NXFLOWREQF_IPV6_ULA, IP_A, IP_B), -ENOTSUP);
	/* a ULA flow with another flag, and a flow without a type: EINVAL */
	CHECK_OK(skt_sysctlbyname("kern.skywalk.netif.sk_ll_prefix", NULL, NULL, "feth", 4));
	CHECK_OK(skt_ifnet_create("feth7"));
	CHECK_OK(skt_ifnet_get_netif_nexus("feth7", uuid));
	CHECK_EQ(skt_nexus_flow_add(ctl, uuid, NXFLOWREQF_IPV6_ULA | 0x1, IP_A, IP_B), -EINVAL);
	CHECK_EQ(skt_nexus_flow_add(ctl, uuid, 0, IP_A, IP_B), -EINVAL);
	CHECK_EQ(skt_nexus_flow_add(ctl, uuid, NXFLOWREQF_IPV6_ULA, IP_A, IP_B), 2);
	skt_nexus_controller_destroy(ctl);

	/* events are packets of the channel's own pool (netif_vp_na_channel_event_notify) */
	CHECK_OK(sysctl_int("net.link.fake.tx_drops", 1));
	struct pair p;
	CHECK_OK(pair_open(&p, "feth0", "feth1", 1));
	CHECK_OK(sysctl_int("net.link.fake.tx_drops", 0));
	int kq = skt_kqueue();
	knote_channel_events(kq, &p.s[0], NOTE_CHANNEL_EVENT);
	uint32_t seq = 0, out3[3];
	CHECK_EQ(send_batch(&p.s[0], 1, &seq, NULL), 1);
	CHECK_EQ(stat_of("feth0", SKT_STAT_EV_SENT), 1);
	static int h[2048];
	int n = 0;
	while (n < 2048 && (h[n] = skt_packet_alloc(p.s[0].ch)) > 0)
		n++;
	CHECK_EQ(n, 2047);
	CHECK_OK(skt_channel_get_next_event_handle(p.s[0].ch, out3));
	CHECK_OK(skt_channel_event_free(p.s[0].ch, out3[0]));
	CHECK((h[n] = skt_packet_alloc(p.s[0].ch)) > 0, "the event's packet is back in the pool");
	for (int i = 0; i <= n; i++)
		CHECK_OK(skt_packet_free(p.s[0].ch, (uint32_t)h[i]));

	/* feth_nx_queue_tx_push leaves the chain when the peer has no channel:
	 * netif frees it (NETIF_STATS_DROP), the driver never counts it, so no
	 * tx_drops and no event */
	skt_channel_destroy(p.s[1].ch);
	p.s[1].ch = NULL;
	uint64_t tx0 = stat_of("feth0", SKT_STAT_TX_PACKETS), ev0 = stat_of("feth0", SKT_STAT_EV_SENT);
	uint64_t rate0 = stat_of("feth0", SKT_STAT_DROP_TX_RATE), un0 = stat_of("feth0", SKT_STAT_DROP_UNCONSUMED);
	CHECK_EQ(send_batch(&p.s[0], 3, &seq, NULL), 3);
	CHECK_EQ(stat_of("feth0", SKT_STAT_TX_PACKETS) - tx0, 0);
	CHECK_EQ(stat_of("feth0", SKT_STAT_DROP_TX_RATE) - rate0, 0);
	CHECK_EQ(stat_of("feth0", SKT_STAT_EV_SENT) - ev0, 0);
	CHECK_EQ(stat_of("feth0", SKT_STAT_DROP_UNCONSUMED) - un0, 3);
	skt_kqueue_close(kq);
	pair_close(&p);

	/* nx_netif_validate_macaddr: a low-latency netif takes no broadcast or
	 * multicast destination (NETIF_STATS_DROP_NO_RX_CB) */
	CHECK_OK(pair_open(&p, "feth2", "feth3", 0));
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct send_opts ob = { .mac_dst = bcast }, om = { .mac_dst = mcast };
	CHECK_EQ(send_batch(&p.s[0], 2, &seq, &ob), 2);
	CHECK_EQ(send_batch(&p.s[0], 1, &seq, &om), 1);
	CHECK_EQ(stat_of("feth2", SKT_STAT_DROP_NO_RX_CB), 3);
	CHECK_EQ(stat_of("feth2", SKT_STAT_TX_DELIVERED), 0);
	CHECK_EQ(recv_all(&p.s[1], NULL, 0), 0);

	/* ch_event: a WRITE wait runs the TX sync: queued frames leave */
	struct send_opts queue_only = { .no_sync = 1 };
	CHECK_EQ(send_batch(&p.s[0], 4, &seq, &queue_only), 4);
	CHECK_EQ(stat_of("feth2", SKT_STAT_TX_DELIVERED), 0);
	kq = skt_kqueue();
	struct skt_kevent kw = kev((uint32_t)skt_channel_get_fd(p.s[0].ch), EVFILT_WRITE, SKT_EV_ADD, 0), ev[2];
	CHECK_EQ(skt_kevent(kq, (uint8_t *)&kw, 1, (uint8_t *)ev, 2, 0), 1);
	CHECK_EQ(stat_of("feth2", SKT_STAT_TX_DELIVERED), 4);
	skt_kqueue_close(kq);
	/* ch_event: a READ wait runs the RX sync: slots advanced past go back to
	 * the kernel (else the ring stays full for the sender) */
	CHECK_EQ(recv_all(&p.s[1], NULL, 0), 4);
	for (int sent = 0; sent < 1023; sent += 93)
		CHECK_EQ(send_batch(&p.s[0], 93, &seq, NULL), 93);
	CHECK_OK(skt_channel_sync(p.s[1].ch, CHANNEL_SYNC_RX));
	int prev = -1, got = 0;
	for (int sl; (sl = skt_ring_get_next_slot(p.s[1].ch, SKT_RING_RX, prev, NULL)) >= 0; prev = sl, got++) {
		int pk = skt_ring_slot_get_packet(p.s[1].ch, SKT_RING_RX, (uint32_t)sl);
		CHECK_OK(skt_ring_slot_detach_packet(p.s[1].ch, SKT_RING_RX, (uint32_t)sl, (uint32_t)pk));
		CHECK_OK(skt_packet_free(p.s[1].ch, (uint32_t)pk));
	}
	CHECK_EQ(got, 1023);
	CHECK_OK(skt_ring_advance_slot(p.s[1].ch, SKT_RING_RX, (uint32_t)prev));   /* no RX sync */
	uint64_t full0 = stat_of("feth2", SKT_STAT_DROP_RX_RING_FULL);
	CHECK_EQ(send_batch(&p.s[0], 1, &seq, NULL), 1);
	CHECK_EQ(stat_of("feth2", SKT_STAT_DROP_RX_RING_FULL) - full0, 1);
	kq = skt_kqueue();
	struct skt_kevent kr = kev((uint32_t)skt_channel_get_fd(p.s[1].ch), EVFILT_READ, SKT_EV_ADD, 0);
	CHECK_EQ(skt_kevent(kq, (uint8_t *)&kr, 1, (uint8_t *)ev, 2, 0), 0);
	CHECK_EQ(send_batch(&p.s[0], 1, &seq, NULL), 1);
	CHECK_EQ(stat_of("feth2", SKT_STAT_DROP_RX_RING_FULL) - full0, 1);
	CHECK_EQ(recv_all(&p.s[1], NULL, 0), 1);
	skt_kqueue_close(kq);
	pair_close(&p);
	domain_end();
}

/* waits up to ms for NOTE_IF_ADV_UPD; returns the count and the first arrival time */
static int wait_adv(int kq, int ms, uint64_t *first_ns, struct side *s)
{
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)ms * 1000000;
	int n = 0;
	*first_ns = 0;
	while (now_ns() < end) {
		struct skt_kevent ev[2];
		int r = skt_kevent(kq, NULL, 0, (uint8_t *)ev, 2, (int64_t)(end - now_ns()));
		if (r < 0)
			return -1;
		for (int i = 0; i < r; i++)
			if (ev[i].fflags & NOTE_IF_ADV_UPD) {
				if (n++ == 0)
					*first_ns = now_ns() - t0;
				uint8_t adv[96];
				int g = skt_channel_get_interface_advisory(s->ch, adv);
				if (g == -EAGAIN)
					g = skt_channel_get_interface_advisory(s->ch, adv);
				if (g < 0 || adv[0] != 2 || adv[1] != 1 || adv[2] != 1)
					return -1;
			}
	}
	return n;
}

static void t_advisory(void)
{
	CHECK_OK(domain_new());
	CHECK_OK(sysctl_int("net.link.fake.if_adv_intvl", 30));
	struct pair p;
	CHECK_OK(pair_open(&p, "feth0", "feth1", 0));
	CHECK_OK(sysctl_int("net.link.fake.if_adv_intvl", 0));
	int kq0 = skt_kqueue(), kq1 = skt_kqueue();
	knote_channel_events(kq0, &p.s[0], NOTE_IF_ADV_UPD);
	knote_channel_events(kq1, &p.s[1], NOTE_IF_ADV_UPD);
	CHECK_OK(skt_channel_configure_interface_advisory(p.s[1].ch, 0));  /* never enabled: still 0 */
	CHECK_OK(skt_channel_configure_interface_advisory(p.s[0].ch, 1));
	CHECK_OK(skt_channel_configure_interface_advisory(p.s[0].ch, 1));  /* idempotent */
	uint64_t first;
	int n = wait_adv(kq0, 100, &first, &p.s[0]);
	CHECK(n >= 1, "reports in 100 ms: %d", n);
	CHECK(first <= 100000000, "first after %" PRIu64 " ns", first);
	uint8_t adv[96];
	CHECK_OK(skt_channel_get_interface_advisory(p.s[0].ch, adv));
	uint64_t total;
	memcpy(&total, adv + 24, 8);
	CHECK_EQ(total, stat_of("feth0", SKT_STAT_TX_PACKETS));
	/* feth1's channel never enabled: nothing for it */
	CHECK_EQ(wait_adv(kq1, 100, &first, &p.s[1]), 0);
	/* disabled again: nothing more */
	CHECK_OK(skt_channel_configure_interface_advisory(p.s[0].ch, 0));
	wait_adv(kq0, 1, &first, &p.s[0]);   /* flush an update already posted */
	CHECK_EQ(wait_adv(kq0, 100, &first, &p.s[0]), 0);
	/* test knob: reports reach channels that disabled them */
	CHECK_OK(sysctl_int("debug.sim.adv_ignore_disable", 1));
	CHECK(wait_adv(kq0, 100, &first, &p.s[0]) >= 1, "ignore_disable delivers");
	CHECK_OK(sysctl_int("debug.sim.adv_ignore_disable", 0));
	skt_kqueue_close(kq0);
	skt_kqueue_close(kq1);
	pair_close(&p);
	/* interval 0: the timer never reports */
	CHECK_OK(pair_open(&p, "feth2", "feth3", 0));
	/* interval 0: the advisory region is still there (a native netif always
	 * has one), the timer just never reports: zeros */
	CHECK_OK(skt_channel_configure_interface_advisory(p.s[0].ch, 1));
	memset(adv, 0xa5, sizeof(adv));
	CHECK_OK(skt_channel_get_interface_advisory(p.s[0].ch, adv));
	CHECK_EQ(adv[0], 0);
	uint32_t out3[3];   /* no event ring on these channels */
	CHECK_EQ(skt_channel_get_next_event_handle(p.s[0].ch, out3), -ENOTSUP);
	pair_close(&p);
	domain_end();
}

/* ------------------------------------------------ device pools (1.2, 5.1) */

/* receives everything visible; each frame must equal what build_frame made */
static int recv_check(struct side *s, const uint8_t *src, uint32_t *next_seq)
{
	uint8_t want[FRAME_LEN], got[FRAME_LEN];
	int n = 0;
	if (skt_channel_sync(s->ch, CHANNEL_SYNC_RX) < 0)
		return -1;
	int prev = -1;
	for (;;) {
		int slot = skt_ring_get_next_slot(s->ch, SKT_RING_RX, prev, NULL);
		if (slot < -1)
			return -1;
		if (slot < 0)
			break;
		int pkt = skt_ring_slot_get_packet(s->ch, SKT_RING_RX, (uint32_t)slot);
		if (pkt <= 0 || skt_ring_slot_detach_packet(s->ch, SKT_RING_RX, (uint32_t)slot, (uint32_t)pkt) < 0)
			return -1;
		if (skt_packet_get_data_length(s->ch, (uint32_t)pkt) != FRAME_LEN ||
		    skt_buflet_read(s->ch, (uint32_t)pkt, 0, 0, got, FRAME_LEN) < 0)
			return -1;
		build_frame(want, src, s->me, (*next_seq)++);
		if (memcmp(want, got, FRAME_LEN) != 0)
			return -2;
		uint8_t id[16], wid[16];
		pktid_for(wid, *next_seq - 1);
		if (skt_packet_get_packetid(s->ch, (uint32_t)pkt, id) < 0 || memcmp(id, wid, 16) != 0)
			return -3;
		if (skt_packet_free(s->ch, (uint32_t)pkt) < 0)
			return -1;
		prev = slot;
		n++;
	}
	if (prev >= 0 && (skt_ring_advance_slot(s->ch, SKT_RING_RX, (uint32_t)prev) < 0 ||
	    skt_channel_sync(s->ch, CHANNEL_SYNC_RX) < 0))
		return -1;
	return n;
}

struct pool_case {
	const char *what;
	int mode, user_access;
	/* per received frame on the receiving interface */
	int rx_alloc, from_tx_pool;
};

static void pool_case(const struct pool_case *c)
{
	CHECK_OK(domain_new());
	CHECK_OK(sysctl_int("net.link.fake.pktpool_mode", c->mode));
	CHECK_OK(sysctl_int("net.link.fake.user_access", c->user_access));
	struct pair p;
	CHECK(pair_open(&p, "feth0", "feth1", 0) == 0, "%s: pair: %s", c->what, last_error());
	/* latched at create: changing them now changes nothing */
	CHECK_OK(sysctl_int("net.link.fake.pktpool_mode", c->mode == 2 ? 0 : 2));
	CHECK_OK(sysctl_int("net.link.fake.user_access", !c->user_access));
	const int n0 = 3000, n1 = 1700;   /* more than a device pool holds (1024) */
	uint32_t s0 = 0, s1 = 0, r0 = 0, r1 = 0;
	while (s0 < (uint32_t)n0 || s1 < (uint32_t)n1) {
		if (s0 < (uint32_t)n0)
			CHECK_EQ(send_batch(&p.s[0], 100, &s0, NULL), 100);
		if (s1 < (uint32_t)n1)
			CHECK_EQ(send_batch(&p.s[1], 100, &s1, NULL), 100);
		int a = recv_check(&p.s[1], p.s[0].me, &r1), b = recv_check(&p.s[0], p.s[1].me, &r0);
		CHECK(a >= 0 && b >= 0, "%s: frames differ or RX failed (%d, %d)", c->what, a, b);
	}
	CHECK_EQ(r1, n0);
	CHECK_EQ(r0, n1);
	const char *ifs[2] = { "feth0", "feth1" };
	const int sent[2] = { n0, n1 }, rcvd[2] = { n1, n0 };
	for (int i = 0; i < 2; i++) {
		uint64_t st[SKT_STAT_COUNT];
		CHECK_EQ(skt_ifnet_get_stats(ifs[i], st, SKT_STAT_COUNT), SKT_STAT_COUNT);
		CHECK_EQ(st[SKT_STAT_DEV_TX_ALLOC], sent[i]);
		CHECK_EQ(st[SKT_STAT_TX_DELIVERED], sent[i]);
		CHECK_EQ(st[SKT_STAT_DEV_RX_FRAMES], rcvd[i]);
		CHECK_EQ(st[SKT_STAT_DEV_RX_ALLOC], c->rx_alloc * rcvd[i]);
		CHECK_EQ(st[SKT_STAT_RX_FROM_TX_POOL], c->from_tx_pool * rcvd[i]);
		CHECK_EQ(st[SKT_STAT_DROP_DEV_NOMEM] + st[SKT_STAT_DROP_NOMEM] + st[SKT_STAT_DROP_RX_RING_FULL], 0);
	}
	pair_close(&p);
	/* a pair must share the pool mode (feth_config: EINVAL) */
	CHECK_OK(sysctl_int("net.link.fake.pktpool_mode", c->mode));
	CHECK_OK(skt_ifnet_create("feth4"));
	CHECK_OK(sysctl_int("net.link.fake.pktpool_mode", (c->mode + 1) % 3));
	CHECK_OK(skt_ifnet_create("feth5"));
	CHECK_EQ(skt_feth_set_peer("feth4", "feth5"), -EINVAL);
	skt_ifnet_destroy("feth4");
	skt_ifnet_destroy("feth5");
	domain_end();
}

static void t_pool_global(void)
{
	struct pool_case c = { "global, user access", 0, 1, 0, 1 };
	pool_case(&c);
}

static void t_pool_copy_mode(void)
{
	struct pool_case c = { "global, no user access (copy mode)", 0, 0, 0, 1 };
	pool_case(&c);
}

static void t_pool_private(void)
{
	struct pool_case c = { "private pool per interface", 1, 1, 1, 1 };
	pool_case(&c);
}

static void t_pool_split(void)
{
	/* the txrxsp claim: every RX frame is a copy in an RX-only pool */
	struct pool_case c = { "split rx/tx pools", 2, 1, 1, 0 };
	pool_case(&c);
}

/* callers built against fewer counters get exactly those */
static void t_stats_abi(void)
{
	CHECK_OK(domain_new());
	CHECK_OK(skt_ifnet_create("feth0"));
	uint64_t st[SKT_STAT_COUNT + 8];
	for (int i = 0; i < SKT_STAT_COUNT + 8; i++)
		st[i] = 0xdeadbeef;
	CHECK_EQ(skt_ifnet_get_stats("feth0", st, 10), 10);
	CHECK_EQ(st[9], 0);
	CHECK_EQ(st[10], 0xdeadbeef);
	CHECK_EQ(skt_ifnet_get_stats("feth0", st, SKT_STAT_COUNT + 8), SKT_STAT_COUNT);
	CHECK_EQ(st[SKT_STAT_COUNT - 1], 0);
	CHECK_EQ(st[SKT_STAT_COUNT], 0xdeadbeef);
	skt_ifnet_destroy("feth0");
	domain_end();
}

static void t_mach_time(void)
{
	CHECK_OK(domain_new());
	uint32_t nd[2];
	CHECK_OK(skt_mach_timebase_info(nd));
	CHECK(nd[0] == 125 && nd[1] == 3, "timebase %u/%u", nd[0], nd[1]);
	uint64_t a = skt_mach_absolute_time();
	CHECK_OK(skt_usleep(10000));
	uint64_t b = skt_mach_absolute_time();
	CHECK(b - a >= 240000 - 2400 && b - a < 240000 * 20, "10 ms = %" PRIu64 " ticks at 24 MHz", b - a);
	CHECK_OK(sysctl_int("debug.sim.timebase_numer", 1));
	CHECK_OK(sysctl_int("debug.sim.timebase_denom", 1));
	CHECK_OK(skt_mach_timebase_info(nd));
	CHECK(nd[0] == 1 && nd[1] == 1, "timebase 1/1");
	a = skt_mach_absolute_time();
	CHECK_OK(skt_usleep(1000));
	b = skt_mach_absolute_time();
	CHECK(b - a >= 1000000, "1 ms = %" PRIu64 " ns", b - a);
	domain_end();
}

/* a lock held by a dead process is taken over; one held by a live process,
 * or taken again since the dead holder was seen, is not */
static void t_lock_takeover(void)
{
	sim_lock_t *l = mmap(NULL, sizeof(*l), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(l != MAP_FAILED, "mmap");
	int go[2];
	CHECK_OK(pipe(go));
	pid_t child = fork();
	if (child == 0) {   /* holds the lock until told to die, holding it */
		sim_lock(l);
		char c;
		if (read(go[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	CHECK(child > 0, "fork");
	uint64_t w;
	for (int i = 0; i < 5000 && (uint32_t)(w = atomic_load(&l->word)) == 0; i++)
		usleep(1000);
	CHECK_EQ((uint32_t)w, child);
	/* live holder: no takeover */
	CHECK(!sim_lock_takeover(l, w), "took over a live holder's lock");
	CHECK_EQ(atomic_load(&l->word), w);
	/* the holder dies holding it: a zombie (not reaped yet) counts as dead */
	CHECK_EQ(write(go[1], "x", 1), 1);
	siginfo_t si;
	CHECK_OK(waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT));
	uint64_t stale = w;   /* B's view: held by the dead child */
	CHECK(sim_lock_takeover(l, w), "dead holder's lock not taken over");
	CHECK_EQ((uint32_t)atomic_load(&l->word), 0);
	/* C (this process) takes it; B's stale takeover must not free it */
	sim_lock(l);
	uint64_t held = atomic_load(&l->word);
	CHECK_EQ((uint32_t)held, getpid());
	CHECK(!sim_lock_takeover(l, stale), "a stale view freed a live holder's lock");
	CHECK_EQ(atomic_load(&l->word), held);
	sim_unlock(l);
	CHECK_EQ((uint32_t)atomic_load(&l->word), 0);
	CHECK(atomic_load(&l->word) != stale, "generation moved on");
	/* sim_lock itself takes over from a reaped holder */
	waitpid(child, NULL, 0);
	atomic_store(&l->word, stale);
	uint64_t t0 = now_ns();
	sim_lock(l);
	CHECK_EQ((uint32_t)atomic_load(&l->word), getpid());
	CHECK(now_ns() - t0 < 30000000000ull, "takeover took %" PRIu64 " ns", now_ns() - t0);
	sim_unlock(l);
	close(go[0]);
	close(go[1]);
	munmap(l, sizeof(*l));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	uint64_t t0 = now_ns();
	run("domain create/attach/detach/destroy", t_domain);
	run("sysctl get/set/unknown/size", t_sysctl);
	run("feth create/destroy/peer/lladdr/nexus", t_feth);
	run("flow add and channel open", t_flow_and_channel);
	run("pair setup", t_pair_setup);
	run("TX ring of 512 slots full at 511", t_tx_ring_full);
	run("empty RX ring", t_empty_rx);
	run("TX sync delivers a real copy", t_real_copy);
	run("full RX ring drops and counts (1100 -> 1023 + 77)", t_rx_ring_full);
	run("ring wrap-around (5000 frames)", t_wraparound);
	run("pool exhaustion and recovery", t_pool_exhaustion);
	run("flow mismatch -> DROP_NO_FLOW", t_flow_mismatch);
	run("misuse checks return -EINVAL", t_misuse);
	run("kevent READ/WRITE/timeout", t_kevent);
	run("two processes, 20000 frames", t_two_process);
	run("single-process throughput", t_throughput);
	run("200 channel open/close cycles without leaks", t_open_close_cycles);
	run("debug.sim.corrupt_frame", t_corrupt_knob);
	run("a dead (zombie) owner's channel is reclaimed", t_dead_owner);
	run("RX frames left unread are counted at close", t_rx_left_at_close);
	run("pair teardown", t_pair_teardown);
	run("tx_drops=100: 10 transmit-status events", t_tx_drops_events);
	run("expiry policies and events", t_expiry);
	run("expiry policy 3 follows the packet's action", t_expiry_metadata);
	run("event ring of 32 slots full at 31", t_event_ring_full);
	run("event ring slot reclaimed at os_channel_event_free", t_event_slot_reclaim);
	run("interface advisory enable/disable", t_advisory);
	run("each shim guard: xnu's reason, the process lives on", t_guards);
	run("kernel rules: ULA/low latency, event pool, no peer channel, bcast/mcast, waits sync", t_kernel_rules);
	run("mach time and timebase", t_mach_time);
	run("device pools: global (txrx)", t_pool_global);
	run("device pools: global without user access (txrxcopymode)", t_pool_copy_mode);
	run("device pools: private per interface", t_pool_private);
	run("device pools: split rx/tx, no RX frame from a TX pool (txrxsp)", t_pool_split);
	run("stats: min(n, SKT_STAT_COUNT) counters written", t_stats_abi);
	run("lock: a dead holder's lock is taken over, a live one's never", t_lock_takeover);
	printf("%d passed, %d failed (%.1f s)\n", n_pass, n_fail, (double)(now_ns() - t0) / 1e9);
	return n_fail ? 1 : 0;
}
