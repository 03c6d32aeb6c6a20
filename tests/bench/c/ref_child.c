/*
 * ref_child.c: the C reference for `deno task bench` (a benchmark, not a test).
 *
 * One child of netifdirecttxrx, written in C over the shim's exported ABI
 * (skt_shim.h), making the same shim calls per frame, in the same order, as
 * the TypeScript child (scenarios/netifdirect.ts Sender/Receiver), with the
 * same frame work (headers and pattern built once, per frame the packet number
 * and an incrementally adjusted UDP checksum; on receive the header checks and
 * a full UDP checksum verify) and the same sequence checks. Started by the TS
 * driver (scenarios/driver.ts, childCommand), it keeps the sequencer: ready
 * byte 0x00 on stdout, go byte on stdin, one JSON result line on stdout at the
 * end; logs on stderr. The sim domain comes from SKT_SIM_DOMAIN (afxdp: the run's
 * environment file, SKT_AFXDP_ENV; build_ffi.sh links this file with each backend).
 *
 *   ref_child INDEX [--packets N] [--batch N] [--pace-us N]
 *   ref_child --self [--packets N] [--batch N]
 *
 * --self runs both ends in this one process, on one CPU, in a domain of its own
 * (feth0 sends, feth1 receives): the per-frame cost of the TX path, the kevent
 * and the RX path without any cross-process effect, printed as one JSON line.
 * bench/main.ts sets it beside the same loop in TypeScript.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "skt_shim.h"
#include "skt_spi.h"

#define ETHER_HDR_LEN 14
#define IP6_HDR_LEN   40
#define UDP_HDR_LEN   8
#define HDR_LEN       (ETHER_HDR_LEN + IP6_HDR_LEN + UDP_HDR_LEN)
#define FRAME_LEN     1514
#define PAYLOAD_LEN   (FRAME_LEN - HDR_LEN)
#define OFF_IP6_PLEN  (ETHER_HDR_LEN + 4)
#define OFF_IP6_NXT   (ETHER_HDR_LEN + 6)
#define OFF_IP6_SRC   (ETHER_HDR_LEN + 8)
#define OFF_IP6_DST   (ETHER_HDR_LEN + 24)
#define OFF_UDP       (ETHER_HDR_LEN + IP6_HDR_LEN)
#define OFF_UDP_LEN   (OFF_UDP + 4)
#define OFF_UDP_SUM   (OFF_UDP + 6)
#define OFF_PAYLOAD   HDR_LEN
#define IPPROTO_UDP_  17

#define TIMEOUT_NS    100000000LL
#define PKTID_PAYLOAD_TYPE 0xfa
#define PKTID_STREAM_ID    0xfb

static int child = -1;
static char errmsg[512];

/* the first failing check: JSON line for the driver, message on stderr, exit 1 */
static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	char last[256] = "";
	skt_last_error(last, sizeof(last));
	fprintf(stderr, "FAIL: %s%s%s\n", errmsg, last[0] ? ": " : "", last);
	printf("{\"ok\":false,\"error\":\"ref_child %d: ", child);
	for (const char *c = errmsg; *c; c++)
		putchar(*c == '"' || *c == '\\' ? '\'' : *c);
	printf("\"}\n");
	fflush(stdout);
	exit(1);
}

#define CHECK(cond) do { if (!(cond)) die("assertion failed: %s", #cond); } while (0)
#define OK(rc) do { int32_t r_ = (rc); if (r_ < 0) die("%s returned %d", #rc, r_); } while (0)

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------------ frames */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/*
 * A sum of the len bytes at p whose fold is their 16-bit one's complement sum
 * (little-endian words), as the kernel's in_cksum computes it: 64-bit words
 * added with end-around carry (2^64 - 1 is a multiple of 0xffff), in two
 * independent chains. p need not be aligned.
 */
