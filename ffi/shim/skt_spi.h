/*
 * skt_spi.h: the subset of Apple's private Skywalk SPI that skt's shim calls.
 *
 * The SPI headers are not in any public SDK, so the shim carries its own
 * declarations. Names, types and values follow xnu (apple-oss-distributions/xnu,
 * xnu-11215 era); the xnu header each block comes from is named beside it.
 *
 * Two implementations stand behind these declarations:
 *   - darwin: libsystem_kernel.dylib (the real SPI, linked with -lSystem);
 *   - sim:    ffi/shim/sim/ (a userspace model of feth + netif in shared memory).
 * The shim's common layer (ffi/shim/common.c) is written only against this file.
 */
#ifndef SKT_SPI_H
#define SKT_SPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- bsd/skywalk/os_nexus.h, os_nexus_private.h ------------------------- */
typedef uint16_t nexus_port_t;
#define NEXUS_PORT_ANY ((nexus_port_t)-1)
typedef unsigned char skt_uuid_t[16];
typedef struct nexus_controller *nexus_controller_t;

#define NXFLOWREQF_FILTER        0x0004
#define NXFLOWREQF_CUSTOM_ETHER  0x0008
#define NXFLOWREQF_IPV6_ULA  0x0010
#define NXFLOWREQF_LISTENER  0x0020

/* ---- bsd/skywalk/channel/os_channel.h ----------------------------------- */
typedef struct channel *channel_t;
typedef struct channel_ring_desc *channel_ring_t;
typedef struct __slot_desc *channel_slot_t;
typedef struct channel_attr *channel_attr_t;
typedef uint32_t ring_id_t;
typedef uint32_t ring_dir_t;      /* enum in xnu; fixed width here */
typedef uint32_t ring_id_type_t;
typedef uint32_t sync_mode_t;
typedef uint32_t channel_attr_type_t;

#define CHANNEL_DIR_TX_RX 0
#define CHANNEL_DIR_TX    1
#define CHANNEL_DIR_RX    2
#define CHANNEL_RING_ID_ANY ((ring_id_t)-1)
#define CHANNEL_FIRST_TX_RING 0
#define CHANNEL_LAST_TX_RING  1
#define CHANNEL_FIRST_RX_RING 2
#define CHANNEL_LAST_RX_RING  3
#define CHANNEL_SYNC_TX 0
#define CHANNEL_SYNC_RX 1

/* channel_attr_type_t values (enum order in os_channel.h) */
#define CHANNEL_ATTR_TX_RINGS          0
#define CHANNEL_ATTR_RX_RINGS          1
#define CHANNEL_ATTR_TX_SLOTS          2
#define CHANNEL_ATTR_RX_SLOTS          3
#define CHANNEL_ATTR_SLOT_BUF_SIZE     4
#define CHANNEL_ATTR_SLOT_META_SIZE    5
#define CHANNEL_ATTR_EXCLUSIVE         6
#define CHANNEL_ATTR_NO_AUTO_SYNC      7
#define CHANNEL_ATTR_MONITOR           8
#define CHANNEL_ATTR_TX_LOWAT_UNIT     9
#define CHANNEL_ATTR_TX_LOWAT_VALUE    10
#define CHANNEL_ATTR_RX_LOWAT_UNIT     11
#define CHANNEL_ATTR_RX_LOWAT_VALUE    12
#define CHANNEL_ATTR_NEXUS_TYPE        13
#define CHANNEL_ATTR_USER_PACKET_POOL  24
#define CHANNEL_ATTR_NEXUS_DEFUNCT_OK  26
#define CHANNEL_ATTR_EVENT_RING        28
#define CHANNEL_ATTR_MAX_FRAGS         29
#define CHANNEL_ATTR_NUM_BUFFERS       30
#define CHANNEL_ATTR_LOW_LATENCY       31
#define CHANNEL_ATTR_COUNT             33

