/*
 * sim_kill_test.c: every way the sim ends a process that misuses the SPI,
 * called straight on the sim's SPI (built from the sim backend's files, without the
 * shim's guards of ffi/shim/common): each case runs in a forked child and
 * must die by the signal xnu uses (SK_ABORT: a trap; skywalk_kill_process:
 * SIGABRT) with xnu's text on stderr. The guards that keep the shim from
 * getting here are tested in sim_test.c (t_guards).
 * Prints "ok N - name" / "not ok N - name"; exits 1 on any failure.
 * Past the usual size for a reason: one short function per abort or kill, and their table.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "skt_platform.h"
#include "skt_spi.h"
#include "sim/sim.h"

static int n_pass, n_fail;
static char dom[256];
static uint8_t uuid0[16], uuid1[16];
static nexus_port_t port0, port1;
static nexus_controller_t ctl;   /* its flows live as long as it does */

static const uint8_t IP_A[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a };
static const uint8_t IP_B[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b };

/* the two channels of a case (opened in the child: it owns them) */
struct chans {
	channel_t c0, c1;
	channel_ring_t tx0, rx1;
};

static channel_t open_chan(const uint8_t *uuid, nexus_port_t port)
{
	channel_attr_t a = os_channel_attr_create();
	os_channel_attr_set(a, CHANNEL_ATTR_USER_PACKET_POOL, 1);
	channel_t c = os_channel_create_extended(uuid, port, CHANNEL_DIR_TX_RX, CHANNEL_RING_ID_ANY, a);
	os_channel_attr_destroy(a);
	if (c == NULL)
		_exit(90);
	return c;
}

static void open_both(struct chans *c)
{
	c->c0 = open_chan(uuid0, port0);
	c->c1 = open_chan(uuid1, port1);
	c->tx0 = os_channel_tx_ring(c->c0, 0);
	c->rx1 = os_channel_rx_ring(c->c1, 0);
}

/* a finalized 60-byte frame from c0's pool (feth0 -> feth1, A -> B) */
static packet_t frame(channel_t c)
{
	packet_t ph;
	if (os_channel_packet_alloc(c, &ph) != 0)
		_exit(91);
	buflet_t b = os_packet_get_next_buflet(ph, NULL);
	uint8_t *p = os_buflet_get_object_address(b);
	memset(p, 0, 60);
	p[12] = 0x86;
	p[13] = 0xdd;
	p[14] = 0x60;
	memcpy(p + 22, IP_A, 16);
	memcpy(p + 38, IP_B, 16);
	os_buflet_set_data_length(b, 60);
	if (os_packet_finalize(ph) != 0)
		_exit(92);
	return ph;
}

/* one frame sent c0 -> c1 and made visible on c1's RX ring */
static channel_slot_t one_rx(struct chans *c)
{
	slot_prop_t p;
	channel_slot_t s = os_channel_get_next_slot(c->tx0, NULL, &p);
	os_channel_slot_attach_packet(c->tx0, s, frame(c->c0));
	os_channel_advance_slot(c->tx0, s);
	os_channel_sync(c->c0, CHANNEL_SYNC_TX);
	os_channel_sync(c->c1, CHANNEL_SYNC_RX);
	channel_slot_t r = os_channel_get_next_slot(c->rx1, NULL, &p);
	if (r == NULL)
		_exit(93);
	return r;
}

/* ---- the cases: each must not return ---- */

static void k_tx_slot_attached(void)
{
	struct chans c;
	open_both(&c);
	slot_prop_t p;
	channel_slot_t s = os_channel_get_next_slot(c.tx0, NULL, &p);
	os_channel_slot_attach_packet(c.tx0, s, frame(c.c0));
	os_channel_get_next_slot(c.tx0, NULL, &p);
}

static void k_rx_detached_head(void)
{
	struct chans c;
	open_both(&c);
	channel_slot_t r = one_rx(&c);
	os_channel_slot_detach_packet(c.rx1, r, os_channel_slot_get_packet(c.rx1, r));
	slot_prop_t p;
	os_channel_get_next_slot(c.rx1, NULL, &p);
}

