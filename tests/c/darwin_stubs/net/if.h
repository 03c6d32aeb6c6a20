/* Stand-in for the macOS SDK header of the same name, for the syntax-only
 * check of ffi/shim/darwin (tests/darwin_syntax_test.ts); never shipped.
 * Only what the shim uses, with values and layouts read in xnu-11215.1.10. */
#pragma once
#include <sys/types.h>
#include <sys/socket.h>
#define IF_NAMESIZE 16
#define IFNAMSIZ IF_NAMESIZE
#define IFF_UP 0x1
struct ifreq {
	char ifr_name[IFNAMSIZ];
	union {
		struct sockaddr ifru_addr;
		short   ifru_flags;
		int     ifru_mtu;
		caddr_t ifru_data;
		int     ifru_cap[2];
	} ifr_ifru;
};
#define ifr_addr  ifr_ifru.ifru_addr
#define ifr_flags ifr_ifru.ifru_flags
#pragma pack(4)
struct ifdrv {
	char          ifd_name[IFNAMSIZ];
	unsigned long ifd_cmd;
	size_t        ifd_len;
	void         *ifd_data;
};
#pragma pack()
#pragma pack(4)
struct if_data {
	u_char ifi_type, ifi_typelen, ifi_physical, ifi_addrlen, ifi_hdrlen, ifi_recvquota,
	    ifi_xmitquota, ifi_unused1;
	u_int32_t ifi_mtu, ifi_metric, ifi_baudrate;
	u_int32_t ifi_ipackets, ifi_ierrors, ifi_opackets, ifi_oerrors, ifi_collisions,
	    ifi_ibytes, ifi_obytes, ifi_imcasts, ifi_omcasts, ifi_iqdrops, ifi_noproto,
	    ifi_recvtiming, ifi_xmittiming;
	struct { int32_t tv_sec, tv_usec; } ifi_lastchange;
	u_int32_t ifi_unused2, ifi_hwassist, ifi_reserved1, ifi_reserved2;
};
#pragma pack()
