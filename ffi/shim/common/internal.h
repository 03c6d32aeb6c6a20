/*
 * internal.h: what the files of the shim's common layer (ffi/shim/common/)
 * share. The common layer is the exported ABI (skt_shim.h) written only
 * against the Skywalk SPI (skt_spi.h) and the platform hooks
 * (skt_platform.h), so the same files serve every backend:
 *   errors.c    the per-thread message of the last failure, SPI return
 *               conventions (errno value, -1 + errno, NULL + errno) -> -errno
 *   platform.c  environment, sysctl, interfaces, kqueue/kevent, time
 *   nexus.c     nexus controller and flow add
 *   channel.c   channel open/close/sync, the per-channel packet handle table
 *   ring.c      slot windows, slot tokens, slot operations and their guards
 *   packet.c    packet pool, packets, buflets
 *   event.c     interface advisories and channel events
 *   pool_map.c  the packet pool's mapping, and its alias into a caller's buffer
 *   fused.c     upstream's runs of SPI calls on one slot or packet, one call each
 * Misuse that libsyscall aborts on or the kernel kills for is refused here
 * with -EINVAL and a message first (DESIGN.md, "guards").
 */
#ifndef SKT_COMMON_INTERNAL_H
#define SKT_COMMON_INTERNAL_H

#include <stdint.h>

#include "../skt_shim.h"
#include "../skt_spi.h"

#ifndef SKT_BACKEND_NAME
#define SKT_BACKEND_NAME "unknown"
#endif

/* errors.c */
int32_t skt_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void skt_fail_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int skt_spi_err(int r);
#define fail skt_fail
#define spi_err skt_spi_err

/* a platform hook's result (0, a count, or -errno) with a message on failure */
#define PLAT(call, ...) do { int32_t r_ = (call); \
	return r_ < 0 ? fail(-r_, __VA_ARGS__) : r_; } while (0)

/* ---- packet handles (channel.c) ----
 * u32 handle = generation << HT_BITS | table index; 0 is never a handle. */
#define HT_BITS   12
#define HT_SIZE   (1u << HT_BITS)        /* pool (2048) + events + slack */
#define HT_GENMAX 0x7ffffu               /* handles stay positive as int32 */
#define EV_CACHE  4

enum { H_LIVE = 1, H_FINAL = 2, H_ATTACHED = 4, H_EVENT = 8 };

struct hent {
	packet_t ph;
	uint32_t gen;
	uint8_t  flags, ring, nev, _pad;
	uint32_t slot;           /* slot token while H_ATTACHED */
	int32_t  next_free;
	os_channel_event_t ev[EV_CACHE];
};

/* ---- slot windows (ring.c) ----
 * A slot token is a free-running 31-bit count of the ring's slots since the
 * channel opened: the head slot's token is head_tok, the next one head_tok+1.
 * The window is the slots get_next_slot has returned since the head (known
 * of them): their descriptors, indexed by token modulo cap (a power of two,
 * grown as needed). Neither the ring's size nor slot_prop_t.sp_idx is used:
 * libsyscall leaves sp_idx untouched on a user-packet-pool TX ring, and
 * CHANNEL_ATTR_TX_SLOTS is the provider's parameter, not the ring's size. */
#define TOK_MASK 0x7fffffffu
struct slot_ent {
	channel_slot_t sd;       /* the slot descriptor */
	uint64_t mdata;          /* sp_mdata_ptr as get_next_slot reported it */
	uint32_t hcache;         /* handle last given for the slot's packet */
};
struct ring_state {
	channel_ring_t r;
	uint32_t head_tok, known, cap;
	struct slot_ent *ents;
};

struct skt_channel {
	channel_t chd;
	channel_ring_t tx, rx;
	int upp, evring;
	struct ring_state rs[2];
	struct hent *ht;
	int32_t free_head;
};

struct hent *skt_hlookup(skt_channel *ch, uint32_t h);   /* NULL if not live */
uint32_t skt_hnew(skt_channel *ch, packet_t ph, uint8_t flags);
void skt_hrelease(skt_channel *ch, struct hent *e);
/* a live handle of this channel, NULL otherwise (stale TX handles are released) */
struct hent *skt_pkt_or_null(skt_channel *ch, uint32_t pkt);

/* pool_map.c: undoes a channel's pool alias (skt_channel_destroy) */
void skt_pool_unalias_channel(skt_channel *ch);

/* ring.c */
int skt_ring_init(struct ring_state *rs, channel_ring_t r);
void skt_ring_free(struct ring_state *rs);
int skt_in_window(const struct ring_state *rs, uint32_t tok);

#endif /* SKT_COMMON_INTERNAL_H */
