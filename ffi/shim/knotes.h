/*
 * knotes.h: the knote table of the kqueue stand-ins (sim/kevent.c,
 * afxdp/kevent.c), and how one kevent change edits it: EV_ADD (a new knote,
 * or new fflags for the one there; enabled either way), EV_ENABLE,
 * EV_DISABLE, EV_DELETE. Readiness and waiting are each backend's own.
 */
#ifndef SKT_KNOTES_H
#define SKT_KNOTES_H

#include <errno.h>
#include <string.h>

#include "skt_platform.h"
#include "skt_spi.h"

struct knote {
	int      used, enabled;
	uint32_t ident, sfflags;
	int16_t  filter;
};

/* Applies change c to the n knotes of one kqueue; returns 0 or an errno:
 * EINVAL (a filter the stand-ins do not have), ENOMEM (no free knote),
 * ENOENT (no knote to enable, disable or delete). Whether c->ident names a
 * channel is the caller's check (EBADF). */
static inline int knote_apply(struct knote *kn, int n, const struct skt_kevent *c)
{
	if (c->filter != EVFILT_READ && c->filter != EVFILT_WRITE && c->filter != EVFILT_NW_CHANNEL)
		return EINVAL;
	struct knote *k = NULL, *spare = NULL;
	for (int i = 0; i < n; i++) {
		struct knote *x = &kn[i];
		if (x->used && x->ident == c->ident && x->filter == c->filter)
			k = x;
		else if (!x->used && spare == NULL)
			spare = x;
	}
	if (c->flags & SKT_EV_ADD) {
		if (k == NULL) {
			if (spare == NULL)
				return ENOMEM;
			k = spare;
			memset(k, 0, sizeof(*k));
			k->used = 1;
			k->ident = c->ident;
			k->filter = c->filter;
		}
		k->sfflags = c->fflags;
		k->enabled = 1;
	}
	if (k == NULL)
		return ENOENT;
	if (c->flags & SKT_EV_ENABLE)
		k->enabled = 1;
	if (c->flags & SKT_EV_DISABLE)
		k->enabled = 0;
	if (c->flags & SKT_EV_DELETE)
		k->used = 0;
	return 0;
}

#endif /* SKT_KNOTES_H */
