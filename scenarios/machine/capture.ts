/**
 * `--pcap DIR`: the frames that crossed the feth pair during a run, one
 * pcapng file per interface with both directions. On the sim, the TX path
 * records each frame as it lands in the peer's RX ring (test knob
 * debug.sim.capture, ffi/shim/sim/capture.c): frames dropped before that are
 * not on the wire. On macOS, tcpdump reads each feth interface through BPF
 * into classic pcap, converted here, a frame's direction told by its IPv6
 * source (the address of the interface's own end). The macOS path cannot be
 * run on this project's Linux machines: it is written to the man pages, not
 * yet tested on a Mac. afxdp refuses --pcap (PCAP_NOT_ON_AFXDP).
 */
import { IfStat } from "../../ffi/constants.ts";
import type { Shim } from "../../ffi/shim.ts";
import {
  FETH0_INET6_ADDR,
  FETH0_NAME,
  FETH1_INET6_ADDR,
  FETH1_NAME,
  inet6Pton,
} from "./addresses.ts";
import type { BackendSession } from "./backend.ts";
import { SIM_DOMAIN_ENV } from "./env.ts";
import type { Journal } from "./journal.ts";
import { mergeByTime, parsePcap, parseSimCapture, toPcapng, type WireFrame } from "./pcapng.ts";
import { EnvironmentError, UsageError } from "../../ffi/errors.ts";

/**
 * Measured: dumpcap on each veth end captured none of a run's frames; AF_XDP's
 * TX (__dev_direct_xmit) and XDP's redirect to a socket both bypass the
 * kernel's packet taps.
 */
export const PCAP_NOT_ON_AFXDP = "--pcap is not available on the afxdp backend: AF_XDP frames " +
  "bypass the kernel's packet taps, so no capture tool sees them";

/** What one interface's file holds. */
export interface CapturedInterface {
  ifname: string;
  /** the pcapng file written */
  file: string;
  /** frames sent out of this interface, and received into it */
  out: number;
  in: number;
  /** the backend's own count of frames that crossed out of it (sim: txDelivered), or null */
  counted: number | null;
}

export interface Capture {
  /** after init (the interfaces exist), before the children start */
  begin(): Promise<void>;
  /** processes the run must record to kill if it is killed itself */
  pids(): number[];
  /** after the children are reaped, before fini: writes the files */
  finish(): Promise<CapturedInterface[]>;
  /** on a path that skips finish: stop and discard */
  abort(): Promise<void>;
}

const PAIR: [string, string][] = [[FETH0_NAME, FETH1_NAME], [FETH1_NAME, FETH0_NAME]];

/** The capture of this session's backend; `prefix` names the files (`PREFIX-feth0.pcapng`). */
export function newCapture(
  session: BackendSession,
  journal: Journal,
  dir: string,
  prefix: string,
): Capture {
  const domain = session.childEnv[SIM_DOMAIN_ENV];
  if (domain) return new SimCapture(journal, domain, dir, prefix);
  if (session.name === "afxdp") throw new UsageError(PCAP_NOT_ON_AFXDP);
  return new ToolCapture(TCPDUMP, session.shim, dir, prefix);
}

function writeFile(dir: string, prefix: string, ifname: string, frames: WireFrame[]): string {
  const file = `${dir.replace(/(.)\/+$/, "$1")}/${prefix}-${ifname}.pcapng`;
  try {
    Deno.mkdirSync(dir, { recursive: true });
    Deno.writeFileSync(file, toPcapng(ifname, frames));
  } catch (e) {
    throw new EnvironmentError(`could not write the capture "${file}": ${(e as Error).message}`);
  }
  return file;
}

function readOrEmpty(path: string): Uint8Array {
  try {
    return Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return new Uint8Array();
    throw e;
  }
}

class SimCapture implements Capture {
  constructor(
    private journal: Journal,
    private domain: string,
    private dir: string,
    private prefix: string,
  ) {}

  private raw(ifname: string): string {
    return `${this.domain}/capture-${ifname}.bin`;
  }

