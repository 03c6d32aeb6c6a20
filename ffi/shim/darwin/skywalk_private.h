/*
 * skywalk_private.h: the private declarations the darwin backend needs beyond
 * skt_spi.h. None of them is in a public SDK (they sit under #ifdef PRIVATE or
 * in files the SDK does not install), so they are declared here, each with the
 * xnu header it comes from. Checked against apple-oss-distributions/xnu at the
 * tags named below; sizes and offsets are pinned so a wrong edit fails to build.
 *
 * Include after the system headers (<sys/socket.h>, <net/if.h>,
 * <netinet/in.h>, <sys/ioctl.h>): the structs below embed their types.
 */
#ifndef SKT_DARWIN_SKYWALK_PRIVATE_H
#define SKT_DARWIN_SKYWALK_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "../skt_spi.h"

/* ---- bsd/netinet/in_private.h: union sockaddr_in_4_6 -------------------
 * (its fourth arm, struct __sockaddr_header, is 2 bytes and changes nothing) */
union skt_sockaddr_in_4_6 {
	struct sockaddr     sa;
	struct sockaddr_in  sin;
	struct sockaddr_in6 sin6;
};

/* ---- bsd/skywalk/nexus/os_nexus_private.h: struct nx_flow_req ----------
 *
 * Two layouts, both 528 bytes in user space, chosen at run time from the
 * running kernel (darwin/flow.c):
 *  - nx_flow_req_v1: xnu-10002.61.3 through xnu-11417.121.6 (macOS 14.2 to
 *    15.x). xnu-10002.1.13 and .41.9 (macOS 14.0, 14.1) lack
 *    nfr_skip_policy_id (520 bytes): everything the shim sets lies before it,
 *    at the same offsets, so the request is the same there too.
 *  - nx_flow_req_v2: xnu-12377 (macOS 26): nfr_flags became 32 bits (so
 *    nfr_flags moves to 72, nfr_flow_uuid to 76, nfr_policy_id to 112) and
 *    nfr_flowid follows the demux patterns.
 * tests/darwin_nfr_layout_test.ts compiles these against xnu's own header
 * when one is at hand (SKT_XNU_HEADERS) and asserts every offset.
 *
 * libsyscall's __os_nexus_flow_add passes sizeof(ITS nx_flow_req) with our
 * pointer, and the kernel copies that many bytes in and back out. The shim
 * therefore hands over a zeroed buffer larger than any known layout
 * (struct skt_nx_flow_buf), never a bare struct.
 */
#define SKT_NFR_DARWIN_MIN 23   /* kern.osrelease major: macOS 14 (xnu-10002, 10063) */
#define SKT_NFR_DARWIN_V2  25   /* macOS 26 (xnu-12377): nx_flow_req_v2 */
#define SKT_NFR_DARWIN_MAX 25
#define SKT_NFR_MATCHES "Darwin 23 to 25: xnu-10002.61.3 to xnu-11417.121.6 (macOS 14.2 to 15.x) " \
	"and xnu-12377 (macOS 26)"

#define FLOW_DEMUX_MAX_LEN     32
#define MAX_FLOW_DEMUX_PATTERN 4
struct flow_demux_pattern {
	uint16_t fdp_offset;
	uint16_t fdp_len;
	uint8_t  fdp_mask[FLOW_DEMUX_MAX_LEN];
	uint8_t  fdp_value[FLOW_DEMUX_MAX_LEN];
};

/* the fields before nfr_flags, the same in both layouts */
#define SKT_NFR_HEAD \
	nexus_port_t               nfr_nx_port;          /* in: NEXUS_PORT_ANY; out: the port */ \
	uint16_t                   nfr_ethertype; \
	struct { uint8_t octet[6]; } nfr_etheraddr;      /* ether_addr_t */ \
	union skt_sockaddr_in_4_6  nfr_saddr; \
	union skt_sockaddr_in_4_6  nfr_daddr; \
	uint8_t                    nfr_ip_protocol; \
	uint8_t                    nfr_transport_protocol;
/* the fields from nfr_flow_uuid to the demux patterns, the same in both */
#define SKT_NFR_BODY \
	skt_uuid_t                 nfr_flow_uuid; \
	uint32_t                   nfr_svc_class;        /* packet_svc_class_t (enum) */ \
	skt_uuid_t                 nfr_euuid; \
	uint32_t                   nfr_policy_id; \
	uint32_t                   nfr_skip_policy_id;   /* since xnu-10002.61.3 */ \
	int32_t                    nfr_epid;             /* pid_t */ \
	uint32_t                   nfr_flowadv_idx;      /* flowadv_idx_t */ \
	skt_uuid_t                 nfr_bind_key; \
	uint64_t                   nfr_qset_id; \
	skt_uuid_t                 nfr_parent_flow_uuid; \
	uint8_t                    nfr_flow_demux_count; \
	struct flow_demux_pattern  nfr_flow_demux_patterns[MAX_FLOW_DEMUX_PATTERN];

struct nx_flow_req_v1 {
	SKT_NFR_HEAD
	uint16_t                   nfr_flags;            /* NXFLOWREQF_* */
	SKT_NFR_BODY
	uint8_t                    _nfr_opaque[80];      /* kernel-only fields */
};

struct nx_flow_req_v2 {
	SKT_NFR_HEAD
	uint32_t                   nfr_flags;            /* NXFLOWREQF_*, 32 bits since xnu-12377 */
	SKT_NFR_BODY
	uint32_t                   nfr_flowid;           /* since xnu-12377 */
	uint8_t                    _nfr_opaque[80];      /* kernel-only fields */
};