static uint64_t sum_words(const uint8_t *p, uint32_t len)
{
	uint64_t a = 0, b = 0;
	uint32_t i = 0;
	for (; i + 16 <= len; i += 16) {
		uint64_t w0, w1;
		memcpy(&w0, p + i, 8);
		memcpy(&w1, p + i + 8, 8);
		a += w0;
		a += a < w0;
		b += w1;
		b += b < w1;
	}
	a += b;
	a += a < b;
	uint64_t tail = 0;
	for (uint32_t j = i; j < len; j++)
		tail += (uint64_t)p[j] << (8 * ((j - i) & 7));
	a += tail;
	a += a < tail;
	return a;
}

/* 16-bit one's complement sum in network order from a sum of LE words */
static uint16_t fold(uint64_t sum)
{
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)(((sum & 0xff) << 8) | (sum >> 8));
}

static uint16_t add16(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;
	return (uint16_t)((s & 0xffff) + (s >> 16));
}

/* the UDP sum (pseudo header + UDP header and data) of the frame at p */
static uint16_t udp_sum(const uint8_t *p, uint32_t udp_len)
{
	uint16_t addrs = fold(sum_words(p + OFF_IP6_SRC, 32));
	uint16_t pseudo = add16(add16(addrs, udp_len & 0xffff), IPPROTO_UDP_ + (udp_len >> 16));
	return add16(pseudo, fold(sum_words(p + OFF_UDP, udp_len)));
}

struct builder {
	uint8_t f[2048];     /* the frame with packet number and checksum 0 */
	uint32_t length;
	uint16_t base_sum;   /* everything but the packet number and the checksum */
};

static void builder_init(struct builder *b, const uint8_t *src_mac, const uint8_t *dst_mac,
    const uint8_t *src_ip, const uint8_t *dst_ip, uint16_t sport, uint16_t dport)
{
	memset(b, 0, sizeof(*b));
	uint8_t *p = b->f;
	uint32_t udp_len = UDP_HDR_LEN + PAYLOAD_LEN;
	b->length = FRAME_LEN;
	memcpy(p, dst_mac, 6);
	memcpy(p + 6, src_mac, 6);
	put16(p + 12, 0x86dd);
	p[ETHER_HDR_LEN] = 0x60;   /* version 6, flow label zero (upstream: uninitialised) */
	put16(p + OFF_IP6_PLEN, (uint16_t)udp_len);
	p[OFF_IP6_NXT] = IPPROTO_UDP_;
	p[OFF_IP6_NXT + 1] = 64;
	memcpy(p + OFF_IP6_SRC, src_ip, 16);
	memcpy(p + OFF_IP6_DST, dst_ip, 16);
	put16(p + OFF_UDP, sport);
	put16(p + OFF_UDP + 2, dport);
	put16(p + OFF_UDP_LEN, (uint16_t)udp_len);
	for (uint32_t i = 0; i < PAYLOAD_LEN - 4; i++)
		p[OFF_PAYLOAD + 4 + i] = (uint8_t)i;
	b->base_sum = udp_sum(p, udp_len);   /* checksum field and packet number are 0 */
}

/* the frame with packet number n (host order, LE) and its adjusted checksum, at dst */
static uint32_t builder_build(const struct builder *b, uint8_t *dst, uint32_t n)
{
	memcpy(dst, b->f, b->length);
	memcpy(dst + OFF_PAYLOAD, &n, 4);
	uint32_t hi = ((n & 0xff) << 8) | ((n >> 8) & 0xff);
	uint32_t lo = (((n >> 16) & 0xff) << 8) | (n >> 24);
	put16(dst + OFF_UDP_SUM, (uint16_t)~add16(add16(b->base_sum, hi), lo));
	return b->length;
}

/* skt_netif_ipv6_udp_frame_process's checks (frame.ts processFrame), on the frame where it lies */
static void process_frame(const uint8_t *p, uint32_t pkt_len, int32_t l2len, uint32_t data_max)
{
	CHECK(l2len == ETHER_HDR_LEN);
	CHECK(pkt_len >= HDR_LEN && pkt_len <= 2048);
	CHECK(get16(p + 12) == 0x86dd);
	CHECK(pkt_len == (uint32_t)(ETHER_HDR_LEN + IP6_HDR_LEN) + get16(p + OFF_IP6_PLEN));
	CHECK(p[OFF_IP6_NXT] == IPPROTO_UDP_);
	uint32_t udp_len = get16(p + OFF_UDP_LEN), data_len = udp_len - UDP_HDR_LEN;
	CHECK(data_len == pkt_len - HDR_LEN);
	CHECK(data_max == 0 || data_len <= data_max);
	CHECK(udp_sum(p, udp_len) == 0xffff);   /* the sum over everything is all ones */
}

