/*
 * backend.c: the skywalk backend's platform hooks that need no private
 * declarations: the environment (nothing to set up: the kernel is shared),
 * sysctlbyname, and mach time with the real timebase.
 *
 * The Skywalk SPI itself (os_channel_*, os_packet_*, os_buflet_*,
 * os_nexus_controller_*) is libsystem_kernel's, linked with -lSystem; the
 * other files of darwin/ are ifnet.c (ioctls on feth), kevent.c and flow.c.
 * Every hook returns 0 (or a count) on success and a negative errno.
 */
#include <sys/types.h>
#include <sys/sysctl.h>
#include <errno.h>
#include <mach/mach_time.h>
#include <stddef.h>

#include "../skt_platform.h"

/* the sim's shared-memory domain has no counterpart on a real kernel */
int32_t plat_env_create(const char *path) { (void)path; return 0; }
int32_t plat_env_attach(const char *path) { (void)path; return 0; }
int32_t plat_env_detach(void) { return 0; }
int32_t plat_env_destroy(const char *path) { (void)path; return 0; }

int32_t plat_sysctlbyname(const char *name, void *oldp, uint32_t *oldlenp,
    const void *newp, uint32_t newlen)
{
	if (name == NULL)
		return -EINVAL;
	size_t oldlen = oldlenp != NULL ? *oldlenp : 0;
	if (sysctlbyname(name, oldp, oldlenp != NULL ? &oldlen : NULL,
	    (void *)(uintptr_t)newp, newlen) != 0)
		return errno ? -errno : -EIO;
	if (oldlenp != NULL)
		*oldlenp = oldlen > UINT32_MAX ? UINT32_MAX : (uint32_t)oldlen;
	return 0;
}

uint64_t plat_mach_absolute_time(void)
{
	return mach_absolute_time();
}

int32_t plat_mach_timebase_info(uint32_t *numer, uint32_t *denom)
{
	mach_timebase_info_data_t tb;
	if (mach_timebase_info(&tb) != KERN_SUCCESS || tb.denom == 0)
		return -EIO;
	*numer = tb.numer;
	*denom = tb.denom;
	return 0;
}
