/**
 * What `skt doctor` asks the kernel for the afxdp backend: the XDP modes each
 * end of a veth pair accepts and what a zero-copy bind gets. It makes a pair
 * of its own the way a run does (run ledger, journal, namespaces named after
 * its id), opens an AF_XDP socket on each end asking for native (DRV) then
 * generic (SKB) mode, and removes everything again, on every path.
 */
import type { Shim } from "../../ffi/spi.ts";
import { ChannelAttr, NexusFlowFlags, XDP_MODE_NAMES, XdpStat } from "../../ffi/constants.ts";
import { FETH0_NAME, FETH1_NAME } from "./addresses.ts";
import { newRunId } from "./backend.ts";
import { Journal } from "./journal.ts";
import { RunLedger } from "./ledger.ts";
import { afxdpEnvPath, vethPairCreate, type VethSetup } from "./veth.ts";
import type { Log } from "../log.ts";

/** Per interface and mode: "accepted", or why not. */
export interface XdpProbe {
  ifname: string;
  drv: string;
  skb: string;
  /** what XDP_ZEROCOPY got (the errno's message), tried in native mode */
  zeroCopy: string;
}

const quiet: Log = { info: () => {}, debug: () => {} };

/** One socket on `ifname` with the run's current setup: its XDP mode and zero-copy result. */
function tryOpen(shim: Shim, ifname: string): { mode: string; zeroCopy: string } {
  const uuid = shim.ifnetNetifNexus(ifname);
  using ctl = shim.nexusControllerCreate();
  const port = ctl.flowAdd(uuid, NexusFlowFlags.ipv6Ula, null, null);
  using _chan = shim.channelCreate(uuid, port, new Map([[ChannelAttr.userPacketPool, 1n]]));
  const s = shim.ifnetStats(ifname, XdpStat.count);
  const zc = Number(s[XdpStat.zeroCopyTried]) === 0
    ? "not tried"
    : Number(s[XdpStat.zeroCopyErrno]) === 0
    ? "accepted"
    : `refused (errno ${s[XdpStat.zeroCopyErrno]})`;
  return { mode: XDP_MODE_NAMES[Number(s[XdpStat.mode])] ?? "?", zeroCopy: zc };
}

/**
 * Probes both ends, native then generic mode, each on a pair of its own (a
 * native program left attached by libxdp makes a generic attach on the same
 * veth answer EBUSY). Throws EnvironmentError when a pair can't be made.
 */
export function probeXdpModes(shim: Shim, log: Log = quiet): XdpProbe[] {
  const results: XdpProbe[] = [FETH0_NAME, FETH1_NAME].map((ifname) => ({
    ifname,
    drv: "",
    skb: "",
    zeroCopy: "",
  }));
  for (const mode of ["drv", "skb"] as const) {
    withProbePair(shim, { bind: "copy", pool: "shared", mode }, log, (env) => {
      for (const r of results) {
        shim.envAttach(env);
        try {
          const got = tryOpen(shim, r.ifname);
          r[mode] = got.mode === mode.toUpperCase() ? "accepted" : `gave ${got.mode}`;
          if (mode === "drv" || !r.zeroCopy) r.zeroCopy = got.zeroCopy;
        } catch (e) {
          r[mode] = `refused (${(e as Error).message})`;
        } finally {
          shim.envDetach();
        }
      }
    });
  }
  return results;
}

/** A pair made as a run makes it (ledger, journal), handed to `use`, then removed. */
function withProbePair(shim: Shim, setup: VethSetup, log: Log, use: (env: string) => void): void {
  const runId = newRunId();
  const ledger = RunLedger.begin("afxdp", runId);
  const journal = new Journal(shim, ledger.journalPath);
  try {
    vethPairCreate(journal, runId, setup, log);
    use(afxdpEnvPath(runId));
  } finally {
    const problems = journal.undoAll();
    if (problems.length === 0) ledger.finish();
    else log.info(`xdp probe cleanup: ${problems.join("; ")}`);
  }
}