static void k_gns_out_of_bounds(void)
{
	struct chans c;
	open_both(&c);
	slot_prop_t p;
	channel_slot_t s = os_channel_get_next_slot(c.tx0, NULL, &p);
	os_channel_get_next_slot(c.tx0, (channel_slot_t)(void *)((uint32_t *)(void *)s + 600), &p);
}

static void k_ssp_bad_metadata(void)
{
	struct chans c;
	open_both(&c);
	slot_prop_t p;
	channel_slot_t s = os_channel_get_next_slot(c.tx0, NULL, &p);   /* sp_mdata_ptr = 0 */
	p.sp_len = 60;
	os_channel_set_slot_properties(c.tx0, s, &p);
}

static void k_ssp_no_metadata(void)
{
	struct chans c;
	open_both(&c);
	slot_prop_t p;
	channel_slot_t s = os_channel_get_next_slot(c.tx0, NULL, &p);
	p.sp_mdata_ptr = (uint64_t)frame(c.c0);   /* a real packet, the slot holds none */
	os_channel_set_slot_properties(c.tx0, s, &p);
}

static void k_sgp_out_of_bounds(void)
{
	struct chans c;
	open_both(&c);
	slot_prop_t p;
	channel_slot_t s = os_channel_get_next_slot(c.tx0, NULL, &p);
	os_channel_advance_slot(c.tx0, s);
	os_channel_slot_get_packet(c.tx0, s);      /* behind head now */
}

static void k_attach_not_finalized(void)
{
	struct chans c;
	open_both(&c);
	slot_prop_t p;
	channel_slot_t s = os_channel_get_next_slot(c.tx0, NULL, &p);
	packet_t ph = 0;
	os_channel_packet_alloc(c.c0, &ph);
	os_channel_slot_attach_packet(c.tx0, s, ph);
}

static void k_attach_occupied(void)
{
	struct chans c;
	open_both(&c);
	slot_prop_t p;
	channel_slot_t s = os_channel_get_next_slot(c.tx0, NULL, &p);
	os_channel_slot_attach_packet(c.tx0, s, frame(c.c0));
	os_channel_slot_attach_packet(c.tx0, s, frame(c.c0));
}

static void k_attach_invalid_slot(void)
{
	struct chans c;
	open_both(&c);
	slot_prop_t p;
	channel_slot_t s = os_channel_get_next_slot(c.tx0, NULL, &p);
	os_channel_advance_slot(c.tx0, s);
	os_channel_slot_attach_packet(c.tx0, s, frame(c.c0));
}

static void k_detach_empty(void)
{
	struct chans c;
	open_both(&c);
	slot_prop_t p;
	channel_slot_t s = os_channel_get_next_slot(c.tx0, NULL, &p);
	os_channel_slot_detach_packet(c.tx0, s, frame(c.c0));
}

static void k_detach_mismatch(void)
{
	struct chans c;
	open_both(&c);
	channel_slot_t r = one_rx(&c);
	packet_t other = 0;
	os_channel_packet_alloc(c.c1, &other);
	os_channel_slot_detach_packet(c.rx1, r, other);
}

static void k_free_foreign(void)
{
	struct chans c;
	open_both(&c);
	os_channel_packet_free(c.c1, frame(c.c0));   /* c0's packet freed on c1 */
}

static void k_tx_sync_unallocated(void)
{
	struct chans c;
	open_both(&c);
	slot_prop_t p;
	channel_slot_t s = os_channel_get_next_slot(c.tx0, NULL, &p);
	os_channel_advance_slot(c.tx0, s);           /* no packet in it */
	os_channel_sync(c.c0, CHANNEL_SYNC_TX);
}

