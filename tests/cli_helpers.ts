/**
 * The CLI as a process, for tests of its exit paths: private roots for sim
 * domains and run records (so checks never meet other runs on this machine),
 * a "machine" sim domain standing in for kernel state that outlives runs, and
 * a handle on a running skt that can be signalled.
 */
import { SIM_KNOBS } from "../cli/run.ts";
import { Shim } from "../ffi/spi.ts";
import { SpiError } from "../ffi/errors.ts";
import { SIM_MACHINE_ENV } from "../scenarios/machine/env.ts";
import { STATE_DIR_ENV } from "../scenarios/machine/env.ts";

const main = new URL("../cli/main.ts", import.meta.url).pathname;
const decoder = new TextDecoder();

export interface SktOutput {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** A running `skt ...`, its output collected as it comes. */
export class RunningSkt {
  readonly proc: Deno.ChildProcess;
  stdout = "";
  stderr = "";
  readonly #done: Promise<SktOutput>;

  constructor(args: string[], env: Record<string, string>) {
    this.proc = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", main, ...args],
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pump = async (stream: ReadableStream<Uint8Array>, into: "stdout" | "stderr") => {
      for await (const chunk of stream) this[into] += decoder.decode(chunk, { stream: true });
    };
    this.#done = Promise.all([
      pump(this.proc.stdout, "stdout"),
      pump(this.proc.stderr, "stderr"),
      this.proc.status,
    ]).then(([, , s]) => ({
      code: s.code,
      signal: s.signal,
      stdout: this.stdout,
      stderr: this.stderr,
    }));
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Waits until stderr matches `count` times (generous limit: the machine is shared). */
  async waitForStderr(pattern: RegExp, count = 1, ms = 30_000): Promise<void> {
    const global = new RegExp(pattern.source, pattern.flags.replace("g", "") + "g");
    const until = performance.now() + ms;
    while ((this.stderr.match(global)?.length ?? 0) < count) {
      if (performance.now() > until) {
        throw new Error(`no ${count} x ${pattern} on stderr after ${ms} ms:\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  done(): Promise<SktOutput> {
    return this.#done;
  }
}

/** Runs `skt ...` to completion. */
export function skt(args: string[], env: Record<string, string> = {}): Promise<SktOutput> {
  return new RunningSkt(args, env).done();
}

/** Every sysctl of the sim but the read-only features word (ffi/shim/sim/sysctl.c). */
const INT_SYSCTLS = [
  "net.link.fake.txstart",
  "net.link.fake.hwcsum",
  "net.link.fake.nxattach",
  "net.link.fake.bsd_mode",
  "net.link.fake.debug",
  "net.link.fake.wmm_mode",
  "net.link.fake.multibuflet",
  "net.link.fake.low_latency",
  "net.link.fake.switch_combined_mode",
  "net.link.fake.switch_mode_frequency",
  "net.link.fake.tso_support",
  "net.link.fake.tso_buf_size",
  "net.link.fake.expiration_threshold",
  "net.link.fake.lro",
  "net.link.fake.pktpool_mode",
  "net.link.fake.link_layer_aggregation_factor",
  "net.link.fake.tx_headroom",
  "net.link.fake.fcs",
  "net.link.fake.trailer_length",
  "net.link.fake.max_mtu",
  "net.link.fake.buflet_size",
  "net.link.fake.user_access",
  "net.link.fake.if_adv_intvl",
  "net.link.fake.tx_drops",
  "net.link.fake.tx_exp_policy",
  "net.link.fake.tx_completion_mode",
  "net.link.fake.llink_cnt",
  "net.link.fake.qset_cnt",
  "net.link.fake.trace_tag",
  "kern.skywalk.disable_nxctl_check",
  ...SIM_KNOBS,
];
const STRING_SYSCTLS = ["kern.skywalk.netif.sk_ll_prefix"];
const INTERFACES = ["feth0", "feth1"];

/** Everything a run may change in a sim domain: every sysctl, and which interfaces exist. */
export type MachineState = Record<string, string | number | boolean>;

/**
 * A private directory with a sim root, a state directory and (optionally) a
 * machine domain; `env` points skt at them. Disposing removes it all.
 */
export class Sandbox implements Disposable {
  readonly dir: string;
  readonly simRoot: string;
  readonly stateDir: string;
  readonly machine: string | null;
  readonly env: Record<string, string>;
  readonly #shim = Shim.load("sim");

  /** baseline: sysctls set in the machine before the run (non-default values to check) */
  constructor(withMachine: boolean, baseline: Record<string, number> = {}) {
    const base = (() => {
      try {
        return Deno.statSync("/dev/shm").isDirectory ? "/dev/shm" : undefined;
      } catch {
        return undefined;
      }
    })();
    this.dir = Deno.makeTempDirSync({ dir: base, prefix: "skt-sandbox-" });
    this.simRoot = `${this.dir}/sim`;
    this.stateDir = `${this.dir}/state`;
    Deno.mkdirSync(this.simRoot);
    this.machine = withMachine ? `${this.dir}/machine` : null;
    this.env = { SKT_SIM_ROOT: this.simRoot, [STATE_DIR_ENV]: this.stateDir };
    if (this.machine) {
      this.env[SIM_MACHINE_ENV] = this.machine;
      this.#shim.envCreate(this.machine);
      try {
        for (const [name, value] of Object.entries(baseline)) this.#shim.sysctlSetInt(name, value);
      } finally {
        this.#shim.envDetach();
      }
    }
  }

  /** The machine's sysctls and interfaces, read through the shim. */
  machineState(): MachineState {
    if (!this.machine) throw new Error("no machine in this sandbox");
    const shim = this.#shim;
    shim.envAttach(this.machine);
    try {
      const state: MachineState = {};
      for (const name of INT_SYSCTLS) state[name] = shim.sysctlGetInt(name);
      for (const name of STRING_SYSCTLS) state[name] = shim.sysctlGetString(name);
      for (const name of INTERFACES) {
        try {
          shim.ifnetLladdr(name);
          state[`interface ${name}`] = true;
        } catch (e) {
          if (!(e instanceof SpiError && e.is("ENXIO"))) throw e;
          state[`interface ${name}`] = false;
        }
      }
      return state;
    } finally {
      shim.envDetach();
    }
  }

  [Symbol.dispose](): void {
    if (this.machine) {
      try {
        this.#shim.envDestroy(this.machine);
      } catch {
        // removed below anyway
      }
    }
    Deno.removeSync(this.dir, { recursive: true });
  }
}
