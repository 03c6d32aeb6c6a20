/** Bounds of the numeric options (documented in docs/running.md and `skt run --help`). */

/** --packets: long runs are allowed, up to ten million frames per direction. */
export const MAX_PACKETS = 10_000_000;
/**
 * --batch: a batch cannot exceed what the TX ring holds: NX_NETIF_TXRINGSIZE (512)
 * slots, one of which always stays empty (os_channel_available_slot_count).
 */
export const RING_TX_SLOTS = 511;
/** --pace-us: at most a second between TX batches. */
export const MAX_PACE_US = 1_000_000;
