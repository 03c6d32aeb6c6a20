/**
 * The child side of xnu's tests/skywalk/skt_netifdirect.c, ported call by call:
 * skt_netifdirect_xfer_ipv6 sets up the flow, opens the channel, waits at the
 * ready/go barrier, picks the events its test id asks for, then runs the
 * send/receive loop (transfer.ts) with every assertion of the original.
 */
import { sleepSync } from "../machine/os.ts";
import type { Channel, Shim } from "../../ffi/spi.ts";
import { ChannelAttr, NexusFlowFlags } from "../../ffi/constants.ts";
import { SpiError } from "../../ffi/errors.ts";
import { check, TestFailure } from "./assert.ts";
import {
  FETH0_INET6_ADDR,
  FETH0_NAME,
  FETH0_UDP_PORT,
  FETH1_INET6_ADDR,
  FETH1_NAME,
  FETH1_UDP_PORT,
  inet6Pton,
  uuidUnparse,
} from "../machine/addresses.ts";
import {
  type ChannelPort,
  type ChildResult,
  EvFlagChannel,
  EvFlagExpiry,
  EvFlagIfAdv,
  TestId,
  type XferOptions,
} from "./defs.ts";
import { poolMemory } from "./pool_memory.ts";
import { sendAndReceive } from "./transfer.ts";

/** skt_netifdirect_xfer_ipv6 */
export async function netifdirectXferIpv6(
  shim: Shim,
  child: number,
  testId: TestId,
  options: XferOptions,
): Promise<ChildResult> {
  const { log } = options;
  check(child === 0 || child === 1, "child == 0 || child == 1");
  const [ifname, peerName] = child === 0 ? [FETH0_NAME, FETH1_NAME] : [FETH1_NAME, FETH0_NAME];
  const ourMac = shim.ifnetLladdr(ifname);
  const peerMac = shim.ifnetLladdr(peerName);
  const ourIp6 = inet6Pton(child === 0 ? FETH0_INET6_ADDR : FETH1_INET6_ADDR);
  const peerIp6 = inet6Pton(child === 0 ? FETH1_INET6_ADDR : FETH0_INET6_ADDR);
  const ourPort = child === 0 ? FETH0_UDP_PORT : FETH1_UDP_PORT;
  const peerPort = child === 0 ? FETH1_UDP_PORT : FETH0_UDP_PORT;

  // skt_setup_netif_with_ipv6_flow
  using controller = shim.nexusControllerCreate();
  let nxUuid: Uint8Array;
  try {
    nxUuid = shim.ifnetNetifNexus(ifname);
  } catch (e) {
    throw new TestFailure(
      `assertion failed: sktc_get_netif_nexus(${ifname}): ${(e as Error).message}`,
    );
  }
  // The listener flow only exercises the listener code path, as upstream says.
  controller.flowAdd(nxUuid, NexusFlowFlags.ipv6Ula | NexusFlowFlags.listener, null, null);
  const nxPort = controller.flowAdd(nxUuid, NexusFlowFlags.ipv6Ula, ourIp6, peerIp6);

  // sktu_channel_port_init(&port, uuid, nx_port, upp = true, event ring for ids 4/5, low latency = false)
  const eventRing = testId === TestId.channelEvents || testId === TestId.expiryEvents;
  const attrs = new Map<number, bigint>([
    [ChannelAttr.userPacketPool, 1n],
    [ChannelAttr.nexusDefunctOk, 1n],
  ]);
  if (eventRing) attrs.set(ChannelAttr.eventRing, 1n);
  let chan: Channel;
  try {
    chan = channelCreateExtended(shim, nxUuid, nxPort, attrs);
  } catch (e) {
    log.info(`Can't open channel on port ${nxPort}, ${(e as Error).message}`);
    throw new TestFailure("assertion failed: port.chan != NULL");
  }
  using _chan = chan;
  log.info(`Opened port ${nxPort}`);
  const port: ChannelPort = {
    chan,
    fd: chan.fd,
    port: nxPort,
    userPacketPool: true,
    mac: ourMac,
    ip6: ourIp6,
  };
  // the pool's mapping (and its checksum module) made before the ready byte, so that the
  // test's clock starts on the frames, not on this child's setup
  poolMemory(chan);

  await options.readyGo();
  log.debug(`child ${child} signaled`);

  log.info(`Child ${child} nexus uuid: '${uuidUnparse(nxUuid)}'`);
  log.info(`child ${child}: Test Start`);
  let eventFlags = 0;
  let ifadvEnabled = false;
  switch (testId) {
    case TestId.txrx:
      break;
    case TestId.ifAdvEnabled:
      eventFlags |= EvFlagIfAdv;
      chan.configureInterfaceAdvisory(true);
      ifadvEnabled = true;
      break;
    case TestId.ifAdvDisabled:
      eventFlags |= EvFlagIfAdv;
      chan.configureInterfaceAdvisory(false);
      break;
    case TestId.channelEvents:
      eventFlags |= EvFlagChannel;
      break;
    case TestId.expiryEvents:
      eventFlags |= EvFlagExpiry | EvFlagChannel;
      break;
  }
  return sendAndReceive(shim, port, {
    ifname,
    peerIfname: peerName,
    srcPort: ourPort,
    dstMac: peerMac,
    dstIp: peerIp6,
    dstPort: peerPort,
    howMany: options.packets,
    batchSize: options.batch,
    child,
    eventFlags,
    ifadvEnabled,
    paceUs: options.paceUs,
    log,
    prehookSetsNothing: options.prehookSetsNothing,
  });
}

