/**
 * What a run could leave behind, looked up narrowly: only this suite's own
 * runs are inspected (other runs may share /dev/shm and /tmp on this machine).
 */
import { SIM_DOMAIN_ENV, SIM_DOMAIN_PREFIX, simRoot } from "../scenarios/machine/env.ts";
import type { LedgerRecord } from "../scenarios/machine/ledger.ts";
import { stateDir } from "../scenarios/machine/env.ts";
import { isRunning } from "../scenarios/machine/processes.ts";

/** Sim domains named after process `pid` (skt-sim-<pid>-...) in a root. */
export function domainsOf(pid: number, root = simRoot()): string[] {
  try {
    return [...Deno.readDirSync(root)]
      .map((e) => e.name)
      .filter((name) => name.startsWith(`${SIM_DOMAIN_PREFIX}${pid}-`));
  } catch {
    return [];
  }
}

/** Every entry of a directory (none when it does not exist). */
export function entriesOf(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** Run records (and journals) a process left in the state directory. */
export function recordsOf(pid: number, dir = stateDir()): string[] {
  return entriesOf(dir).filter((name) => {
    if (!name.endsWith(".run.json")) return false;
    try {
      const record = JSON.parse(Deno.readTextFileSync(`${dir}/${name}`)) as LedgerRecord;
      return record.process.pid === pid;
    } catch {
      return false;
    }
  });
}

/** Live processes whose SKT_SIM_DOMAIN starts with a prefix: the children of those runs. */
export function processesWithDomain(prefix: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    let environ: string;
    try {
      environ = Deno.readTextFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    const found = environ.split("\0").some((kv) =>
      kv.startsWith(`${SIM_DOMAIN_ENV}=`) && kv.slice(SIM_DOMAIN_ENV.length + 1).startsWith(prefix)
    );
    if (found && isRunning({ pid, started: null })) pids.push(pid);
  }
  return pids;
}

/** Waits (up to a generous limit: the machine is shared) until a condition holds. */
export async function eventually(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const until = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > until) throw new Error(`still not true after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Kills what a failed test may have left running, so one failure does not leak into others. */
export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
}
