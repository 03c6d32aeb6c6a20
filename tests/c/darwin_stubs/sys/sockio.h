/* Stand-in for the macOS SDK header of the same name, for the syntax-only
 * check of ffi/shim/darwin (tests/darwin_syntax_test.ts); never shipped.
 * Only what the shim uses, with values and layouts read in xnu-11215.1.10. */
#pragma once
#include <sys/ioccom.h>
#define SIOCSIFFLAGS  _IOW('i', 16, struct ifreq)
#define SIOCGIFFLAGS  _IOWR('i', 17, struct ifreq)
#define SIOCIFCREATE  _IOWR('i', 120, struct ifreq)
#define SIOCIFDESTROY _IOW('i', 121, struct ifreq)
#define SIOCSDRVSPEC  _IOW('i', 123, struct ifdrv)
