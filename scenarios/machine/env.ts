/**
 * Every SKT_* environment variable skt reads, and the state directories they
 * steer, in one place (docs/environment.md lists them for users).
 */

/** Overrides where run records are kept (tests use a private one). */
export const STATE_DIR_ENV = "SKT_STATE_DIR";
/** The environment variable that tells a child which sim domain to attach. */
export const SIM_DOMAIN_ENV = "SKT_SIM_DOMAIN";
/**
 * Test-only: a long-lived sim domain standing in for a machine's kernel state.
 * A run attaches to it instead of creating its own domain, changes it only
 * through its journal, and leaves it in place; so the suite can check that
 * sysctls and interfaces are put back, as they must be on a real kernel.
 */
export const SIM_MACHINE_ENV = "SKT_SIM_MACHINE";
/** The environment variable that tells an afxdp child its run's environment file (veth.ts). */
export const AFXDP_ENV = "SKT_AFXDP_ENV";
/** Overrides where sim domains are made (default /dev/shm, else $TMPDIR). */
export const SIM_ROOT_ENV = "SKT_SIM_ROOT";
/** Test-only: a fault a child injects into its own run (scenarios/netifdirect/faults.ts). */
export const CHILD_FAULT_ENV = "SKT_TEST_CHILD_FAULT";
/** Shows stack traces of internal errors (cli/main.ts). */
export const DEBUG_ENV = "SKT_DEBUG";
/** The shim library to load instead of ffi/build's (read by ffi/loader.ts, the lowest layer). */
export { SHIM_ENV } from "../../ffi/loader.ts";

/** Where run records live: $SKT_STATE_DIR, else $TMPDIR/skt-state-<uid> (or /tmp/...). */
export function stateDir(): string {
  const override = Deno.env.get(STATE_DIR_ENV);
  if (override) return override;
  const tmp = (Deno.env.get("TMPDIR") || "/tmp").replace(/\/+$/, "");
  const uid = Deno.uid();
  return `${tmp}/skt-state${uid === null ? "" : `-${uid}`}`;
}

/**
 * Where skywalk runs keep the machine lock and the journal. /var/run is
 * emptied at boot, as the sysctls and interfaces they record are reset.
 */
export function skywalkStateDir(): string {
  return Deno.env.get(STATE_DIR_ENV)?.replace(/\/$/, "") || "/var/run/skt";
}
export const skywalkLockPath = (): string => `${skywalkStateDir()}/skywalk.lock`;
export const skywalkJournalPath = (): string => `${skywalkStateDir()}/skywalk-journal.json`;

/** Where sim domains live: tmpfs on Linux, the temporary folder elsewhere. */
export function simRoot(): string {
  const override = Deno.env.get(SIM_ROOT_ENV);
  if (override) return override;
  try {
    if (Deno.statSync("/dev/shm").isDirectory) return "/dev/shm";
  } catch {
    // no /dev/shm (macOS): fall back to the temporary folder
  }
  return Deno.env.get("TMPDIR")?.replace(/\/$/, "") || "/tmp";
}

/** The name every sim domain starts with. */
export const SIM_DOMAIN_PREFIX = "skt-sim-";
