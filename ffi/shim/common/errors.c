/*
 * errors.c: identity of the library, the per-thread message of the last
 * failure (skt_last_error), and the SPI's return conventions made one: most
 * SPI calls return an errno value, os_channel_sync and
 * os_channel_configure_interface_advisory return -1 with errno,
 * os_channel_create_extended NULL with errno; the ABI returns -errno.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

_Static_assert(sizeof(struct skt_kevent) == 24, "struct skt_kevent is 24 bytes");
/* the SPI's own sizes are pinned in skt_spi.h, which every backend compiles */

static _Thread_local char last_err[256];

int32_t skt_fail(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(last_err))
		snprintf(last_err + n, sizeof(last_err) - (size_t)n, ": %s (errno %d)", strerror(err), err);
	return -err;
}

void skt_fail_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
}

int skt_spi_err(int r)
{
	if (r == 0)
		return 0;
	if (r == -1)
		return errno ? errno : EIO;
	return r > 0 ? r : -r;
}

static int32_t copy_str(char *buf, uint32_t len, const char *s)
{
	size_t n = strlen(s);
	if (buf != NULL && len > 0) {
		size_t k = n < len - 1 ? n : len - 1;
		memcpy(buf, s, k);
		buf[k] = '\0';
	}
	return (int32_t)n;
}

SKT_EXPORT uint32_t skt_abi_version(void) { return SKT_SHIM_ABI_VERSION; }
SKT_EXPORT int32_t skt_backend_name(char *buf, uint32_t len) { return copy_str(buf, len, SKT_BACKEND_NAME); }
SKT_EXPORT int32_t skt_last_error(char *buf, uint32_t len) { return copy_str(buf, len, last_err); }
