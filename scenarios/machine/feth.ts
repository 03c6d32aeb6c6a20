/**
 * sktc_ifnet_feth_pair_create / _destroy: the fake ethernet pair the tests run on.
 *
 * if_fake latches every net.link.fake.* value when an interface is created, so
 * the values are set, the pair created, and the values restored right after.
 */
import { sleepSync } from "./os.ts";
import type { Journal } from "./journal.ts";
import { FETH0_NAME, FETH1_NAME } from "./addresses.ts";
import { SpiError } from "../../ffi/errors.ts";
import type { Log } from "../log.ts";

/** FETH_FLAGS_* of skywalk_test_common.h */
export const FethFlags = {
  native: 0x1,
  txstart: 0x2,
  wmm: 0x4,
  multiBuflet: 0x8,
  nonSharedPool: 0x10,
  nonSharedSplitPools: 0x20,
  txHeadroom: 0x40,
  userAccess: 0x80,
  lowLatency: 0x100,
  nxattach: 0x200,
  fcs: 0x400,
  trailer: 0x800,
  llink: 0x1000,
  multiLlink: 0x2000,
} as const;

const IFCREATE_RETRY = 100;
const IFCREATE_RETRY_DELAY_MS = 100;

/** sktc_feth_set_flags: the sysctl values a set of flags stands for. */
export function fethSysctls(
  flags: number,
): { ints: [string, number][]; strings: [string, string][] } {
  if ((flags & FethFlags.nonSharedPool) && (flags & FethFlags.nonSharedSplitPools)) {
    throw new Error(
      "FETH_FLAGS_NONSHAREDPOOL and FETH_FLAGS_NONSHAREDSPLITPOOLS exclude each other",
    );
  }
  const bit = (f: number) => (flags & f) ? 1 : 0;
  const ints: [string, number][] = [
    ["net.link.fake.bsd_mode", (flags & FethFlags.native) ? 0 : 1],
    [
      "net.link.fake.llink_cnt",
      (flags & FethFlags.llink) ? 1 : (flags & FethFlags.multiLlink) ? 4 : 0,
    ],
    ["net.link.fake.txstart", bit(FethFlags.txstart)],
    ["net.link.fake.wmm_mode", bit(FethFlags.wmm)],
    ["net.link.fake.multibuflet", bit(FethFlags.multiBuflet)],
    ["net.link.fake.user_access", bit(FethFlags.userAccess)],
    [
      "net.link.fake.pktpool_mode",
      (flags & FethFlags.nonSharedPool) ? 1 : (flags & FethFlags.nonSharedSplitPools) ? 2 : 0,
    ],
    // upstream picks a random headroom in {0, 8, 16, 24} for TX_HEADROOM; no test sets it
    ["net.link.fake.tx_headroom", 0],
    ["net.link.fake.nxattach", bit(FethFlags.nxattach)],
    ["net.link.fake.fcs", bit(FethFlags.fcs)],
    ["net.link.fake.trailer_length", (flags & FethFlags.trailer) ? 2 : 0],
  ];
  const strings: [string, string][] = (flags & FethFlags.lowLatency)
    ? [["kern.skywalk.netif.sk_ll_prefix", "feth"]]
    : [];
  return { ints, strings };
}

/** sktc_ifnet_create: creates an interface, recycling a leftover one and waiting out a teardown. */
function ifnetCreate(journal: Journal, name: string, log: Log): void {
  const shim = journal.shim;
  journal.noteInterface(name);
  for (let attempt = 0; attempt < IFCREATE_RETRY; attempt++) {
    try {
      shim.ifnetCreate(name);
      shim.ifnetSetUp(name);
      return;
    } catch (e) {
      if (!(e instanceof SpiError)) throw e;
      if (e.is("EEXIST")) {
        log.info(`${name} exists already (left by an earlier run): destroying it`);
        shim.ifnetDestroy(name);
      } else if (e.is("EBUSY")) {
        sleepSync(IFCREATE_RETRY_DELAY_MS);
      } else {
        throw e;
      }
    }
  }
  throw new Error(`could not create ${name} after ${IFCREATE_RETRY} attempts`);
}

/** The sysctls, creation and peering of the pair; everything recorded in the journal. */
export function fethPairCreate(journal: Journal, flags: number, log: Log): void {
  const { ints, strings } = fethSysctls(flags);
  for (const [name, value] of ints) journal.setInt(name, value);
  for (const [name, value] of strings) journal.setString(name, value);
  ifnetCreate(journal, FETH0_NAME, log);
  ifnetCreate(journal, FETH1_NAME, log);
  // the values are latched by the interfaces: put the old ones back now, as upstream
  journal.restore([...ints.map(([n]) => n), ...strings.map(([n]) => n)]);
  journal.shim.fethSetPeer(FETH0_NAME, FETH1_NAME);
}

/** sktc_ifnet_feth_pair_destroy */
export function fethPairDestroy(journal: Journal): void {
  for (const name of [FETH0_NAME, FETH1_NAME]) {
    try {
      journal.shim.ifnetDestroy(name);
    } catch (e) {
      if (!(e instanceof SpiError && (e.is("ENXIO") || e.is("ENOENT")))) throw e;
    }
  }
}