static uint32_t frame_packet_number(const uint8_t *p)
{
	uint32_t n;
	memcpy(&n, p + OFF_PAYLOAD, 4);
	return n;
}

/* ------------------------------------------------------- send and receive */

struct port {
	skt_channel *chan;
	int32_t fd;
	int32_t nx_port;
};

static uint64_t get64(const int32_t *io, int i)
{
	return (uint64_t)(uint32_t)io[i] | (uint64_t)(uint32_t)io[i + 1] << 32;
}

struct sender {
	uint32_t packet_number;
	struct builder b;
	_Alignas(8) int32_t io[SKT_IO_WORDS];
};

/* skt_netif_channel_send (user packet pool), with the fused calls as netifdirect/send.ts */
static void channel_send(struct port *port, struct sender *tx, uint32_t limit)
{
	skt_channel *ch = port->chan;
	int32_t *io = tx->io;
	slot_prop_t *prop = (slot_prop_t *)(void *)&io[SKT_IO_PROP];
	packet_id_t *pktid = (packet_id_t *)(void *)&io[SKT_IO_PKTID];
	CHECK(tx->packet_number < limit);
	int32_t last = -1;
	int32_t n = skt_tx_begin(ch, last, io);   /* the next turns' come with skt_tx_end */
	for (;;) {
		int32_t slot = io[0];
		if (slot < -1)
			die("os_channel_get_next_slot: %d", slot);
		if (slot < 0)
			break;
		CHECK(prop->sp_buf_ptr == 0);
		CHECK(prop->sp_len == 0);
		int32_t pkt = io[1];
		CHECK(pkt > 0);
		CHECK(io[2] >= 0);
		CHECK(get64(io, 3) + (uint32_t)io[5] != 0);
		CHECK(io[6] > 0);
		/* frame_populate */
		CHECK(io[7] >= 0);
		OK(io[8]);
		CHECK(io[9] > 0);
		uint8_t *baddr = (uint8_t *)(uintptr_t)get64(io, 10);
		CHECK(baddr != NULL);
		uint32_t frame_length = tx->b.length;
		CHECK(io[12] == 1);
		CHECK((uint32_t)io[9] >= frame_length);
		CHECK(n == 13);
		builder_build(&tx->b, baddr, tx->packet_number);
		uint32_t seq = tx->packet_number;
		pktid->pktid_sequence_number = (uint16_t)seq;   /* 16 bits wide, as upstream */
		pktid->pktid_timestamp = (uint16_t)seq;
		uint32_t more = tx->packet_number + 1 < limit ? 4 : 0;
		int32_t done = skt_tx_end(ch, (uint32_t)slot, (uint32_t)pkt, (uint32_t)io[7], ETHER_HDR_LEN,
		    frame_length, 3 | more, io);
		const int32_t *v = &io[SKT_IO_END];
		OK(v[0]);
		OK(v[1]);
		OK(v[2]);
		OK(v[3]);
		CHECK(frame_length != 0);
		OK(v[4]);
		CHECK(done >= 5);
		n = done - 5;
		last = slot;
		tx->packet_number++;
		if (tx->packet_number >= limit)
			break;
	}
	if (last >= 0) {
		OK(skt_ring_advance_slot(ch, SKT_RING_TX, (uint32_t)last));
		OK(skt_channel_sync(ch, CHANNEL_SYNC_TX));
	}
}

/* the packet id's constant fields, and port->user_packet_pool */
static void sender_init(struct sender *tx)
{
	packet_id_t *pktid = (packet_id_t *)(void *)&tx->io[SKT_IO_PKTID];
	pktid->pktid_version = OS_PACKET_PKTID_VERSION_CURRENT;
	pktid->pktid_payload_type = PKTID_PAYLOAD_TYPE;
	pktid->pktid_stream_identifier = PKTID_STREAM_ID;
	tx->io[SKT_IO_UPP] = 1;
}

