/**
 * What `skt doctor` reports for the afxdp backend (Linux): whether AF_XDP
 * sockets work, where libxdp is and whether its headers are there to build
 * the shim, and the XDP modes each end of a veth pair accepts (probed on a
 * pair of its own, as root: scenarios/machine/xdp_probe.ts).
 */
import { Shim } from "../ffi/spi.ts";
import { SktError } from "../ffi/errors.ts";
import type { BackendName } from "../scenarios/machine/backend.ts";
import { probeXdpModes, type XdpProbe } from "../scenarios/machine/xdp_probe.ts";

export interface AfxdpFacts {
  /** 0 when socket(AF_XDP) works, its errno when not, null when the shim can't ask */
  xsk: number | null;
  /** where libxdp's shared library is, or null */
  libxdp: string | null;
  /** whether libxdp's and libbpf's headers are there to build the shim */
  headers: boolean;
  /** the XDP modes each veth accepts, or why they were not probed */
  probe: XdpProbe[] | string;
}

/** The report lines. */
export function afxdpLines(a: AfxdpFacts, add: (key: string, value: string) => void): void {
  add(
    "af_xdp",
    a.xsk === 0
      ? "socket(AF_XDP) works"
      : a.xsk === null
      ? "unknown (the afxdp shim is not usable)"
      : `socket(AF_XDP) fails with errno ${a.xsk} (no CONFIG_XDP_SOCKETS, or a sandbox)`,
  );
  add(
    "libxdp",
    `${a.libxdp ?? "not found (apt-get install libxdp1)"}; headers ${
      a.headers ? "present" : "missing (apt-get install libxdp-dev libbpf-dev)"
    }`,
  );
  if (typeof a.probe === "string") add("xdp modes", `not probed: ${a.probe}`);
  else {
    for (const p of a.probe) {
      add(
        `xdp ${p.ifname}`,
        `veth: DRV ${p.drv}, SKB ${p.skb}; zero copy ${p.zeroCopy} (the tests bind in copy mode)`,
      );
    }
  }
}

const LIB_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
];

/** Gathers the facts (and, as root, probes a veth pair). */
export function afxdpFacts(
  shims: Partial<Record<BackendName, { built: boolean; problem: string | null }>>,
): AfxdpFacts {
  const usable = shims.afxdp?.built && !shims.afxdp.problem;
  let xsk: number | null = null;
  const shim = usable ? Shim.load("afxdp") : null;
  if (shim) {
    try {
      xsk = shim.sysctlGetInt("skt.afxdp.xsk_socket");
    } catch {
      xsk = null;
    }
  }
  const isFile = (p: string) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  };
  const libxdp = LIB_DIRS.map((d) => `${d}/libxdp.so.1`).find(isFile) ?? null;
  const headers = isFile("/usr/include/xdp/xsk.h") && isFile("/usr/include/bpf/libbpf.h");
  let probe: XdpProbe[] | string;
  if (!shim) probe = shims.afxdp?.problem ?? "the afxdp shim is not built (`deno task build`)";
  else if (Deno.uid() !== 0) probe = "needs root (it makes a veth pair in two namespaces)";
  else if (xsk !== 0) probe = "AF_XDP sockets are not available";
  else {
    try {
      probe = probeXdpModes(shim);
    } catch (e) {
      if (!(e instanceof SktError)) throw e;
      probe = e.message;
    }
  }
  return { xsk, libxdp, headers, probe };
}

/** Why an unbuilt afxdp shim can't be built here, or null. */
export function afxdpBuildVerdict(a: AfxdpFacts): string | null {
  return a.headers ? null : "its shim is not built and libxdp/libbpf's headers are missing " +
    "(apt-get install libxdp-dev libbpf-dev)";
}