/* slot_prop_t: 64 bytes, 8-aligned (os_channel.h) */
typedef struct slot_prop {
	uint16_t sp_flags;
	uint16_t sp_len;
	uint32_t sp_idx;
	uint64_t sp_ext_ptr;
	uint64_t sp_buf_ptr;
	uint64_t sp_mdata_ptr;
	uint32_t _sp_pad[8];
} slot_prop_t;

/* ---- bsd/skywalk/packet/os_packet.h ------------------------------------- */
typedef uint64_t packet_t;
typedef struct __user_buflet *buflet_t;
#define OS_PACKET_PKTID_VERSION_1       1
#define OS_PACKET_PKTID_VERSION_CURRENT OS_PACKET_PKTID_VERSION_1

/* packet_id_t: 16 bytes */
typedef struct {
	uint8_t  pktid_version;
	uint8_t  pktid_payload_type;
	uint16_t pktid_sequence_number;
	uint32_t pktid_timestamp;
	uint32_t pktid_stream_identifier;
	uint32_t _reserved;
} packet_id_t;

typedef uint32_t packet_expiry_action_t;  /* an enum in xnu: int-sized */
#define PACKET_EXPIRY_ACTION_NONE   0
#define PACKET_EXPIRY_ACTION_DROP   1
#define PACKET_EXPIRY_ACTION_NOTIFY 2

/* ---- bsd/skywalk/channel/os_channel_event.h ----------------------------- */
typedef uint64_t os_channel_event_handle_t;
typedef uint64_t os_channel_event_t;  /* mach_vm_address_t in xnu */
typedef uint32_t os_channel_event_type_t;
#define CHANNEL_EVENT_PACKET_TRANSMIT_STATUS  1
#define CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED 2
#define CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_FLUSH        1
#define CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_RETRY_FAILED 2
#define CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_NOT_EXPIRED 0
#define CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_DROPPED 1
#define CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_NOT_DROPPED 2

/* 20 bytes */
typedef struct {
	packet_id_t packet_id;
	int32_t     packet_status;
} os_channel_event_packet_transmit_status_t;

/* 40 bytes */
typedef struct {
	packet_id_t packet_id;
	uint64_t    packet_tx_expiration_deadline;
	uint64_t    packet_tx_expiration_timestamp;
	uint16_t    packet_tx_expiration_status;
	uint16_t    packet_tx_expiration_origin;
} os_channel_event_packet_transmit_expired_t;

#define CHANNEL_EVENT_MAX_PAYLOAD_LEN 40

/* 24 bytes on LP64 */
struct os_channel_event_data {
	os_channel_event_type_t event_type;
	int32_t                 event_more;   /* boolean_t */
	uint16_t                event_data_length;
	uint8_t                 *event_data;
};

/* ---- bsd/net/if_var_status.h: struct ifnet_interface_advisory (96 B) ----
 * Only its size matters to the shim (the SPI copies the whole struct); the
 * version 2 arm is declared so the size is computed, not just stated:
 * packed header (4) + capacity (48) + wifi context (37) = 89, aligned to 8. */
#define IF_INTERFACE_ADVISORY_SIZE 96
#pragma pack(push, 1)
struct skt_ifnet_interface_advisory {
	struct {
		uint8_t version, direction, interface_type, notification_type;
	} header;
	struct {
		int32_t  rate_trend_suggestion;
		uint64_t timestamp;              /* mach absolute time */
		uint64_t max_bandwidth;
		uint64_t total_byte_count;
		uint64_t average_throughput;
		uint32_t flushable_queue_size;
		uint32_t non_flushable_queue_size;
		uint32_t average_delay;
	} capacity;
	union {
		struct {
			uint8_t  frequency_band, intermittent_state;
			uint16_t estimated_intermittent_period, single_outage_period;
			uint8_t  bt_coex, quality_score_delay, quality_score_loss,
			    quality_score_channel, radio_coex;
			uint16_t wlan_duty_cycle;
			uint32_t wifi_observed_tx_bitrate[6];
		} wifi_context;
		uint8_t cell_context[16];
	};
} __attribute__((aligned(8)));
#pragma pack(pop)

