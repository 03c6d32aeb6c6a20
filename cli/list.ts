/** `skt list`: each test, its description, and whether it can run here (or why not). */
import { TESTS } from "../scenarios/table.ts";
import { type BackendName, unavailableReason } from "../scenarios/backend.ts";
import { loadShim } from "../ffi/loader.ts";
import { SktError } from "../ffi/errors.ts";

/** Why nothing can run on this backend here, or null. */
function blocker(backend: BackendName): string | null {
  const reason = unavailableReason(backend);
  if (reason) return reason;
  try {
    loadShim(backend);
    return null;
  } catch (e) {
    if (e instanceof SktError) return e.message;
    throw e;
  }
}

export function listCommand(backend: BackendName): number {
  const why = blocker(backend);
  const width = Math.max(...TESTS.map((t) => t.name.length));
  for (const t of TESTS) {
    const status = why ? `cannot run on ${backend}: ${why}` : `runs on ${backend}`;
    const note = t.upstreamRegistered
      ? ""
      : " [declared upstream but never run there: not in BATS_TESTS]";
    console.log(`${t.name.padEnd(width)}  ${t.description}${note} (${status})`);
    if (backend === "sim" && t.simNote) console.log(`${" ".repeat(width + 2)}sim: ${t.simNote}`);
  }
  return 0;
}
