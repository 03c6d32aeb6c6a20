/**
 * The afxdp backend's machine: a veth pair feth0/feth1, each end in a network
 * namespace of the run's own (named after the run id, so two runs never
 * meet), with fixed MACs, MTU 1500 and IPv6 off (no autoconfiguration, no
 * duplicate-address detection, no ND or MLD frames to reach the sockets), plus
 * the environment file the backend and the children read (ffi/shim/afxdp/env.c).
 *
 * Everything is written to the run's journal before it is made; deleting the
 * namespaces deletes the veth pair and the XDP programs attached to it.
 */
import type { Journal, JournalTarget } from "./journal.ts";
import { FETH0_NAME, FETH1_NAME } from "./addresses.ts";
import { stateDir } from "./env.ts";
import { ip, listNetns, netnsDelete, netnsWriteProc } from "./host.ts";
import { isRunning } from "./processes.ts";
import type { Log } from "../log.ts";

/** The MACs the pair gets: those the sim gives feth0 and feth1 ("feth" + unit). */
export const VETH_MACS = ["66:65:74:68:00:00", "66:65:74:68:00:01"] as const;
export const VETH_MTU = 1500;

/** Every namespace skt makes starts so; recovery.ts sweeps those of dead runs. */
export const NETNS_PREFIX = "skt-";
/** skt-<run id>-<end> (the run id starts with the parent's pid), or tests/c/afxdp_smoke's skt-smoke-<pid>-<end>. */
export const NETNS_NAME = /^skt-(?:smoke-(\d+)|(\d+)-[0-9a-z]+-[0-9a-z]+)-[01]$/;

/** The two namespaces of a run (feth0's, feth1's). */
export function runNetns(runId: string): [string, string] {
  return [`${NETNS_PREFIX}${runId}-0`, `${NETNS_PREFIX}${runId}-1`];
}

/** The afxdp environment file of a run (SKT_AFXDP_ENV for the children). */
export function afxdpEnvPath(runId: string): string {
  return `${stateDir()}/${runId}.afxdp`;
}

/** How a test binds its sockets and lays out its UMEM. */
export interface VethSetup {
  /** auto: bind flags 0; copy: XDP_ZEROCOPY tried (and reported), then XDP_COPY */
  bind: "auto" | "copy";
  /** split: TX and RX chunks from disjoint halves of the UMEM */
  pool: "shared" | "split";
  /** auto: native (DRV), falling back to generic (SKB) */
  mode: "auto" | "drv" | "skb";
}

/** libxdp keeps a lock directory here; removed again when the run made it. */
const LIBXDP_RUN_DIR = "/run/xdp";

/** Makes the pair and writes the environment file; every step journaled first. */
export function vethPairCreate(journal: Journal, runId: string, setup: VethSetup, log: Log): void {
  const names = [FETH0_NAME, FETH1_NAME];
  const netns = runNetns(runId);
  for (const ns of netns) {
    journal.noteNetns(ns);
    ip(["netns", "add", ns]);
  }
  ip([
    "link",
    "add",
    names[0],
    "netns",
    netns[0],
    "address",
    VETH_MACS[0],
    "mtu",
    String(VETH_MTU),
    "type",
    "veth",
    "peer",
    "name",
    names[1],
    "netns",
    netns[1],
    "address",
    VETH_MACS[1],
    "mtu",
    String(VETH_MTU),
  ]);
  for (let i = 0; i < 2; i++) {
    const conf = `/proc/sys/net/ipv6/conf/${names[i]}`;
    netnsWriteProc(netns[i], [
      [`${conf}/autoconf`, "0"],
      [`${conf}/accept_dad`, "0"],
      [`${conf}/disable_ipv6`, "1"],
    ]);
    ip(["-n", netns[i], "link", "set", names[i], "up"]);
  }
  if (!exists(LIBXDP_RUN_DIR)) journal.noteDir(LIBXDP_RUN_DIR);
  const env = afxdpEnvPath(runId);
  journal.noteFile(env);
  writeAfxdpEnv(env, netns, setup);
  log.debug(
    `veth pair ${names[0]}@${netns[0]} <-> ${names[1]}@${netns[1]}: bind ${setup.bind}, ` +
      `pool ${setup.pool}, XDP mode ${setup.mode}`,
  );
}

/** (Re)writes a run's environment file (ffi/shim/afxdp/env.c reads it). */
export function writeAfxdpEnv(path: string, netns: readonly string[], setup: VethSetup): void {
  Deno.writeTextFileSync(
    path,
    [
      `if ${FETH0_NAME} ${netns[0]}`,
      `if ${FETH1_NAME} ${netns[1]}`,
      `bind ${setup.bind}`,
      `pool ${setup.pool}`,
      `mode ${setup.mode}`,
      "",
    ].join("\n"),
  );
}

/** Undoes vethPairCreate (the journal's netns, dir and file entries). */
export function vethPairDestroy(journal: Journal): void {
  journal.undoKinds(["file", "netns", "dir"]);
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * What undoes an afxdp journal: its entries (namespaces, a file, a directory)
 * need no shim, so a killed run is cleaned up even where the afxdp shim is no
 * longer built; a sysctl or interface entry would be refused.
 */
export const HOST_ONLY_TARGET: JournalTarget = (() => {
  const refuse = (): never => {
    throw new Error("an afxdp run changes no sysctl or interface through the shim");
  };
  return {
    backend: "afxdp",
    sysctlGetInt: refuse,
    sysctlSetInt: refuse,
    sysctlGetString: refuse,
    sysctlSetString: refuse,
    ifnetDestroy: refuse,
  };
})();

/**
 * Network namespaces of afxdp runs whose parent is gone (skt-<pid>-...). A run
 * journals its namespaces before making them, so this only finds those of a
 * run whose journal was lost; deleting one deletes its veth and XDP program.
 */
export function sweepRunNetns(self: number): { actions: string[]; problems: string[] } {
  const out = { actions: [] as string[], problems: [] as string[] };
  if (Deno.build.os !== "linux" || Deno.uid() !== 0) return out;
  for (const name of listNetns(NETNS_NAME)) {
    const m = NETNS_NAME.exec(name)!;
    const pid = Number(m[1] ?? m[2]);
    if (pid === self || isRunning({ pid, started: null })) continue;
    try {
      netnsDelete(name);
      out.actions.push(`deleted the network namespace ${name} of pid ${pid}, which is gone`);
    } catch (e) {
      out.problems.push(`could not delete the network namespace ${name}: ${(e as Error).message}`);
    }
  }
  return out;
}
