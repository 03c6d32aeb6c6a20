/* Stand-in for the macOS SDK header of the same name, for the syntax-only
 * check of ffi/shim/darwin (tests/darwin_syntax_test.ts); never shipped.
 * Only what the shim uses, with values and layouts read in xnu-11215.1.10. */
#pragma once
extern int *__error(void);
#define errno (*__error())
#define EPERM 1
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define EBADF 9
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define EAGAIN 35
#define ENOTSUP 45
#define ENODATA 96
#define EPROTO 100
