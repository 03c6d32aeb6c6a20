/* Stand-in for the macOS SDK header of the same name, for the syntax-only
 * check of ffi/shim/darwin (tests/darwin_syntax_test.ts); never shipped.
 * Only what the shim uses, with values and layouts read in xnu-11215.1.10. */
#pragma once
#include <stdint.h>
#include <time.h>
#define EVFILT_READ  (-1)
#define EVFILT_WRITE (-2)
#define EV_ADD     0x0001
#define EV_DELETE  0x0002
#define EV_ENABLE  0x0004
#define EV_DISABLE 0x0008
#define EV_ERROR   0x4000
struct kevent {
	uintptr_t ident;
	int16_t   filter;
	uint16_t  flags;
	uint32_t  fflags;
	intptr_t  data;
	void     *udata;
};
#define EV_SET(kevp, a, b, c, d, e, f) do { \
	struct kevent *__kevp__ = (kevp); \
	__kevp__->ident = (a); __kevp__->filter = (int16_t)(b); __kevp__->flags = (uint16_t)(c); \
	__kevp__->fflags = (d); __kevp__->data = (e); __kevp__->udata = (f); \
} while (0)
int kqueue(void);
int kevent(int, const struct kevent *, int, struct kevent *, int, const struct timespec *);
