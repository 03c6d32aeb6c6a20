/**
 * The child's side of an mptest: attach to the backend, run the test's child
 * main with the ready/go barrier on stdin/stdout, and report a result (or the
 * first failing check) as one JSON line on stdout.
 */
import { attachBackend, type BackendName } from "../machine/backend.ts";
import type { ChildMessage } from "./protocol.ts";
import { writeStdoutSync } from "./children.ts";
import { READY_BYTE } from "./protocol.ts";
import type { Log } from "../log.ts";
import { netifdirectXferIpv6 } from "../netifdirect/xfer.ts";
import type { MpTest } from "../netifdirect/table.ts";
import { TestFailure } from "../netifdirect/assert.ts";
import { SktError } from "../../ffi/errors.ts";
import { childFault, faultAfterGo, faultBeforeReady } from "../netifdirect/faults.ts";

export interface ChildOptions {
  backend: BackendName;
  packets: number;
  batch: number;
  paceUs: number;
  log: Log;
}

/** How long a child gives the CPU back after its go byte (see readyGo). */
const GO_YIELD_MS = 0.2;

/**
 * Writes the ready byte, then blocks until the parent's go byte arrives. The
 * read blocks the thread, as upstream's read(2) does (an await on stdin wakes
 * through the event loop). Then it sleeps 0.2 ms: on Linux the child woken by
 * the parent's first go write preempts the parent, which then wrote the next
 * child's go 1 to 10 ms later on a loaded 2-core machine (measured), longer
 * than a short run's whole transfer; the sleep hands the CPU back so that the
 * parent's loop of writes ends first (go skew between children: median 0.3 ms).
 */
export function readyGo(): Promise<void> {
  writeStdoutSync(new Uint8Array([READY_BYTE]));
  const buf = new Uint8Array(1);
  const n = Deno.stdin.readSync(buf);
  // upstream asserts one byte was read and ignores its value; so do we
  if (n !== 1) throw new TestFailure("read fail: the sequencer pipe closed before the go byte");
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, GO_YIELD_MS);
  return Promise.resolve();
}

/** Ends this child when its parent driver disappears (see parent_watch.ts). */
function watchParent(): void {
  // the child always ends with Deno.exit (cli/main.ts), which ends the worker too
  new Worker(new URL("./parent_watch.ts", import.meta.url).href, { type: "module" });
}

/** Runs child `index` of `test`; returns its exit status (0 pass, 1 fail). */
export async function childMain(
  test: MpTest,
  index: number,
  options: ChildOptions,
): Promise<number> {
  watchParent();
  let message: ChildMessage;
  try {
    const fault = childFault(index);
    const shim = attachBackend(options.backend);
    const result = await netifdirectXferIpv6(shim, index, test.testId, {
      packets: options.packets,
      batch: options.batch,
      paceUs: options.paceUs,
      readyGo: async () => {
        await faultBeforeReady(fault, options.log);
        await readyGo();
        await faultAfterGo(fault, options.log);
      },
      log: options.log,
      prehookSetsNothing: fault === "no-expire",
    });
    message = { ok: true, result };
  } catch (e) {
    // one line for the verdict; the stack of an unexpected error goes to the debug log
    const text = e instanceof TestFailure || e instanceof SktError
      ? e.message
      : `unexpected ${(e as Error)?.name ?? "error"}: ${(e as Error)?.message ?? e}`;
    if (!(e instanceof TestFailure || e instanceof SktError)) {
      options.log.debug(String((e as Error)?.stack ?? e));
    }
    options.log.info(`FAIL: ${text}`);
    message = { ok: false, error: text };
  }
  writeStdoutSync(JSON.stringify(message) + "\n");
  return message.ok ? 0 : 1;
}
