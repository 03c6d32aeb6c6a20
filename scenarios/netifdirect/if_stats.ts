/** The interface's counters at the end of a run (skt's, for reports and checks). */
import type { Shim } from "../../ffi/spi.ts";
import { IfStat, XdpStat } from "../../ffi/constants.ts";
import type { IfStatName, XdpStatName } from "./defs.ts";

/** The interface's counters by name, or undefined where the backend keeps none. */
export function interfaceStats(
  shim: Shim,
  ifname: string,
): Partial<Record<IfStatName, number>> | undefined {
  let values: bigint[];
  try {
    values = shim.ifnetStats(ifname);
  } catch {
    return undefined;
  }
  const out: Partial<Record<IfStatName, number>> = {};
  for (const [name, index] of Object.entries(IfStat)) {
    if (name !== "count" && index < values.length) out[name as IfStatName] = Number(values[index]);
  }
  return out;
}

/** afxdp: the kernel's counters of this interface and its socket, or undefined elsewhere. */
export function xdpStats(
  shim: Shim,
  ifname: string,
): Partial<Record<XdpStatName, number>> | undefined {
  if (shim.backend !== "afxdp") return undefined;
  const values = shim.ifnetStats(ifname, XdpStat.count);
  const out: Partial<Record<XdpStatName, number>> = {};
  for (const [name, index] of Object.entries(XdpStat)) {
    if (name !== "count" && index < values.length) out[name as XdpStatName] = Number(values[index]);
  }
  return out;
}