struct receiver {
	uint32_t count, index, gaps;
	int64_t last_number;     /* the highest packet number received, -1 if none */
	_Alignas(8) int32_t io[SKT_IO_WORDS];
};

/* skt_netif_channel_receive (user packet pool), with the fused calls as netifdirect/receive.ts */
static void channel_receive(struct port *port, struct receiver *rx, uint32_t limit)
{
	skt_channel *ch = port->chan;
	int32_t *io = rx->io;
	slot_prop_t *prop = (slot_prop_t *)(void *)&io[SKT_IO_PROP];
	CHECK(rx->index < limit);
	int32_t last = -1;
	uint32_t to_free = 0;
	for (;;) {
		int32_t n = skt_rx_next(ch, last, to_free, FRAME_LEN, io);
		if (to_free != 0)
			OK(io[SKT_IO_FREE_RC]);
		to_free = 0;
		int32_t slot = io[0];
		if (slot < -1)
			die("os_channel_get_next_slot: %d", slot);
		if (slot < 0)
			break;
		CHECK(prop->sp_buf_ptr != 0);
		int32_t pkt = io[1];
		CHECK(pkt > 0);
		OK(io[2]);
		CHECK(io[3] >= 0);
		int32_t bdoff = io[4];
		CHECK(bdoff >= 0);
		uint64_t buf = get64(io, 5) + (uint32_t)bdoff;
		int32_t pkt_len = io[7];
		CHECK(pkt_len >= 0);
		CHECK(buf == prop->sp_buf_ptr);
		CHECK(pkt_len == prop->sp_len);
		CHECK(pkt_len <= FRAME_LEN);
		/* frame_process */
		CHECK(io[8] == 1);
		CHECK(io[9] >= 0);
		CHECK(io[10] >= 0);
		CHECK(n == 12);
		const uint8_t *frame = (const uint8_t *)(uintptr_t)(get64(io, 5) + (uint32_t)io[10]);
		process_frame(frame, (uint32_t)pkt_len, io[11], PAYLOAD_LEN);
		uint32_t pn = frame_packet_number(frame);
		last = slot;
		if (rx->index != pn) {
			CHECK(pn > rx->index);
			rx->gaps += pn - rx->index;
			rx->index = pn;
		}
		rx->last_number = pn;
		rx->count++;
		rx->index++;
		if (rx->index == limit) {
			OK(skt_packet_free(ch, (uint32_t)pkt));
			break;
		}
		to_free = (uint32_t)pkt;   /* freed by the next skt_rx_next, before its slot */
	}
	if (last >= 0) {
		OK(skt_ring_advance_slot(ch, SKT_RING_RX, (uint32_t)last));
		OK(skt_channel_sync(ch, CHANNEL_SYNC_RX));
	}
}

static void kev_set(struct skt_kevent *e, int32_t fd, int16_t filter, uint16_t flags)
{
	memset(e, 0, sizeof(*e));
	e->ident = (uint32_t)fd;
	e->filter = filter;
	e->flags = flags;
}

/* ------------------------------------------------------------------ setup */

static const uint8_t IP0[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff, [14] = 0x01, [15] = 0x01 };
static const uint8_t IP1[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff, [14] = 0x02, [15] = 0x02 };

static uint32_t arg_u32(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > 10000000ul) {
		fprintf(stderr, "ref_child: bad %s \"%s\"\n", what, s);
		exit(2);
	}
	return (uint32_t)v;
}

/* ------------------------------------------------------------ --self mode */

static char self_dir[300];
static skt_channel *self_ch[2];
static skt_nxctl *self_ctl[2];

/* the domain is removed however the run ends (die() exits through here too) */
static void self_cleanup(void)
{
	for (int i = 0; i < 2; i++) {
		if (self_ch[i] != NULL)
			skt_channel_destroy(self_ch[i]);
		if (self_ctl[i] != NULL)
			skt_nexus_controller_destroy(self_ctl[i]);
		self_ch[i] = NULL;
		self_ctl[i] = NULL;
	}
	if (self_dir[0] != '\0')
		skt_env_destroy(self_dir);
	self_dir[0] = '\0';
}