/** sktu_channel_create_extended retries ENOMEM this many times, 250 ms apart ("up to 4 seconds"). */
const SKTU_CHANNEL_CREATE_NOMEM_RETRIES = 16;

const NOMEM_RETRY_MS = 250;

/**
 * sktu_channel_create_extended: open the channel, retrying while the kernel is
 * short of memory, then read the attributes back as the helper does (each must
 * be known, i.e. not -1, and the channel must not be exclusive).
 */
function channelCreateExtended(
  shim: Shim,
  nxUuid: Uint8Array,
  port: number,
  attrs: Map<number, bigint>,
): Channel {
  for (let retries = 0;;) {
    let chan: Channel;
    try {
      chan = shim.channelCreate(nxUuid, port, attrs);
    } catch (e) {
      if (
        e instanceof SpiError && e.is("ENOMEM") && ++retries < SKTU_CHANNEL_CREATE_NOMEM_RETRIES
      ) {
        sleepSync(NOMEM_RETRY_MS);
        continue;
      }
      throw e;
    }
    check(chan.attr(ChannelAttr.exclusive) !== 1n, "CHANNEL_ATTR_EXCLUSIVE: scratch != 1");
    for (const [name, key] of READ_BACK_ATTRS) {
      check(chan.attr(key) !== -1n, `${name}: scratch != -1`);
    }
    return chan;
  }
}

/** The attributes sktu_channel_create_extended reads back after the open. */
const READ_BACK_ATTRS: [string, number][] = [
  ["CHANNEL_ATTR_TX_LOWAT_UNIT", ChannelAttr.txLowatUnit],
  ["CHANNEL_ATTR_TX_LOWAT_VALUE", ChannelAttr.txLowatValue],
  ["CHANNEL_ATTR_RX_LOWAT_UNIT", ChannelAttr.rxLowatUnit],
  ["CHANNEL_ATTR_RX_LOWAT_VALUE", ChannelAttr.rxLowatValue],
  ["CHANNEL_ATTR_USER_PACKET_POOL", ChannelAttr.userPacketPool],
  ["CHANNEL_ATTR_NEXUS_DEFUNCT_OK", ChannelAttr.nexusDefunctOk],
  ["CHANNEL_ATTR_EVENT_RING", ChannelAttr.eventRing],
  ["CHANNEL_ATTR_LOW_LATENCY", ChannelAttr.lowLatency],
];
