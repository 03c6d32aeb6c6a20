/**
 * Typed, disposable wrappers over the shim: the Skywalk SPI as TypeScript sees it.
 *
 * Methods keep the SPI's names and meaning. Failures become SpiError (the SPI's
 * errno); "nothing there" answers (no next slot, no packet) are -1 / 0 as in C.
 * Per-packet methods only pass numbers and reusable buffers across FFI.
 */
export { cString, Shim } from "./shim.ts";
export { NexusController } from "./nexus.ts";
export { Channel, SlotProp } from "./channel.ts";
export { type KEvent, KQueue } from "./kqueue.ts";
export { Ring } from "./constants.ts";
