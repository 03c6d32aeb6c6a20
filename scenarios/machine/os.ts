/**
 * Small operating-system helpers, one place each: a synchronous sleep, a
 * write that writes everything, and whether a pid is a live process.
 */

/** Blocks this thread for `ms` milliseconds (no event loop turn). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const encoder = new TextEncoder();

/** Writes all of `data` to a synchronous writer (stdout, stderr, a file), looping on short writes. */
export function writeAllSync(
  file: { writeSync(p: Uint8Array): number },
  data: Uint8Array | string,
): void {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
}

/**
 * kill(pid, 0): ESRCH means gone; EPERM means alive but someone else's. Through
 * the global `process`, whose Node layer loads on first use rather than when
 * this module does (start-up time of every child).
 */
export function pidIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}