/* ---- bsd/sys/event_private.h -------------------------------------------- */
#ifndef EVFILT_READ   /* <sys/event.h> has them on darwin */
#define EVFILT_READ        (-1)
#define EVFILT_WRITE       (-2)
#endif
#define EVFILT_NW_CHANNEL  (-16)
#define NOTE_FLOW_ADV_UPDATE 0x00000001
#define NOTE_CHANNEL_EVENT   0x00000002
#define NOTE_IF_ADV_UPD      0x00000004

/* ---- functions (all exported by libsystem_kernel; implemented by sim) ---- */
nexus_controller_t os_nexus_controller_create(void);
void os_nexus_controller_destroy(nexus_controller_t ctl);

channel_attr_t os_channel_attr_create(void);
void os_channel_attr_destroy(channel_attr_t attr);
int os_channel_attr_set(channel_attr_t attr, channel_attr_type_t type, uint64_t value);
int os_channel_attr_get(channel_attr_t attr, channel_attr_type_t type, uint64_t *value);
channel_t os_channel_create_extended(const skt_uuid_t uuid, nexus_port_t port,
    ring_dir_t dir, ring_id_t rid, channel_attr_t attr);
void os_channel_destroy(channel_t chd);
int os_channel_get_fd(channel_t chd);
ring_id_t os_channel_ring_id(channel_t chd, ring_id_type_t type);
channel_ring_t os_channel_tx_ring(channel_t chd, ring_id_t rid);
channel_ring_t os_channel_rx_ring(channel_t chd, ring_id_t rid);
int os_channel_sync(channel_t chd, sync_mode_t mode);

channel_slot_t os_channel_get_next_slot(channel_ring_t ring, channel_slot_t slot, slot_prop_t *prop);
int os_channel_advance_slot(channel_ring_t ring, channel_slot_t slot);
uint32_t os_channel_available_slot_count(channel_ring_t ring);
void os_channel_set_slot_properties(channel_ring_t ring, channel_slot_t slot, const slot_prop_t *prop);
packet_t os_channel_slot_get_packet(channel_ring_t ring, channel_slot_t slot);
int os_channel_slot_attach_packet(channel_ring_t ring, channel_slot_t slot, packet_t ph);
int os_channel_slot_detach_packet(channel_ring_t ring, channel_slot_t slot, packet_t ph);
int os_channel_packet_alloc(channel_t chd, packet_t *ph);
int os_channel_packet_free(channel_t chd, packet_t ph);

int os_channel_configure_interface_advisory(channel_t chd, int enable /* boolean_t */);
int os_channel_get_interface_advisory(channel_t chd, void *advisory /* 96 B */);
int os_channel_get_next_event_handle(channel_t chd, os_channel_event_handle_t *eh,
    os_channel_event_type_t *etype, uint32_t *nevents);
int os_channel_event_free(channel_t chd, os_channel_event_handle_t eh);
int os_channel_event_get_next_event(os_channel_event_handle_t eh, os_channel_event_t prev,
    os_channel_event_t *event);
int os_channel_event_get_event_data(os_channel_event_t event, struct os_channel_event_data *data);

buflet_t os_packet_get_next_buflet(packet_t ph, buflet_t prev);
uint32_t os_packet_get_buflet_count(packet_t ph);
int os_packet_set_link_header_length(packet_t ph, uint8_t len);
uint8_t os_packet_get_link_header_length(packet_t ph);
uint32_t os_packet_get_data_length(packet_t ph);
int os_packet_set_packetid(packet_t ph, packet_id_t *pktid);
int os_packet_get_packetid(packet_t ph, packet_id_t *pktid);
int os_packet_set_expire_time(packet_t ph, uint64_t ts);
int os_packet_get_expire_time(packet_t ph, uint64_t *ts);
int os_packet_set_expiry_action(packet_t ph, packet_expiry_action_t action);
int os_packet_finalize(packet_t ph);

