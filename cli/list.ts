/** `skt list`: each test, its description, and whether it can run here (or why not). */
import { TESTS } from "../scenarios/netifdirect/table.ts";
import { type BackendName, unavailableReason } from "../scenarios/machine/backend.ts";
import { skipReason } from "../scenarios/machine/gate.ts";
import { readXsk } from "../scenarios/mptest/parent.ts";
import type { MpTest } from "../scenarios/netifdirect/table.ts";
import { Shim } from "../ffi/spi.ts";
import { SktError } from "../ffi/errors.ts";

/** The backend's shim, or why it can't be had here. */
function shimOrReason(backend: BackendName): Shim | string {
  const reason = unavailableReason(backend);
  if (reason) return reason;
  try {
    return Shim.load(backend);
  } catch (e) {
    if (e instanceof SktError) return e.message;
    throw e;
  }
}

/** The same gate `run` applies; the sim's features live in its per-run domain and are all there. */
function testReason(backend: BackendName, shim: Shim, test: MpTest): string | null {
  const required = test.requiredFeatures;
  if (backend === "afxdp") {
    const facts = { os: Deno.build.os, features: null, uid: Deno.uid(), xsk: readXsk({ shim }) };
    return skipReason(backend, required, facts) ?? test.afxdpSkip ?? null;
  }
  if (backend !== "skywalk") return null;
  let features: bigint | null = null;
  try {
    features = shim.sysctlGetU64("kern.skywalk.features");
  } catch {
    // unreadable: the gate says so
  }
  return skipReason(backend, required, { os: Deno.build.os, features, uid: Deno.uid() });
}

export function listCommand(backend: BackendName): number {
  const shim = shimOrReason(backend);
  const width = Math.max(...TESTS.map((t) => t.name.length));
  for (const t of TESTS) {
    const why = typeof shim === "string" ? shim : testReason(backend, shim, t);
    const status = why ? `cannot run on ${backend}: ${why}` : `runs on ${backend}`;
    const note = t.upstreamRegistered
      ? ""
      : " [declared upstream but never run there: not in BATS_TESTS]";
    console.log(`${t.name.padEnd(width)}  ${t.description}${note} (${status})`);
    if (backend === "sim" && t.simNote) console.log(`${" ".repeat(width + 2)}sim: ${t.simNote}`);
  }
  return 0;
}
