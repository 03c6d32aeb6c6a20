/**
 * Backends as the driver sees them: whether one can run here, and a session
 * that owns its environment (the sim's shared-memory domain) for one run.
 */
import { Shim } from "../ffi/spi.ts";
import type { BackendName } from "../ffi/loader.ts";
import { EnvironmentError } from "../ffi/errors.ts";

export type { BackendName };
export const BACKENDS: readonly BackendName[] = ["sim", "skywalk"];

/** The environment variable that tells a child which sim domain to attach. */
export const SIM_DOMAIN_ENV = "SKT_SIM_DOMAIN";

/**
 * Test-only: a long-lived sim domain standing in for a machine's kernel state.
 * A run attaches to it instead of creating its own domain, changes it only
 * through its journal, and leaves it in place; so the suite can check that
 * sysctls and interfaces are put back, as they must be on a real kernel.
 */
export const SIM_MACHINE_ENV = "SKT_SIM_MACHINE";

/** Why a backend cannot run on this machine, or null when it can. */
export function unavailableReason(backend: BackendName): string | null {
  if (backend === "skywalk" && Deno.build.os !== "darwin") {
    return `the skywalk backend needs macOS with a development kernel (this is ${Deno.build.os})`;
  }
  return null;
}

/** Where sim domains live: tmpfs on Linux, the temporary folder elsewhere. */
export function simRoot(): string {
  const override = Deno.env.get("SKT_SIM_ROOT");
  if (override) return override;
  try {
    if (Deno.statSync("/dev/shm").isDirectory) return "/dev/shm";
  } catch {
    // no /dev/shm (macOS): fall back to the temporary folder
  }
  return Deno.env.get("TMPDIR")?.replace(/\/$/, "") || "/tmp";
}

export const SIM_DOMAIN_PREFIX = "skt-sim-";

/** One run's hold on a backend. */
export interface BackendSession extends Disposable {
  readonly name: BackendName;
  readonly shim: Shim;
  /** environment the children need to reach the same backend state */
  readonly childEnv: Record<string, string>;
  close(): void;
}

class SimSession implements BackendSession {
  readonly name = "sim" as const;
  readonly childEnv: Record<string, string>;
  #open = true;

  /** owned: the run created the domain and destroys it; otherwise it only detaches */
  constructor(readonly shim: Shim, readonly domain: string, readonly owned: boolean) {
    this.childEnv = { [SIM_DOMAIN_ENV]: domain };
  }
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.owned) this.shim.envDestroy(this.domain);
    else this.shim.envDetach();
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

class SkywalkSession implements BackendSession {
  readonly name = "skywalk" as const;
  readonly childEnv = {};
  constructor(readonly shim: Shim) {}
  close(): void {}
  [Symbol.dispose](): void {}
}

/** A name for one run's sim domain: unique per process and start time. */
export function newRunId(): string {
  return `${Deno.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Opens a backend for one run (the sim gets a fresh domain named after the run,
 * or attaches to SKT_SIM_MACHINE). onDomain hears of the domain before it is
 * created or attached, so that it can be recorded first.
 */
export function openBackend(
  name: BackendName,
  runId: string,
  onDomain: (path: string, owned: boolean) => void = () => {},
): BackendSession {
  const reason = unavailableReason(name);
  if (reason) throw new EnvironmentError(reason);
  const shim = Shim.load(name);
  if (name === "skywalk") return new SkywalkSession(shim);
  const machine = Deno.env.get(SIM_MACHINE_ENV);
  if (machine) {
    onDomain(machine, false);
    shim.envAttach(machine);
    return new SimSession(shim, machine, false);
  }
  const domain = `${simRoot()}/${SIM_DOMAIN_PREFIX}${runId}`;
  onDomain(domain, true);
  shim.envCreate(domain);
  return new SimSession(shim, domain, true);
}

/** In a child: the shim of the backend, attached to the parent's sim domain. */
export function attachBackend(name: BackendName): Shim {
  const shim = Shim.load(name);
  if (name === "sim") {
    const domain = Deno.env.get(SIM_DOMAIN_ENV);
    if (!domain) {
      throw new EnvironmentError(
        `${SIM_DOMAIN_ENV} is not set: children are started by \`skt run\``,
      );
    }
    shim.envAttach(domain);
  }
  return shim;
}
