/* Stand-in for the macOS SDK header of the same name, for the syntax-only
 * check of ffi/shim/darwin (tests/darwin_syntax_test.ts); never shipped.
 * Only what the shim uses, with values and layouts read in xnu-11215.1.10. */
#pragma once
#define IOCPARM_MASK 0x1fff
#define IOC_VOID  (uint32_t)0x20000000
#define IOC_OUT   (uint32_t)0x40000000
#define IOC_IN    (uint32_t)0x80000000
#define IOC_INOUT (IOC_IN|IOC_OUT)
#define _IOC(inout, group, num, len) \
	(inout | ((len & IOCPARM_MASK) << 16) | ((group) << 8) | (num))
#define _IOW(g, n, t)  _IOC(IOC_IN, (g), (n), sizeof(t))
#define _IOWR(g, n, t) _IOC(IOC_INOUT, (g), (n), sizeof(t))
