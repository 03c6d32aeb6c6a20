/** Bounds of the numeric options (documented in docs/running.md and `skt run --help`). */

/** --packets: long runs are allowed, up to ten million frames per direction. */
export const MAX_PACKETS = 10_000_000;
/** --batch: a batch cannot exceed the TX ring (NX_NETIF_TXRINGSIZE). */
export const RING_TX_SLOTS = 512;
