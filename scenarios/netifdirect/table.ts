/**
 * The mptest table of skt_netifdirect.c: name, description, required kernel
 * features, number of children, the child's test id, and the parent's init and
 * fini hooks.
 */
import { SkFeature } from "../../ffi/constants.ts";
import { FethFlags, fethPairCreate, fethPairDestroy } from "../machine/feth.ts";
import type { Journal } from "../machine/journal.ts";
import { vethPairCreate, vethPairDestroy, type VethSetup } from "../machine/veth.ts";
import type { Log } from "../log.ts";
import { NETIF_IFADV_INTERVAL, NETIF_TX_PKT_DROP_RATE, TestId } from "./defs.ts";

/** What the parent's init and fini hooks work with. */
export interface HookContext {
  journal: Journal;
  log: Log;
  /** the run's id: the afxdp backend names its network namespaces after it */
  runId: string;
}

export interface MpTest {
  name: string;
  description: string;
  requiredFeatures: bigint;
  nchildren: number;
  testId: TestId;
  init(ctx: HookContext): void;
  fini(ctx: HookContext): void;
  /** false for the two that upstream declares but never registers in BATS_TESTS */
  upstreamRegistered: boolean;
  /** where the sim's behaviour for this test differs from the kernel's, in one line */
  simNote?: string;
  /** why the test can't run on afxdp (its kernel feature has no AF_XDP counterpart), or null */
  afxdpSkip?: string | null;
}

const NETIFDIRECT_FEATURES = SkFeature.skywalk | SkFeature.nexusNetif | SkFeature.devOrDebug;

const USER_ACCESS = FethFlags.native | FethFlags.userAccess | FethFlags.lowLatency |
  FethFlags.llink;
const COPY_MODE = FethFlags.native | FethFlags.lowLatency | FethFlags.llink;
const SPLIT_POOLS = USER_ACCESS | FethFlags.nonSharedSplitPools;

const NXCTL_CHECK = "kern.skywalk.disable_nxctl_check";

/**
 * How afxdp stands in for the feth flags: no user access to the device pool
 * (copy mode) binds with XDP_COPY after trying zero copy; split pools take TX
 * and RX chunks from disjoint halves of the UMEM.
 */
export function afxdpSetup(flags: number): VethSetup {
  return {
    bind: (flags & FethFlags.userAccess) ? "auto" : "copy",
    pool: (flags & FethFlags.nonSharedSplitPools) ? "split" : "shared",
    mode: "auto",
  };
}

/** skt_netifdirect_init_native_*: lift the nexus controller check, create the pair. */
function initPair(flags: number): (ctx: HookContext) => void {
  return ({ journal, log, runId }) => {
    if (journal.shim.backend === "afxdp") {
      vethPairCreate(journal, runId, afxdpSetup(flags), log);
      return;
    }
    journal.setInt(NXCTL_CHECK, 1);
    fethPairCreate(journal, flags, log);
  };
}

/** Sets a fake driver knob (latched by the pair created after it), then the pair. */
function initWithKnob(name: string, value: number): (ctx: HookContext) => void {
  return (ctx) => {
    ctx.journal.setInt(name, value);
    initPair(USER_ACCESS)(ctx);
  };
}

/** skt_netifdirect_fini*: put back the knob and the nxctl check, destroy the pair. */
function fini(knob?: string): (ctx: HookContext) => void {
  return ({ journal }) => {
    if (journal.shim.backend === "afxdp") {
      vethPairDestroy(journal);
      return;
    }
    journal.restore(knob ? [knob, NXCTL_CHECK] : [NXCTL_CHECK]);
    fethPairDestroy(journal);
  };
}

function entry(
  name: string,
  description: string,
  testId: TestId,
  init: (ctx: HookContext) => void,
  finiHook: (ctx: HookContext) => void,
  simNote: string,
  upstreamRegistered = true,
): MpTest {
  return {
    name,
    description,
    requiredFeatures: NETIFDIRECT_FEATURES,
    nchildren: 2,
    testId,
    init,
    fini: finiHook,
    upstreamRegistered,
    simNote,
    afxdpSkip: AFXDP_SKIPS[testId] ?? null,
  };
}

