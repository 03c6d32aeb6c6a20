/**
 * A channel's packet pool as the port reads and writes it: the one mapping that
 * holds every buflet's object (skt_channel_get_pool), seen from JS once per
 * channel, frames addressed by offset into it, as upstream writes to and reads
 * from the buflet's address. No per-frame copy, no per-frame view.
 *
 * Where the platform can (sim: a second mmap of the domain file; darwin:
 * mach_vm_remap), the pool is aliased into a WebAssembly memory, so that the
 * checksum runs in WebAssembly SIMD over the frame itself (csum_wasm.ts);
 * elsewhere the plain mapping and the JavaScript loop (frame.ts jsWordSum).
 */
import type { Channel } from "../../ffi/channel.ts";
import { type FrameMemory, jsWordSum } from "./word_sum.ts";
import { wasmWordSum } from "./csum_wasm.ts";

/** where the pool starts in the WebAssembly memory: one page, page-aligned */
const WASM_PAGE = 65536;

export class PoolMemory implements FrameMemory {
  readonly #base: number;
  constructor(
    base: bigint,
    readonly size: number,
    readonly bytes: Uint8Array,
    readonly wordSum: (off: number, len: number) => number,
    /** true when the checksum runs in WebAssembly over the aliased pool */
    readonly wasm: boolean,
  ) {
    // addresses are below 2^53 (user space is 47 or 48 bits): exact as numbers
    this.#base = Number(base);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  readonly view: DataView;

  /**
   * The offset in the pool of an address given as its 32-bit halves (as the fused
   * calls return it), or -1 when [address, address + len) is not inside the pool.
   */
  offsetOf(lo: number, hi: number, len: number): number {
    const off = (hi >>> 0) * 4294967296 + (lo >>> 0) - this.#base;
    return off >= 0 && off + len <= this.size ? off : -1;
  }
}

const pools = new WeakMap<Channel, PoolMemory>();

/** The channel's pool memory, mapped on first use and kept until the channel closes. */
export function poolMemory(chan: Channel): PoolMemory {
  let pool = pools.get(chan);
  if (pool === undefined) {
    pool = mapPool(chan);
    pools.set(chan, pool);
  }
  return pool;
}

function mapPool(chan: Channel): PoolMemory {
  const out = new BigUint64Array(2);
  chan.getPool(out);
  const [base, big] = out;
  const size = Number(big);
  const memory = new WebAssembly.Memory({ initial: 1 + Math.ceil(size / WASM_PAGE) });
  const sum = wasmWordSum(memory);
  if (sum !== null && chan.aliasPool(memory.buffer, WASM_PAGE, size) === 0) {
    const bytes = new Uint8Array(memory.buffer, WASM_PAGE, size);
    return new PoolMemory(base, size, bytes, (off, len) => sum(WASM_PAGE + off, len) >>> 0, true);
  }
  const pointer = Deno.UnsafePointer.create(base);
  if (pointer === null) throw new Error("skt_channel_get_pool: the pool has no address");
  const bytes = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, size));
  return new PoolMemory(base, size, bytes, jsWordSum(bytes), false);
}