static void set_int(const char *name, int32_t v)
{
	OK(skt_sysctlbyname(name, NULL, NULL, &v, sizeof(v)));
}

/* the pair as tests/sim_helpers.ts simPair() builds it (netifdirecttxrx's init) */
static struct port self_open(int i, const uint8_t *ours, const uint8_t *peer)
{
	const char *ifname = i == 0 ? "feth0" : "feth1";
	uint8_t nx[16];
	uint64_t out = 0;
	OK(skt_nexus_controller_create(&out));
	self_ctl[i] = (skt_nxctl *)(uintptr_t)out;
	OK(skt_ifnet_get_netif_nexus(ifname, nx));
	int32_t nx_port = skt_nexus_flow_add(self_ctl[i], nx, NXFLOWREQF_IPV6_ULA, ours, peer);
	OK(nx_port);
	int64_t attrs[] = { CHANNEL_ATTR_USER_PACKET_POOL, 1, CHANNEL_ATTR_NEXUS_DEFUNCT_OK, 1 };
	int64_t effective[CHANNEL_ATTR_COUNT];
	out = 0;
	OK(skt_channel_create(nx, (uint32_t)nx_port, attrs, 2, effective, &out));
	self_ch[i] = (skt_channel *)(uintptr_t)out;
	struct port port = { .chan = self_ch[i], .nx_port = nx_port };
	port.fd = skt_channel_get_fd(port.chan);
	OK(port.fd);
	return port;
}

/* ns per receive-side verify (frame_process's checks and the full UDP checksum) of a
 * 1514-byte frame, over 64 frames in a 128 KiB buffer: the figure bench/main.ts sets
 * beside the TS port's verify of frames in the pool. The fastest of 20 rounds, so that
 * other work on the machine does not count (the TS side is measured the same way). */
static double verify_ns(const struct builder *b)
{
	enum { FRAMES = 64, PASSES = 200, ROUNDS = 20 };
	static _Alignas(64) uint8_t area[FRAMES][2048];
	for (uint32_t i = 0; i < FRAMES; i++)
		builder_build(b, area[i], i);
	double best = 1e300;
	for (uint32_t r = 0; r < ROUNDS; r++) {
		double t = now_ms();
		for (uint32_t k = 0; k < PASSES; k++)
			for (uint32_t i = 0; i < FRAMES; i++) {
				process_frame(area[i], FRAME_LEN, ETHER_HDR_LEN, PAYLOAD_LEN);
				__asm__ volatile("" ::: "memory");   /* each verify reads the frame again */
			}
		double ns = (now_ms() - t) * 1e6 / (FRAMES * PASSES);
		if (ns < best)
			best = ns;
	}
	return best;
}

