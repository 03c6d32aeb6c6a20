/**
 * The memory frames are built in and checked from, and the JavaScript loop that
 * sums a frame's 16-bit words there (frame.ts checksums with it; where the pool is
 * aliased into WebAssembly, csum_wasm.ts does the same sum with SIMD).
 */

/**
 * Memory frames are built in and checked from: a FrameBuffer, or the packet pool
 * itself (pool_memory.ts). Frames are addressed by their offset in `bytes`.
 */
export interface FrameMemory {
  readonly bytes: Uint8Array;
  /** over the same bytes as `bytes` */
  readonly view: DataView;
  /** The sum (unfolded) of the little-endian 16-bit words of bytes[off, off + len). */
  wordSum(off: number, len: number): number;
}

/**
 * A JavaScript wordSum over any Uint8Array: each 32-bit word is split into its
 * halves so the sums stay small integers (int32 adds instead of a chain of float
 * adds), eight words per step over four independent sums. A run that starts 2
 * bytes past a 4-byte boundary takes its first word alone; an odd start, byte by byte.
 */
export function jsWordSum(bytes: Uint8Array): (off: number, len: number) => number {
  const words = new Int32Array(bytes.buffer, 0, bytes.buffer.byteLength >>> 2);
  const all = new Uint8Array(bytes.buffer);
  const base = bytes.byteOffset;
  return (off: number, len: number): number => {
    let at = base + off;
    let sum = 0;
    if ((at & 1) !== 0) {
      for (let j = 0; j < len; j++) sum += all[at + j] << (8 * (j & 1));
      return sum;
    }
    if ((at & 2) !== 0 && len >= 2) {
      sum += all[at] | (all[at + 1] << 8);
      at += 2;
      len -= 2;
    }
    let i = at >>> 2;
    const end = i + (len >>> 2);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (; i + 8 <= end; i += 8) {
      const w0 = words[i], w1 = words[i + 1], w2 = words[i + 2], w3 = words[i + 3];
      const w4 = words[i + 4], w5 = words[i + 5], w6 = words[i + 6], w7 = words[i + 7];
      s0 += (w0 & 0xffff) + (w0 >>> 16) + (w4 & 0xffff) + (w4 >>> 16);
      s1 += (w1 & 0xffff) + (w1 >>> 16) + (w5 & 0xffff) + (w5 >>> 16);
      s2 += (w2 & 0xffff) + (w2 >>> 16) + (w6 & 0xffff) + (w6 >>> 16);
      s3 += (w3 & 0xffff) + (w3 >>> 16) + (w7 & 0xffff) + (w7 >>> 16);
    }
    for (; i < end; i++) s0 += (words[i] & 0xffff) + (words[i] >>> 16);
    sum += s0 + s1 + s2 + s3;
    for (let j = len & ~3; j < len; j++) sum += all[at + j] << (8 * (j & 1));
    return sum;
  };
}
