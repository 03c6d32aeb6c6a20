/** A sim domain with a feth pair and one channel per side, for binding-level tests. */
import { type Channel, Shim } from "../ffi/spi.ts";
import { ChannelAttr, NexusFlowFlags } from "../ffi/constants.ts";
import { newRunId } from "../scenarios/machine/backend.ts";
import { SIM_DOMAIN_PREFIX, simRoot } from "../scenarios/machine/env.ts";
import { FETH0_INET6_ADDR, FETH1_INET6_ADDR, inet6Pton } from "../scenarios/machine/addresses.ts";
import { FrameBuilder } from "../scenarios/netifdirect/frame.ts";
import { FethFlags, fethSysctls } from "../scenarios/machine/feth.ts";

export const ip0 = inet6Pton(FETH0_INET6_ADDR);
export const ip1 = inet6Pton(FETH1_INET6_ADDR);

export interface SimPair extends Disposable {
  shim: Shim;
  domain: string;
  ch0: Channel;
  ch1: Channel;
  /** frames from feth0 to feth1 */
  builder0: FrameBuilder;
}

/** Creates a domain, the pair, flows and channels; knobs are set before the pair. */
export function simPair(knobs: Record<string, number> = {}, eventRing = false): SimPair {
  const shim = Shim.load("sim");
  const domain = `${simRoot()}/${SIM_DOMAIN_PREFIX}test-${newRunId()}`;
  shim.envCreate(domain);
  try {
    return openPair(shim, domain, knobs, eventRing);
  } catch (e) {
    shim.envDestroy(domain);
    throw e;
  }
}

/** The pair as netifdirecttxrx's init creates it: native, user access, low latency, llink. */
const PAIR_FLAGS = FethFlags.native | FethFlags.userAccess | FethFlags.lowLatency | FethFlags.llink;

function openPair(
  shim: Shim,
  domain: string,
  knobs: Record<string, number>,
  eventRing: boolean,
): SimPair {
  const { ints, strings } = fethSysctls(PAIR_FLAGS);
  shim.sysctlSetInt("kern.skywalk.disable_nxctl_check", 1);
  for (const [k, v] of ints) shim.sysctlSetInt(k, v);
  for (const [k, v] of strings) shim.sysctlSetString(k, v);
  for (const [k, v] of Object.entries(knobs)) shim.sysctlSetInt(k, v);
  shim.ifnetCreate("feth0");
  shim.ifnetCreate("feth1");
  shim.fethSetPeer("feth0", "feth1");
  const open = (ifname: string, ours: Uint8Array, peer: Uint8Array) => {
    const nx = shim.ifnetNetifNexus(ifname);
    const ctl = shim.nexusControllerCreate();
    const port = ctl.flowAdd(nx, NexusFlowFlags.ipv6Ula, ours, peer);
    const attrs = new Map<number, bigint>([[ChannelAttr.userPacketPool, 1n], [
      ChannelAttr.nexusDefunctOk,
      1n,
    ]]);
    if (eventRing) attrs.set(ChannelAttr.eventRing, 1n);
    return { ch: shim.channelCreate(nx, port, attrs), ctl };
  };
  const a = open("feth0", ip0, ip1);
  const b = open("feth1", ip1, ip0);
  const builder0 = new FrameBuilder({
    srcMac: shim.ifnetLladdr("feth0"),
    dstMac: shim.ifnetLladdr("feth1"),
    srcIp: ip0,
    dstIp: ip1,
    srcPort: 0x1234,
    dstPort: 0x5678,
  });
  return {
    shim,
    domain,
    ch0: a.ch,
    ch1: b.ch,
    builder0,
    [Symbol.dispose]() {
      a.ch.close();
      b.ch.close();
      a.ctl.close();
      b.ctl.close();
      shim.envDestroy(domain);
    },
  };
}