/** The tests whose kernel feature AF_XDP lacks: skipped on afxdp, never emulated. */
const AFXDP_SKIPS: Partial<Record<TestId, string>> = {
  [TestId.ifAdvEnabled]:
    "AF_XDP has no interface advisories (the kernel never pushes link reports to an XDP socket)",
  [TestId.ifAdvDisabled]:
    "AF_XDP has no interface advisories (the kernel never pushes link reports to an XDP socket)",
  [TestId.channelEvents]:
    "AF_XDP has no per-packet transmit status (the completion ring only hands buffers back)",
  [TestId.expiryEvents]:
    "AF_XDP has no per-packet expiry (a TX descriptor carries no deadline; nothing drops and notifies)",
};

const IF_ADV_INTVL = "net.link.fake.if_adv_intvl";
const ADV_NOTE =
  "the timer fires when a process of the run syncs or waits, not from a kernel thread call";
const TX_DROPS = "net.link.fake.tx_drops";
const TX_EXP_POLICY = "net.link.fake.tx_exp_policy";
/** IFF_TX_EXP_POLICY_DROP_AND_NOTIFY */
const TX_EXP_POLICY_DROP_AND_NOTIFY = 1;

export const TESTS: readonly MpTest[] = [
  entry(
    "netifdirecttxrx",
    "netif direct send receive test",
    TestId.txrx,
    initPair(USER_ACCESS),
    fini(),
    "global device pool; the host stack sends nothing, so losses come only from the peer's full RX ring",
  ),
  entry(
    "netifdirecttxrxcopymode",
    "netif direct send receive in copy mode test",
    TestId.txrx,
    initPair(COPY_MODE),
    fini(),
    "user_access=0 is latched on the device pool but, as in the kernel (own VP pool), changes nothing visible",
    false,
  ),
  entry(
    "netifdirecttxrxsp",
    "netif direct send receive test with split rx/tx pools",
    TestId.txrx,
    initPair(SPLIT_POOLS),
    fini(),
    "separate device TX and RX pools; RX copies get a 2048-byte buffer each (kernel: shared 96 KiB buffers)",
  ),
  entry(
    "netifdirectifadvenable",
    "netif interface advisory enabled test",
    TestId.ifAdvEnabled,
    initWithKnob(IF_ADV_INTVL, NETIF_IFADV_INTERVAL),
    fini(IF_ADV_INTVL),
    ADV_NOTE,
    false,
  ),
  entry(
    "netifdirectifadvdisable",
    "netif interface advisory disabled test",
    TestId.ifAdvDisabled,
    initWithKnob(IF_ADV_INTVL, NETIF_IFADV_INTERVAL),
    fini(IF_ADV_INTVL),
    ADV_NOTE,
  ),
  entry(
    "netifdirectchanevents",
    "netif interface channel events test",
    TestId.channelEvents,
    initWithKnob(TX_DROPS, NETIF_TX_PKT_DROP_RATE),
    fini(TX_DROPS),
    "exactly every 100th test frame is dropped (kernel: about every 100th, host-stack packets count too)",
  ),
  entry(
    "netifdirectexpiryevents",
    "netif interface expiry events test",
    TestId.expiryEvents,
    initWithKnob(TX_EXP_POLICY, TX_EXP_POLICY_DROP_AND_NOTIFY),
    fini(TX_EXP_POLICY),
    "mach clock = CLOCK_MONOTONIC through the timebase, 125/3 by default (--sim-timebase 1/1 drops every frame)",
  ),
];

export function findTest(name: string): MpTest | undefined {
  return TESTS.find((t) => t.name === name);
}

/** Test names within a small edit distance of `name` (or sharing its prefix). */
export function closeNames(name: string): string[] {
  const scored = TESTS.map((t) => ({ name: t.name, d: editDistance(name.toLowerCase(), t.name) }));
  const near = scored.filter((s) =>
    s.d <= Math.max(3, Math.floor(name.length / 3)) ||
    (name.length >= 4 && s.name.startsWith(name.toLowerCase()))
  );
  return near.sort((a, b) => a.d - b.d).map((s) => s.name);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