static int self_main(uint32_t how_many, uint32_t batch)
{
	const char *root = getenv("SKT_SIM_ROOT");
	if (root == NULL)
		root = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(self_dir, sizeof(self_dir), "%s/skt-sim-bench-%d", root, (int)getpid());
	OK(skt_env_create(self_dir));
	atexit(self_cleanup);
	static const char *const zero[] = {
		"net.link.fake.bsd_mode", "net.link.fake.txstart", "net.link.fake.wmm_mode",
		"net.link.fake.multibuflet", "net.link.fake.pktpool_mode", "net.link.fake.tx_headroom",
		"net.link.fake.nxattach", "net.link.fake.fcs", "net.link.fake.trailer_length",
	};
	set_int("kern.skywalk.disable_nxctl_check", 1);
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		set_int(zero[i], 0);
	set_int("net.link.fake.llink_cnt", 1);
	set_int("net.link.fake.user_access", 1);
	static const char prefix[] = "feth";
	OK(skt_sysctlbyname("kern.skywalk.netif.sk_ll_prefix", NULL, NULL, prefix, sizeof(prefix)));
	OK(skt_ifnet_create("feth0"));
	OK(skt_ifnet_create("feth1"));
	OK(skt_feth_set_peer("feth0", "feth1"));
	uint8_t mac0[6], mac1[6];
	OK(skt_ifnet_get_lladdr("feth0", mac0));
	OK(skt_ifnet_get_lladdr("feth1", mac1));
	struct port p0 = self_open(0, IP0, IP1), p1 = self_open(1, IP1, IP0);

	static struct sender tx;
	static struct receiver rx;
	rx.last_number = -1;
	builder_init(&tx.b, mac0, mac1, IP0, IP1, 0x1234, 0x5678);
	sender_init(&tx);
	rx.io[SKT_IO_UPP] = 1;
	int32_t kq = skt_kqueue();
	OK(kq);
	struct skt_kevent kev, evlist[8];
	kev_set(&kev, p1.fd, EVFILT_READ, SKT_EV_ADD | SKT_EV_ENABLE);
	OK(skt_kevent(kq, (const uint8_t *)&kev, 1, NULL, 0, 0));
	/* Two passes of how_many frames each. The first is not timed inside, and gives the
	 * total per frame: the clock read around each phase costs more in TS (90 ns per
	 * performance.now) than here (20 ns), and would be counted as the loop's. The second
	 * reads the clock around each phase, and its split is scaled to the first's total. */
	double t_tx = 0, t_kev = 0, t_rx = 0, total = 0;
	for (int timed = 0; timed < 2; timed++) {
		uint32_t limit = (timed + 1) * how_many;
		double started = now_ms();
		while (tx.packet_number < limit) {
			uint32_t next = tx.packet_number + batch;
			double a = timed ? now_ms() : 0;
			channel_send(&p0, &tx, next < limit ? next : limit);
			double b = timed ? now_ms() : 0;
			int32_t n = skt_kevent(kq, NULL, 0, (uint8_t *)evlist, 8, 0);
			OK(n);
			double c = timed ? now_ms() : 0;
			if (n > 0)
				channel_receive(&p1, &rx, UINT32_MAX);
			double d = timed ? now_ms() : 0;
			t_tx += b - a;
			t_kev += c - b;
			t_rx += d - c;
		}
		if (!timed)
			total = now_ms() - started;
	}
	CHECK(rx.count == 2 * how_many && rx.gaps == 0);
	double scale = total / (t_tx + t_kev + t_rx);
	t_tx *= scale;
	t_kev *= scale;
	t_rx *= scale;
	skt_kqueue_close(kq);
	double verify = verify_ns(&tx.b);
	printf("{\"frames\":%u,\"txNs\":%.1f,\"keventNs\":%.1f,\"rxNs\":%.1f,\"totalNs\":%.1f,"
	    "\"verifyNs\":%.1f}\n",
	    how_many, t_tx * 1e6 / how_many, t_kev * 1e6 / how_many, t_rx * 1e6 / how_many,
	    total * 1e6 / how_many, verify);
	fflush(stdout);
	return 0;   /* self_cleanup runs at exit */
}

/* ------------------------------------------------------------------- main */

/* ,"xdp":{...}: SKT_STAT_XDP_MODE .. SKT_STAT_XSK_RX_UNREAD by XdpStat's names */
static void xdp_json(char *out, size_t len, const char *ifname)
{
	static const char *const names[] = {
		"mode", "zeroCopy", "zeroCopyTried", "zeroCopyErrno", "rxDropped", "rxInvalidDescs",
		"txInvalidDescs", "rxRingFull", "rxFillRingEmptyDescs", "txRingEmptyDescs", "linkRxPackets",
		"linkRxDropped", "linkTxPackets", "linkTxDropped", "rxFrames", "txCompleted", "txInRxRegion",
		"txAddrMin", "txAddrMax", "rxAddrMin", "rxAddrMax", "rxUnread", "statsWaitMs",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == SKT_STAT_AFXDP_COUNT - SKT_STAT_XDP_MODE,
	    "one name per afxdp counter");
	uint64_t st[SKT_STAT_AFXDP_COUNT];
	int32_t n = skt_ifnet_get_stats(ifname, st, SKT_STAT_AFXDP_COUNT);
	OK(n);
	size_t k = (size_t)snprintf(out, len, ",\"xdp\":{");
	for (int i = SKT_STAT_XDP_MODE; i < n && k < len; i++)
		k += (size_t)snprintf(out + k, len - k, "%s\"%s\":%" PRIu64, i > SKT_STAT_XDP_MODE ? "," : "",
		    names[i - SKT_STAT_XDP_MODE], st[i]);
	if (k < len)
		snprintf(out + k, len - k, "}");
}

