/**
 * Backends as the driver sees them: whether one can run here, and a session
 * that owns its environment for one run (the sim's shared-memory domain; for
 * skywalk, the machine lock and the persisted journal).
 */
import { Shim } from "../../ffi/spi.ts";
import { type BackendName, builtShimPath, SHIM_ENV } from "../../ffi/loader.ts";
import { EnvironmentError } from "../../ffi/errors.ts";
import { osReason } from "./gate.ts";
import { acquireMachineLock, type MachineLock } from "./machine_lock.ts";
import { recoverJournal } from "./journal.ts";
import { afxdpEnvPath } from "./veth.ts";
import {
  AFXDP_ENV,
  SIM_DOMAIN_ENV,
  SIM_DOMAIN_PREFIX,
  SIM_MACHINE_ENV,
  simRoot,
  skywalkJournalPath,
  skywalkLockPath,
} from "./env.ts";
import type { Log } from "../log.ts";

export type { BackendName };
export const BACKENDS: readonly BackendName[] = ["sim", "skywalk", "afxdp"];

/** Why a backend cannot run on this OS at all, or null (the rest of the gate: gate.ts). */
export function unavailableReason(backend: BackendName): string | null {
  return osReason(backend, Deno.build.os) ?? afxdpBuildReason(backend);
}

/**
 * afxdp: build_ffi.sh builds its shim only where libxdp and libbpf are
 * installed; without them the backend is unavailable (a skip), not broken.
 */
function afxdpBuildReason(backend: BackendName): string | null {
  if (backend !== "afxdp" || Deno.env.get(SHIM_ENV)) return null;
  try {
    Deno.statSync(builtShimPath("afxdp"));
    return null;
  } catch {
    // not built: say why when the reason is the missing libraries
  }
  try {
    Deno.statSync("/usr/include/xdp/xsk.h");
    Deno.statSync("/usr/include/bpf/libbpf.h");
    return null; // buildable: the loader's "run `deno task build`" applies
  } catch {
    return "the afxdp shim is not built: libxdp and libbpf are missing " +
      "(apt-get install libxdp-dev libbpf-dev, then `deno task build`)";
  }
}

/** One run's hold on a backend. */
export interface BackendSession extends Disposable {
  readonly name: BackendName;
  readonly shim: Shim;
  /** environment the children need to reach the same backend state */
  readonly childEnv: Record<string, string>;
  /** where the run's journal is persisted, or null (kept in memory only) */
  readonly journalPath: string | null;
  /**
   * Called once the test is known to run, before init: takes what the run
   * needs exclusively and undoes what a killed run left. Throws
   * EnvironmentError (exit 3) when it can't.
   */
  prepare(log: Log): void;
  close(): void;
}

class SimSession implements BackendSession {
  readonly name = "sim" as const;
  readonly childEnv: Record<string, string>;
  /** a domain is this run's alone and is removed with it: nothing to persist */
  readonly journalPath = null;
  #open = true;

  /** owned: the run created the domain and destroys it; otherwise it only detaches */
  constructor(readonly shim: Shim, readonly domain: string, readonly owned: boolean) {
    this.childEnv = { [SIM_DOMAIN_ENV]: domain };
  }
  prepare(): void {}
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

/** The real kernel: feth0/feth1 and the sysctls are the machine's, one run at a time. */
export class SkywalkSession implements BackendSession {
  readonly name = "skywalk" as const;
  readonly childEnv = {};
  readonly journalPath = skywalkJournalPath();
  #lock: MachineLock | null = null;

  constructor(readonly shim: Shim) {}

  prepare(log: Log): void {
    this.#lock ??= acquireMachineLock(skywalkLockPath());
    const recovered = recoverJournal(this.journalPath, this.shim);
    if (recovered) {
      log.info(
        `undid what a killed run (pid ${recovered.pid}) left: ${recovered.undone.join(", ")}`,
      );
    }
  }
  close(): void {
    this.#lock?.release();
    this.#lock = null;
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Linux AF_XDP on a veth pair: the pair, its namespaces and the environment
 * file are the run's own (veth.ts), made by the test's init hook through the
 * run's journal; so there is nothing to take here, and killed runs are undone
 * by recovery.ts from their journals.
 */
export class AfxdpSession implements BackendSession {
  readonly name = "afxdp" as const;
  readonly childEnv: Record<string, string>;
  readonly journalPath = null;

  constructor(readonly shim: Shim, readonly runId: string) {
    this.childEnv = { [AFXDP_ENV]: afxdpEnvPath(runId) };
  }
  prepare(): void {}
  close(): void {}
  [Symbol.dispose](): void {
    this.close();
  }
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
  if (name === "afxdp") return new AfxdpSession(shim, runId);
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
  if (name === "afxdp") {
    const env = Deno.env.get(AFXDP_ENV);
    if (!env) {
      throw new EnvironmentError(`${AFXDP_ENV} is not set: children are started by \`skt run\``);
    }
    shim.envAttach(env);
  }
  return shim;
}
