/* Stand-in for the macOS SDK header of the same name, for the syntax-only
 * check of ffi/shim/darwin (tests/darwin_syntax_test.ts); never shipped.
 * Only what the shim uses, with values and layouts read in xnu-11215.1.10. */
#pragma once
#include <sys/types.h>
#define SOCK_DGRAM 2
#define AF_INET 2
#define AF_LINK 18
#define AF_INET6 30
struct sockaddr { uint8_t sa_len; sa_family_t sa_family; char sa_data[14]; };
int socket(int, int, int);
