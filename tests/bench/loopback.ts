/**
 * The port's own Sender (feth0) and Receiver (feth1) over a sim pair in this
 * process, with a kqueue watching feth1's RX: what the one-CPU figures and the
 * binding micro-benchmarks time.
 */
import { ip0, ip1, type SimPair } from "../sim_helpers.ts";
import type { ChannelPort } from "../../scenarios/netifdirect/defs.ts";
import type { Log } from "../../scenarios/log.ts";
import { Receiver } from "../../scenarios/netifdirect/receive.ts";
import { Sender } from "../../scenarios/netifdirect/send.ts";
import { FETH0_UDP_PORT, FETH1_UDP_PORT } from "../../scenarios/machine/addresses.ts";
import { EvFilter, EvFlag } from "../../ffi/constants.ts";
import type { Channel, KQueue } from "../../ffi/spi.ts";

export const quiet: Log = { info: () => {}, debug: () => {}, debugEnabled: false };

export interface Loopback {
  tx: Sender;
  rx: Receiver;
  /** watches feth1's channel for EVFILT_READ */
  kq: KQueue;
}

function channelPort(chan: Channel, mac: Uint8Array, ip6: Uint8Array): ChannelPort {
  return { chan, fd: chan.fd, port: 0, userPacketPool: true, mac, ip6 };
}

/** The sender, receiver and kqueue over pair; the caller closes kq. */
export function loopback(pair: SimPair): Loopback {
  const mac0 = pair.shim.ifnetLladdr("feth0");
  const mac1 = pair.shim.ifnetLladdr("feth1");
  const rxPort = channelPort(pair.ch1, mac1, ip1);
  const tx = new Sender(channelPort(pair.ch0, mac0, ip0), {
    srcMac: mac0,
    dstMac: mac1,
    srcIp: ip0,
    dstIp: ip1,
    srcPort: FETH0_UDP_PORT,
    dstPort: FETH1_UDP_PORT,
  }, quiet);
  const rx = new Receiver(rxPort, 1, quiet);
  const kq = pair.shim.kqueue();
  kq.change([{
    ident: rxPort.fd,
    filter: EvFilter.read,
    flags: EvFlag.add | EvFlag.enable,
    fflags: 0,
  }]);
  return { tx, rx, kq };
}
