/**
 * The shim's status convention in one leaf module: a negative return is
 * -errno, and the message of the thread's last failure explains it. The
 * handle modules (channel, nexus, kqueue) import this, not shim.ts, so the
 * shim and its handles form no import cycle.
 */
import { SpiError } from "./errors.ts";
import type { ShimSymbols } from "./symbols.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A NUL-terminated copy of a string, for `const char *` parameters. */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length * 3 + 1);
  const { written } = encoder.encodeInto(text, bytes);
  return bytes.subarray(0, written + 1);
}

/** The text a C function wrote into `bytes`, `length` bytes long (NUL excluded). */
export function readCString(bytes: Uint8Array, length: number): string {
  return decoder.decode(bytes.subarray(0, Math.max(0, Math.min(length, bytes.length - 1))));
}

/** What a handle needs of the loaded shim: its symbols and the status check. */
export interface ShimCore {
  readonly symbols: ShimSymbols;
  /** Throws SpiError when rc < 0, otherwise returns rc. */
  check(rc: number, op: string): number;
}

/** Reads failures back from the shim: `skt_last_error` and the -errno status. */
export class ShimStatus implements ShimCore {
  readonly #errBuf = new Uint8Array(256);

  constructor(readonly symbols: ShimSymbols) {}

  /** The shim's message for this thread's last failure. */
  lastError(): string {
    return readCString(
      this.#errBuf,
      this.symbols.skt_last_error(this.#errBuf, this.#errBuf.length),
    );
  }

  /** Throws SpiError when rc < 0, otherwise returns rc. */
  check(rc: number, op: string): number {
    if (rc < 0) throw new SpiError(op, -rc, this.lastError());
    return rc;
  }
}

declare const channelBrand: unique symbol;
declare const nexusControllerBrand: unique symbol;
/** An `os_channel_t *` from skt_channel_create; not interchangeable with other pointers. */
export type ChannelPointer = Deno.PointerObject & { readonly [channelBrand]: true };
/** A `nexus_controller_t` from skt_nexus_controller_create. */
export type NexusControllerPointer = Deno.PointerObject & { readonly [nexusControllerBrand]: true };

/** The channel pointer a successful skt_channel_create wrote (never null). */
export function channelPointer(address: bigint): ChannelPointer {
  return Deno.UnsafePointer.create(address) as ChannelPointer;
}

/** The controller pointer a successful skt_nexus_controller_create wrote (never null). */
export function nexusControllerPointer(address: bigint): NexusControllerPointer {
  return Deno.UnsafePointer.create(address) as NexusControllerPointer;
}