int os_buflet_set_data_offset(buflet_t buf, uint32_t off);
uint32_t os_buflet_get_data_offset(buflet_t buf);
int os_buflet_set_data_length(buflet_t buf, uint32_t len);
uint32_t os_buflet_get_data_length(buflet_t buf);
void *os_buflet_get_object_address(buflet_t buf);
uint32_t os_buflet_get_data_limit(buflet_t buf);

/* __os_nexus_flow_add takes a struct nx_flow_req whose layout changes between
 * xnu releases; each backend declares it privately and exposes this adapter.
 * Returns 0 or an errno value. */
int skt_spi_flow_add(nexus_controller_t ctl, const skt_uuid_t nx_uuid, uint16_t flags,
    const uint8_t *saddr6 /* NULL = none */, const uint8_t *daddr6, nexus_port_t *nx_port);
/* Why the calling thread's last skt_spi_flow_add failed, beyond its errno
 * (e.g. "the nx_flow_req layout does not match this macOS"), or NULL. */
const char *skt_spi_flow_add_explain(void);

/* ---- sizes and offsets pinned (xnu-spi.md section 3; LP64) -------------- */
_Static_assert(sizeof(slot_prop_t) == 64, "slot_prop_t is 64 bytes");
_Static_assert(_Alignof(slot_prop_t) == 8, "slot_prop_t is 8-aligned");
_Static_assert(offsetof(slot_prop_t, sp_idx) == 4, "slot_prop_t.sp_idx at 4");
_Static_assert(offsetof(slot_prop_t, sp_buf_ptr) == 16, "slot_prop_t.sp_buf_ptr at 16");
_Static_assert(offsetof(slot_prop_t, _sp_pad) == 32, "slot_prop_t._sp_pad at 32");
_Static_assert(sizeof(packet_id_t) == 16, "packet_id_t is 16 bytes");
_Static_assert(offsetof(packet_id_t, pktid_timestamp) == 4, "packet_id_t.pktid_timestamp at 4");
_Static_assert(offsetof(packet_id_t, pktid_stream_identifier) == 8,
    "packet_id_t.pktid_stream_identifier at 8");
_Static_assert(sizeof(os_channel_event_packet_transmit_status_t) == 20,
    "transmit status event is 20 bytes");
_Static_assert(offsetof(os_channel_event_packet_transmit_status_t, packet_status) == 16,
    "transmit status event: packet_status at 16");
_Static_assert(sizeof(os_channel_event_packet_transmit_expired_t) == 40,
    "transmit expired event is 40 bytes");
_Static_assert(offsetof(os_channel_event_packet_transmit_expired_t, packet_tx_expiration_deadline) == 16,
    "transmit expired event: deadline at 16");
_Static_assert(offsetof(os_channel_event_packet_transmit_expired_t, packet_tx_expiration_status) == 32,
    "transmit expired event: status at 32");
_Static_assert(sizeof(struct os_channel_event_data) == 24, "os_channel_event_data is 24 bytes");
_Static_assert(offsetof(struct os_channel_event_data, event_data) == 16,
    "os_channel_event_data.event_data at 16");
_Static_assert(sizeof(struct skt_ifnet_interface_advisory) == IF_INTERFACE_ADVISORY_SIZE,
    "interface advisory is 96 bytes");
_Static_assert(offsetof(struct skt_ifnet_interface_advisory, capacity.timestamp) == 8,
    "interface advisory: capacity.timestamp at 8");
_Static_assert(sizeof(packet_expiry_action_t) == 4, "packet_expiry_action_t is an int-sized enum");

#endif /* SKT_SPI_H */
