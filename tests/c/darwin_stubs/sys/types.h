/* Stand-in for the macOS SDK header of the same name, for the syntax-only
 * check of ffi/shim/darwin (tests/darwin_syntax_test.ts); never shipped.
 * Only what the shim uses, with values and layouts read in xnu-11215.1.10. */
#pragma once
#include <stddef.h>
#include <stdint.h>
typedef long ssize_t;
typedef long time_t;
typedef int32_t pid_t;
typedef uint32_t useconds_t;
typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
typedef uint32_t u_int32_t;
typedef uint8_t u_int8_t;
typedef char *caddr_t;
typedef uint8_t sa_family_t;
typedef uint16_t in_port_t;