_Static_assert(sizeof(struct sockaddr_in6) == 28, "sockaddr_in6 is 28 bytes on darwin");
_Static_assert(sizeof(union skt_sockaddr_in_4_6) == 28, "sockaddr_in_4_6 is 28 bytes");
_Static_assert(sizeof(struct flow_demux_pattern) == 68, "flow_demux_pattern is 68 bytes");
_Static_assert(offsetof(struct nx_flow_req_v1, nfr_saddr) == 12, "v1: nfr_saddr at 12");
_Static_assert(offsetof(struct nx_flow_req_v1, nfr_daddr) == 40, "v1: nfr_daddr at 40");
_Static_assert(offsetof(struct nx_flow_req_v1, nfr_flags) == 70, "v1: nfr_flags at 70");
_Static_assert(offsetof(struct nx_flow_req_v1, nfr_flow_uuid) == 72, "v1: nfr_flow_uuid at 72");
_Static_assert(offsetof(struct nx_flow_req_v1, nfr_policy_id) == 108, "v1: nfr_policy_id at 108");
_Static_assert(offsetof(struct nx_flow_req_v1, nfr_epid) == 116, "v1: nfr_epid at 116");
_Static_assert(offsetof(struct nx_flow_req_v1, nfr_qset_id) == 144, "v1: nfr_qset_id at 144");
_Static_assert(offsetof(struct nx_flow_req_v1, nfr_flow_demux_patterns) == 170,
    "v1: nfr_flow_demux_patterns at 170");
_Static_assert(offsetof(struct nx_flow_req_v1, _nfr_opaque) == 442, "v1: _nfr_opaque at 442");
_Static_assert(sizeof(struct nx_flow_req_v1) == 528, "v1: nx_flow_req is 528 bytes");
_Static_assert(offsetof(struct nx_flow_req_v2, nfr_saddr) == 12, "v2: nfr_saddr at 12");
_Static_assert(offsetof(struct nx_flow_req_v2, nfr_daddr) == 40, "v2: nfr_daddr at 40");
_Static_assert(offsetof(struct nx_flow_req_v2, nfr_flags) == 72, "v2: nfr_flags at 72");
_Static_assert(offsetof(struct nx_flow_req_v2, nfr_flow_uuid) == 76, "v2: nfr_flow_uuid at 76");
_Static_assert(offsetof(struct nx_flow_req_v2, nfr_policy_id) == 112, "v2: nfr_policy_id at 112");
_Static_assert(offsetof(struct nx_flow_req_v2, nfr_epid) == 120, "v2: nfr_epid at 120");
_Static_assert(offsetof(struct nx_flow_req_v2, nfr_qset_id) == 144, "v2: nfr_qset_id at 144");
_Static_assert(offsetof(struct nx_flow_req_v2, nfr_flow_demux_patterns) == 170,
    "v2: nfr_flow_demux_patterns at 170");
_Static_assert(offsetof(struct nx_flow_req_v2, nfr_flowid) == 444, "v2: nfr_flowid at 444");
_Static_assert(offsetof(struct nx_flow_req_v2, _nfr_opaque) == 448, "v2: _nfr_opaque at 448");
_Static_assert(sizeof(struct nx_flow_req_v2) == 528, "v2: nx_flow_req is 528 bytes");

/* What the shim passes: the request at the start of 1 KiB of zeros. */
struct skt_nx_flow_buf {
	union {
		struct nx_flow_req_v1 v1;
		struct nx_flow_req_v2 v2;
		uint8_t               room[1024];
	};
};

/* bsd/skywalk/nexus/os_nexus_private.h; exported by libsystem_kernel */
extern int __os_nexus_flow_add(const nexus_controller_t ncd, const skt_uuid_t nx_uuid,
    const void *nfr /* struct nx_flow_req, layout per release */);

/* ---- bsd/net/if_fake_var.h: SIOCSDRVSPEC commands of feth --------------- */
#define IF_FAKE_S_CMD_SET_PEER 1
struct if_fake_request {
	uint64_t iffr_reserved[4];              /* must be zero */
	union {
		char iffru_buf[128];             /* stable size */
		char iffru_peer_name[IFNAMSIZ];
	} iffr_u;
};
_Static_assert(sizeof(struct if_fake_request) == 160, "if_fake_request is 160 bytes");

/* ---- bsd/net/if_private.h: struct if_nexusreq --------------------------- */
struct if_nexusreq {
	char       ifnr_name[IFNAMSIZ];
	uint64_t   ifnr_flags;                  /* unused, must be zero */
	skt_uuid_t ifnr_netif;                  /* netif nexus instance UUID */
	skt_uuid_t ifnr_flowswitch;
	uint64_t   ifnr_reserved[5];
};
_Static_assert(sizeof(struct if_nexusreq) == 96, "if_nexusreq is 96 bytes");

/* ---- bsd/sys/sockio_private.h ------------------------------------------- */
#ifndef SIOCGIFLLADDR
#define SIOCGIFLLADDR _IOWR('i', 158, struct ifreq)       /* get link level addr */
#endif
#ifndef SIOCGIFNEXUS
#define SIOCGIFNEXUS  _IOWR('i', 195, struct if_nexusreq) /* get nexus UUIDs */
#endif

/* ---- bsd/sys/event_private.h: EVFILT_NW_CHANNEL and NOTE_* are in skt_spi.h */

#endif /* SKT_DARWIN_SKYWALK_PRIVATE_H */
