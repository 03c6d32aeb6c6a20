/*
 * xsk.c: opening a channel's AF_XDP socket through libxdp: a fresh UMEM
 * registration per attempt, native (DRV) then generic (SKB) XDP unless the run
 * asks for one, and in copy mode XDP_ZEROCOPY tried first (its errno kept for
 * the report) before XDP_COPY. libxdp's and libbpf's messages become the
 * failure's explanation instead of going to stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_link.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "afxdp.h"

/* --------------------------------------------------------------- opening */

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list args)
{
	if (level == LIBXDP_DEBUG)
		return 0;
	char msg[256];
	int n = vsnprintf(msg, sizeof(msg), fmt, args);
	while (n > 0 && (size_t)n < sizeof(msg) && msg[n - 1] == '\n')
		msg[--n] = '\0';
	axp_set_why("libxdp: %s", msg);
	return 0;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return libxdp_log(level == LIBBPF_DEBUG ? LIBXDP_DEBUG : LIBXDP_WARN, fmt, args);
}

void axp_xsk_close(struct channel *ch)
{
	if (ch->xsk)
		xsk_socket__delete(ch->xsk);
	if (ch->umem)
		xsk_umem__delete(ch->umem);
	ch->xsk = NULL;
	ch->umem = NULL;
	ch->fd = -1;
}

/* one attempt: a fresh UMEM registration and a socket; 0 or an errno */
static int xsk_try(struct channel *ch, uint32_t xdp_flags, uint16_t bind_flags)
{
	struct xsk_umem_config ucfg = {
		.fill_size = AXP_FILL_SIZE, .comp_size = AXP_COMP_SIZE,
		.frame_size = AXP_FRAME_SIZE, .frame_headroom = 0, .flags = 0,
	};
	int err = -xsk_umem__create(&ch->umem, ch->area, (uint64_t)AXP_FRAMES * AXP_FRAME_SIZE,
	    &ch->fill, &ch->comp, &ucfg);
	if (err) {
		ch->umem = NULL;
		return err;
	}
	struct xsk_socket_config scfg = {
		.rx_size = AXP_RX_SLOTS, .tx_size = AXP_TX_SLOTS,
		.libxdp_flags = 0, .xdp_flags = xdp_flags,
		.bind_flags = (uint16_t)(XDP_USE_NEED_WAKEUP | bind_flags),
	};
	err = -xsk_socket__create(&ch->xsk, ch->ifname, 0, ch->umem, &ch->rx, &ch->tx, &scfg);
	if (err) {
		ch->xsk = NULL;
		axp_xsk_close(ch);
		return err;
	}
	ch->fd = xsk_socket__fd(ch->xsk);
	return 0;
}

/* the modes to attach in, in order */
static int modes(uint32_t out[2])
{
	switch (g_env.mode) {
	case MODE_DRV: out[0] = XDP_FLAGS_DRV_MODE; return 1;
	case MODE_SKB: out[0] = XDP_FLAGS_SKB_MODE; return 1;
	default: out[0] = XDP_FLAGS_DRV_MODE; out[1] = XDP_FLAGS_SKB_MODE; return 2;
	}
}

/* in the interface's namespace: socket and program, with the fallbacks */
int axp_xsk_open(struct channel *ch)
{
	libxdp_set_print(libxdp_log);
	libbpf_set_print(libbpf_log);
	uint32_t m[2];
	int nm = modes(m), err = EINVAL;
	for (int i = 0; i < nm; i++) {
		ch->xdp_mode = m[i] == XDP_FLAGS_DRV_MODE ? MODE_DRV : MODE_SKB;
		if (g_env.bind == BIND_COPY) {
			ch->zc_tried = 1;
			ch->zc_errno = xsk_try(ch, m[i], XDP_ZEROCOPY);
			if (ch->zc_errno == 0) {
				ch->zerocopy = 1;
				return 0;
			}
			err = xsk_try(ch, m[i], XDP_COPY);
		} else {
			err = xsk_try(ch, m[i], 0);
		}
		if (err == 0) {
			struct xdp_options opt;
			socklen_t len = sizeof(opt);
			if (getsockopt(ch->fd, SOL_XDP, XDP_OPTIONS, &opt, &len) == 0)
				ch->zerocopy = (opt.flags & XDP_OPTIONS_ZEROCOPY) != 0;
			return 0;
		}
	}
	return err;
}