int main(int argc, char **argv)
{
	uint32_t how_many = 20000, batch = 8, pace_us = 1;
	int self = argc >= 2 && strcmp(argv[1], "--self") == 0;
	if (argc < 2) {
		fprintf(stderr, "usage: ref_child INDEX [--packets N] [--batch N] [--pace-us N]\n"
		    "       ref_child --self [--packets N] [--batch N]\n");
		return 2;
	}
	child = self ? 0 : (int)arg_u32(argv[1], "index");
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--packets") == 0)
			how_many = arg_u32(argv[i + 1], "--packets");
		else if (strcmp(argv[i], "--batch") == 0)
			batch = arg_u32(argv[i + 1], "--batch");
		else if (strcmp(argv[i], "--pace-us") == 0)
			pace_us = arg_u32(argv[i + 1], "--pace-us");
		else {
			fprintf(stderr, "ref_child: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	CHECK(child == 0 || child == 1);
	CHECK(how_many > 0 && batch > 0);
	if (self)
		return self_main(how_many, batch);
	const char *domain = getenv("SKT_AFXDP_ENV");
	if (domain == NULL)
		domain = getenv("SKT_SIM_DOMAIN");
	if (domain == NULL)
		die("SKT_SIM_DOMAIN is not set: the bench's driver starts this program");
	OK(skt_env_attach(domain));

	const char *ifname = child == 0 ? "feth0" : "feth1";
	const char *peer_name = child == 0 ? "feth1" : "feth0";
	const uint8_t *our_ip = child == 0 ? IP0 : IP1, *peer_ip = child == 0 ? IP1 : IP0;
	uint16_t our_port = child == 0 ? 0x1234 : 0x5678, peer_port = child == 0 ? 0x5678 : 0x1234;
	uint8_t our_mac[6], peer_mac[6], nx[16];
	OK(skt_ifnet_get_lladdr(ifname, our_mac));
	OK(skt_ifnet_get_lladdr(peer_name, peer_mac));

	uint64_t ctl_out = 0;
	OK(skt_nexus_controller_create(&ctl_out));
	skt_nxctl *ctl = (skt_nxctl *)(uintptr_t)ctl_out;
	OK(skt_ifnet_get_netif_nexus(ifname, nx));
	OK(skt_nexus_flow_add(ctl, nx, NXFLOWREQF_IPV6_ULA | NXFLOWREQF_LISTENER, NULL, NULL));
	int32_t nx_port = skt_nexus_flow_add(ctl, nx, NXFLOWREQF_IPV6_ULA, our_ip, peer_ip);
	OK(nx_port);
	int64_t attrs[] = { CHANNEL_ATTR_USER_PACKET_POOL, 1, CHANNEL_ATTR_NEXUS_DEFUNCT_OK, 1 };
	int64_t effective[CHANNEL_ATTR_COUNT];
	uint64_t ch_out = 0;
	OK(skt_channel_create(nx, (uint32_t)nx_port, attrs, 2, effective, &ch_out));
	struct port port = { .chan = (skt_channel *)(uintptr_t)ch_out, .nx_port = nx_port };
	port.fd = skt_channel_get_fd(port.chan);
	OK(port.fd);
	fprintf(stderr, "Opened port %d\n", nx_port);

	/* the sequencer: ready byte, then wait for go */
	uint8_t byte = 0x00;
	CHECK(write(STDOUT_FILENO, &byte, 1) == 1);
	if (read(STDIN_FILENO, &byte, 1) != 1)
		die("read fail: the sequencer pipe closed before the go byte");
	CHECK(byte == 0x00);
	fprintf(stderr, "child %d: Test Start\n", child);

	/* skt_netif_send_and_receive, test id txrx */
	double started = now_ms();
	static struct sender tx;
	static struct receiver rx;
	rx.last_number = -1;
	builder_init(&tx.b, our_mac, peer_mac, our_ip, peer_ip, our_port, peer_port);
	sender_init(&tx);
	rx.io[SKT_IO_UPP] = 1;
	int32_t kq = skt_kqueue();
	OK(kq);
	struct skt_kevent kev[2], evlist[8];
	kev_set(&kev[0], port.fd, EVFILT_WRITE, SKT_EV_ADD | SKT_EV_ENABLE);
	kev_set(&kev[1], port.fd, EVFILT_READ, SKT_EV_ADD | SKT_EV_ENABLE);
	OK(skt_kevent(kq, (const uint8_t *)kev, 2, NULL, 0, 0));
	int rx_complete = 0, tx_complete = 0;
	while (!rx_complete && !tx_complete) {
		int32_t n = skt_kevent(kq, NULL, 0, (uint8_t *)evlist, 8, TIMEOUT_NS);
		if (n == -EAGAIN)
			continue;
		OK(n);
		if (n == 0) {
			fprintf(stderr, "child %d: timed out, TX %s RX %s\n", child,
			    tx_complete ? "complete" : "incomplete", rx_complete ? "complete" : "incomplete");
			break;
		}
		for (int i = 0; i < n; i++) {
			if (evlist[i].flags & SKT_EV_ERROR) {
				if (evlist[i].data == EAGAIN)
					break;
				CHECK(evlist[i].data == 0);
			}
			switch (evlist[i].filter) {
			case EVFILT_READ:
				channel_receive(&port, &rx, how_many);
				if (rx.index >= how_many) {
					CHECK(rx.index == how_many);
					kev_set(&kev[0], port.fd, EVFILT_READ, SKT_EV_DELETE);
					OK(skt_kevent(kq, (const uint8_t *)kev, 1, NULL, 0, 0));
					rx_complete = 1;
				}
				break;
			case EVFILT_WRITE: {
				uint32_t next = tx.packet_number + batch;
				channel_send(&port, &tx, next < how_many ? next : how_many);
				if (tx.packet_number >= how_many) {
					CHECK(tx.packet_number == how_many);
					fprintf(stderr, "TX child %d: completed %u\n", child, how_many);
					tx_complete = 1;
					kev_set(&kev[0], port.fd, EVFILT_WRITE, SKT_EV_DELETE);
					OK(skt_kevent(kq, (const uint8_t *)kev, 1, NULL, 0, 0));
				}
				if (pace_us > 0)
					skt_usleep(pace_us);   /* upstream: yield for the peer to read */
				break;
			}
			default:
				die("unexpected kevent filter %d", evlist[i].filter);
			}
		}
	}
	double duration = now_ms() - started;
	fprintf(stderr, "RX child %d: received %u (of %u) %.2f%%\n", child, rx.count, how_many,
	    rx.count * 100.0 / how_many);
	CHECK(rx.count > 0);
	/* afxdp: the kernel's counters, named as ffi/constants.ts XdpStat (the parent checks the gaps) */
	char xdp[1024] = "";
	char name[16];
	if (skt_backend_name(name, sizeof(name)) > 0 && strcmp(name, "afxdp") == 0)
		xdp_json(xdp, sizeof(xdp), ifname);
	skt_kqueue_close(kq);
	skt_channel_destroy(port.chan);
	skt_nexus_controller_destroy(ctl);
	skt_env_detach();
	printf("{\"ok\":true,\"result\":{\"child\":%d,\"sent\":%u,\"received\":%u,\"gaps\":%u,"
	    "\"ifAdvEvents\":0,\"chanEvents\":0,\"txStatusEvents\":0,\"txExpiredEvents\":0,"
	    "\"durationMs\":%.3f,\"lastReceived\":%lld%s}}\n", child, tx.packet_number, rx.count, rx.gaps,
	    duration, (long long)rx.last_number, xdp);
	fflush(stdout);
	return 0;
}