static void wait_one(channel_t ch, int16_t filter)
{
	int kq = plat_kqueue();
	struct skt_kevent k, ev;
	memset(&k, 0, sizeof(k));
	k.ident = (uint32_t)os_channel_get_fd(ch);
	k.filter = filter;
	k.flags = SKT_EV_ADD;
	plat_kevent(kq, &k, 1, NULL, 0, 0);
	plat_kevent(kq, NULL, 0, &ev, 1, 0);
}

static void k_write_wait_unallocated(void)
{
	struct chans c;
	open_both(&c);
	slot_prop_t p;
	channel_slot_t s = os_channel_get_next_slot(c.tx0, NULL, &p);
	os_channel_advance_slot(c.tx0, s);
	wait_one(c.c0, EVFILT_WRITE);
}

static void k_rx_sync_not_detached(void)
{
	struct chans c;
	open_both(&c);
	channel_slot_t r = one_rx(&c);
	os_channel_advance_slot(c.rx1, r);           /* its packet still attached */
	os_channel_sync(c.c1, CHANNEL_SYNC_RX);
}

static void k_read_wait_not_detached(void)
{
	struct chans c;
	open_both(&c);
	channel_slot_t r = one_rx(&c);
	os_channel_advance_slot(c.rx1, r);
	wait_one(c.c1, EVFILT_READ);
}

struct kcase {
	const char *name;
	void (*fn)(void);
	int sig;              /* 0: a trap (SIGILL or SIGTRAP) */
	const char *text;
};

static const struct kcase cases[] = {
	{ "get_next_slot on a UPP TX slot holding a packet", k_tx_slot_attached, 0,
	  "Tx slot has attached metadata: cause 0x0\n" },
	{ "get_next_slot on an RX slot detached, not advanced", k_rx_detached_head, 0,
	  "Slot descriptor has no metadata\n" },
	{ "get_next_slot after a slot outside [head, tail)", k_gns_out_of_bounds, 0,
	  "Index out of bounds in gns: cause 0x" },
	{ "set_slot_properties with sp_mdata_ptr 0", k_ssp_bad_metadata, 0,
	  "Metadata redzone corrupted: cause 0x0\n" },
	{ "set_slot_properties on a slot without metadata", k_ssp_no_metadata, 0,
	  "Slot descriptor has no metadata\n" },
	{ "slot_get_packet outside [head, tail)", k_sgp_out_of_bounds, 0,
	  "Index out of bounds in sgp: cause 0x0\n" },
	{ "attach an unfinalized packet", k_attach_not_finalized, 0, "packet not finalized\n" },
	{ "attach to a slot holding a packet", k_attach_occupied, 0, "Slot has attached packet: cause 0x" },
	{ "attach to a slot outside [head, tail)", k_attach_invalid_slot, 0, "Invalid slot: cause 0x" },
	{ "detach from an empty slot", k_detach_empty, 0, "Slot has no attached packet: cause 0x" },
	{ "detach another packet", k_detach_mismatch, 0, "packet handle mismatch\n" },
	{ "free another channel's packet", k_free_foreign, 0, "bad packet handle: cause 0x" },
	{ "TX sync after advancing past an empty UPP slot", k_tx_sync_unallocated, SIGABRT,
	  "aborted for reason 0x8 (SKYWALK_KILL_REASON_UNALLOCATED_PKT | SKYWALK_KILL_REASON_TX_SYNC)\n" },
	{ "WRITE wait after advancing past an empty UPP slot", k_write_wait_unallocated, SIGABRT,
	  "aborted for reason 0x8 (SKYWALK_KILL_REASON_UNALLOCATED_PKT | SKYWALK_KILL_REASON_TX_SYNC)\n" },
	{ "RX sync after advancing past an attached UPP slot", k_rx_sync_not_detached, SIGABRT,
	  "aborted for reason 0x8000000000000009 (SKYWALK_KILL_REASON_SLOT_NOT_DETACHED | "
	  "SKYWALK_KILL_REASON_RX_SYNC)\n" },
	{ "READ wait after advancing past an attached UPP slot", k_read_wait_not_detached, SIGABRT,
	  "aborted for reason 0x8000000000000009 (SKYWALK_KILL_REASON_SLOT_NOT_DETACHED | "
	  "SKYWALK_KILL_REASON_RX_SYNC)\n" },
};