  private discard(): void {
    for (const [name] of PAIR) {
      try {
        Deno.removeSync(this.raw(name));
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
  }

  begin(): Promise<void> {
    // a long-lived domain (SKT_SIM_MACHINE) may hold an earlier run's records
    this.discard();
    this.journal.setInt("debug.sim.capture", 1);
    return Promise.resolve();
  }

  pids(): number[] {
    return [];
  }

  finish(): Promise<CapturedInterface[]> {
    const out = new Map(
      PAIR.map(([name]) => [name, parseSimCapture(readOrEmpty(this.raw(name)), "out")]),
    );
    const result = PAIR.map(([name, peer]) => {
      const sent = out.get(name)!;
      const received = out.get(peer)!.map((f) => ({ ...f, direction: "in" as const }));
      const stats = this.journal.shim.ifnetStats(name);
      return {
        ifname: name,
        file: writeFile(this.dir, this.prefix, name, mergeByTime(sent, received)),
        out: sent.length,
        in: received.length,
        counted: Number(stats[IfStat.txDelivered]),
      };
    });
    this.discard();
    return Promise.resolve(result);
  }

  abort(): Promise<void> {
    this.discard();
    return Promise.resolve();
  }
}

/** How a capture tool is started on one interface, and the line it prints once it listens. */
interface Tool {
  name: string;
  command(ifname: string, index: number, file: string): string[];
  ready: RegExp;
}

/** macOS: tcpdump reads the feth interface through BPF (-U: each frame as it comes). */
const TCPDUMP: Tool = {
  name: "/usr/sbin/tcpdump",
  command: (ifname, _i, file) => [
    "/usr/sbin/tcpdump",
    "-i",
    ifname,
    "-U",
    "-s",
    "0",
    "-n",
    "-w",
    file,
    "ip6",
  ],
  ready: /listening on/,
};

/**
 * A capture tool on each interface of the pair, into classic pcap in a
 * scratch folder. An interface's frames out are those of its own capture with
 * its own IPv6 source; its frames in are its peer's out (a frame a receiver's
 * tap cannot see, such as one redirected by XDP before the tap, still
 * crossed).
 */
class ToolCapture implements Capture {
  private procs: { ifname: string; child: Deno.ChildProcess; file: string }[] = [];
  private scratch = "";

  constructor(
    private tool: Tool,
    private shim: Shim,
    private dir: string,
    private prefix: string,
  ) {}

  async begin(): Promise<void> {
    this.scratch = Deno.makeTempDirSync({ prefix: "skt-pcap-" });
    for (const [i, [ifname]] of PAIR.entries()) {
      const file = `${this.scratch}/${ifname}.pcap`;
      const [cmd, ...args] = this.tool.command(ifname, i, file);
      let child: Deno.ChildProcess;
      try {
        child = new Deno.Command(cmd, { args, stdin: "null", stdout: "null", stderr: "piped" })
          .spawn();
      } catch (e) {
        throw new EnvironmentError(`--pcap needs ${this.tool.name}: ${(e as Error).message}`);
      }
      this.procs.push({ ifname, child, file });
      await listening(child, this.tool, ifname);
    }
  }

  pids(): number[] {
    return this.procs.map((p) => p.child.pid);
  }

  private async stop(): Promise<void> {
    for (const p of this.procs) {
      try {
        p.child.kill("SIGINT"); // both tools flush their file on SIGINT
      } catch { /* already gone */ }
    }
    await Promise.all(this.procs.map((p) => p.child.status));
  }

  async finish(): Promise<CapturedInterface[]> {
    await this.stop();
    const own: Record<string, string> = {
      [FETH0_NAME]: FETH0_INET6_ADDR,
      [FETH1_NAME]: FETH1_INET6_ADDR,
    };
    const out = new Map(this.procs.map(({ ifname, file }) => {
      const src = inet6Pton(own[ifname]);
      const sent = parsePcap(readOrEmpty(file), "out")
        .filter((f) => sameBytes(f.data.subarray(22, 38), src));
      return [ifname, sent];
    }));
    const result = PAIR.map(([ifname, peer]) => {
      const sent = out.get(ifname) ?? [],
        received = (out.get(peer) ?? [])
          .map((f) => ({ ...f, direction: "in" as const }));
      let counted: number | null = null;
      try {
        counted = Number(this.shim.ifnetStats(ifname)[IfStat.txDelivered]);
      } catch { /* the backend keeps no such counter */ }
      return {
        ifname,
        file: writeFile(this.dir, this.prefix, ifname, mergeByTime(sent, received)),
        out: sent.length,
        in: received.length,
        counted,
      };
    });
    Deno.removeSync(this.scratch, { recursive: true });
    return result;
  }

  async abort(): Promise<void> {
    await this.stop();
    if (this.scratch) Deno.removeSync(this.scratch, { recursive: true });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Waits for the tool's "listening" line: from then on it sees every frame. */
async function listening(child: Deno.ChildProcess, tool: Tool, ifname: string): Promise<void> {
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!tool.ready.test(seen)) {
    const { value, done } = await reader.read();
    if (done) {
      throw new EnvironmentError(`${tool.name} could not capture on ${ifname}: ${seen.trim()}`);
    }
    seen += value;
  }
  // keep draining so the tool never blocks on a full pipe
  (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
}