static void run_case(int n, const struct kcase *k)
{
	int errp[2];
	if (pipe(errp) != 0)
		exit(2);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(errp[1], 2);
		close(errp[0]);
		k->fn();
		_exit(0);   /* survived: a failure */
	}
	close(errp[1]);
	char buf[1024];
	size_t len = 0;
	ssize_t r;
	while (len < sizeof(buf) - 1 && (r = read(errp[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	buf[len] = '\0';
	close(errp[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	bool sig_ok = k->sig ? sig == k->sig : (sig == SIGILL || sig == SIGTRAP);
	bool text_ok = strstr(buf, k->text) != NULL;
	if (sig_ok && text_ok) {
		n_pass++;
		printf("ok %d - %s\n", n, k->name);
	} else {
		n_fail++;
		printf("not ok %d - %s\n#   status 0x%x (signal %d), stderr: %s#   wanted: %s\n", n, k->name,
		    st, sig, buf, k->text);
	}
	fflush(stdout);
}

/* not a kill: libsyscall's get_next_slot on a UPP TX ring fills four fields and
 * leaves the rest of slot_prop_t (sp_idx included) as the caller had it */
static void t_upp_tx_prop(int n)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct chans c;
		open_both(&c);
		slot_prop_t p;
		memset(&p, 0xab, sizeof(p));
		channel_slot_t s = os_channel_get_next_slot(c.tx0, NULL, &p);
		slot_prop_t want;
		memset(&want, 0xab, sizeof(want));
		want.sp_len = 0;
		want.sp_flags = 0;
		want.sp_buf_ptr = 0;
		want.sp_mdata_ptr = 0;
		_exit(s != NULL && memcmp(&p, &want, sizeof(p)) == 0 ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	ok ? n_pass++ : n_fail++;
	printf("%s %d - get_next_slot on a UPP TX ring leaves sp_idx untouched (status 0x%x)\n",
	    ok ? "ok" : "not ok", n, st);
}

static int setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(dom, sizeof(dom), "%s/skt-sim-kill-%d", base, (int)getpid());
	plat_env_destroy(dom);
	int32_t v0 = 0, v1 = 1;
	if (plat_env_create(dom) < 0 ||
	    plat_sysctlbyname("net.link.fake.bsd_mode", NULL, NULL, &v0, 4) < 0 ||
	    plat_sysctlbyname("net.link.fake.llink_cnt", NULL, NULL, &v1, 4) < 0 ||
	    plat_sysctlbyname("kern.skywalk.disable_nxctl_check", NULL, NULL, &v1, 4) < 0 ||
	    plat_sysctlbyname("kern.skywalk.netif.sk_ll_prefix", NULL, NULL, "feth", 4) < 0 ||
	    plat_ifnet_create("feth0") < 0 || plat_ifnet_create("feth1") < 0 ||
	    plat_feth_set_peer("feth0", "feth1") < 0 ||
	    plat_ifnet_get_netif_nexus("feth0", uuid0) < 0 || plat_ifnet_get_netif_nexus("feth1", uuid1) < 0)
		return -1;
	ctl = os_nexus_controller_create();
	port0 = port1 = NEXUS_PORT_ANY;
	if (ctl == NULL || skt_spi_flow_add(ctl, uuid0, NXFLOWREQF_IPV6_ULA, IP_A, IP_B, &port0) != 0 ||
	    skt_spi_flow_add(ctl, uuid1, NXFLOWREQF_IPV6_ULA, IP_B, IP_A, &port1) != 0)
		return -1;
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setup() != 0) {
		printf("not ok 1 - setup\n");
		plat_env_destroy(dom);
		return 1;
	}
	int n = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(++n, &cases[i]);
	t_upp_tx_prop(++n);
	os_nexus_controller_destroy(ctl);
	plat_env_destroy(dom);
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
