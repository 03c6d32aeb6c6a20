/**
 * The loaded shim of one backend: errors, the sim domain, sysctls, interfaces,
 * mach time, and the factories of the per-channel handles.
 */
import { type BackendName, loadShim } from "./loader.ts";
import type { ShimSymbols } from "./symbols.ts";
import { ChannelAttr, IfStat } from "./constants.ts";
import { NexusController } from "./nexus.ts";
import { Channel } from "./channel.ts";
import { KQueue } from "./kqueue.ts";

import {
  channelPointer,
  cString,
  nexusControllerPointer,
  readCString,
  type ShimCore,
  ShimStatus,
} from "./status.ts";

export { cString };

const decoder = new TextDecoder();

/** The loaded shim of one backend, with the calls that are not per channel. */
export class Shim implements ShimCore {
  readonly backend: string;
  readonly #status: ShimStatus;

  constructor(readonly symbols: ShimSymbols) {
    this.#status = new ShimStatus(symbols);
    const name = new Uint8Array(32);
    this.backend = readCString(name, symbols.skt_backend_name(name, name.length));
  }

  static load(backend: BackendName): Shim {
    return new Shim(loadShim(backend));
  }

  /** The shim's message for this thread's last failure. */
  lastError(): string {
    return this.#status.lastError();
  }

  /** Throws SpiError when rc < 0, otherwise returns rc. */
  check(rc: number, op: string): number {
    return this.#status.check(rc, op);
  }

  // --- environment ---
  envCreate(path: string): void {
    this.check(this.symbols.skt_env_create(cString(path)), `create sim domain ${path}`);
  }
  envAttach(path: string): void {
    this.check(this.symbols.skt_env_attach(cString(path)), `attach sim domain ${path}`);
  }
  envDetach(): void {
    this.check(this.symbols.skt_env_detach(), "detach sim domain");
  }
  envDestroy(path: string): void {
    this.check(this.symbols.skt_env_destroy(cString(path)), `destroy sim domain ${path}`);
  }

  // --- sysctl ---
  #sysctl(name: string, old: Uint8Array | null, value: Uint8Array | null): number {
    const oldLen = new Uint32Array([old ? old.length : 0]);
    this.check(
      this.symbols.skt_sysctlbyname(
        cString(name),
        old,
        old ? oldLen : null,
        value,
        value ? value.length : 0,
      ),
      `sysctl ${name}`,
    );
    return oldLen[0];
  }
  sysctlGetInt(name: string): number {
    const out = new Int32Array(1);
    this.#sysctl(name, new Uint8Array(out.buffer), null);
    return out[0];
  }
  sysctlSetInt(name: string, value: number): void {
    this.#sysctl(name, null, new Uint8Array(new Int32Array([value]).buffer));
  }
  sysctlGetU64(name: string): bigint {
    const out = new BigUint64Array(1);
    this.#sysctl(name, new Uint8Array(out.buffer), null);
    return out[0];
  }
  sysctlGetString(name: string): string {
    const out = new Uint8Array(256);
    const length = this.#sysctl(name, out, null);
    const end = out.indexOf(0);
    return decoder.decode(out.subarray(0, end >= 0 && end < length ? end : length));
  }
  sysctlSetString(name: string, value: string): void {
    this.#sysctl(name, null, cString(value));
  }

  // --- interfaces ---
  ifnetCreate(ifname: string): void {
    this.check(this.symbols.skt_ifnet_create(cString(ifname)), `create ${ifname}`);
  }
  ifnetDestroy(ifname: string): void {
    this.check(this.symbols.skt_ifnet_destroy(cString(ifname)), `destroy ${ifname}`);
  }
  ifnetSetUp(ifname: string): void {
    this.check(this.symbols.skt_ifnet_set_up(cString(ifname)), `set ${ifname} up`);
  }
  fethSetPeer(ifname: string, peer: string): void {
    this.check(
      this.symbols.skt_feth_set_peer(cString(ifname), cString(peer)),
      `peer ${ifname} with ${peer}`,
    );
  }
  ifnetLladdr(ifname: string): Uint8Array {
    const mac = new Uint8Array(6);
    this.check(this.symbols.skt_ifnet_get_lladdr(cString(ifname), mac), `get ${ifname} lladdr`);
    return mac;
  }
  ifnetNetifNexus(ifname: string): Uint8Array {
    const uuid = new Uint8Array(16);
    this.check(
      this.symbols.skt_ifnet_get_netif_nexus(cString(ifname), uuid),
      `get ${ifname} netif nexus`,
    );
    return uuid;
  }
  /** The interface's counters (IfStat order); `count` asks for more (XdpStat, afxdp only). */
  ifnetStats(ifname: string, count: number = IfStat.count): bigint[] {
    const out = new BigUint64Array(count);
    const n = this.check(
      this.symbols.skt_ifnet_get_stats(cString(ifname), out, out.length),
      `get ${ifname} stats`,
    );
    return Array.from(out.subarray(0, n));
  }

  // --- time ---
  machAbsoluteTime(): bigint {
    return this.symbols.skt_mach_absolute_time();
  }
  machTimebaseInfo(): { numer: number; denom: number } {
    const out = new Uint32Array(2);
    this.check(this.symbols.skt_mach_timebase_info(out), "mach_timebase_info");
    return { numer: out[0], denom: out[1] };
  }
  usleep(usec: number): void {
    this.symbols.skt_usleep(usec);
  }

  nexusControllerCreate(): NexusController {
    const out = new BigUint64Array(1);
    this.check(this.symbols.skt_nexus_controller_create(out), "os_nexus_controller_create");
    return new NexusController(this, nexusControllerPointer(out[0]));
  }

  /** Opens a channel; attrs maps CHANNEL_ATTR_* keys to values. */
  channelCreate(nxUuid: Uint8Array, port: number, attrs: Map<number, bigint>): Channel {
    const pairs = new BigInt64Array(attrs.size * 2);
    let i = 0;
    for (const [key, value] of attrs) {
      pairs[i++] = BigInt(key);
      pairs[i++] = value;
    }
    const effective = new BigInt64Array(ChannelAttr.count);
    const out = new BigUint64Array(1);
    this.check(
      this.symbols.skt_channel_create(nxUuid, port, pairs, attrs.size, effective, out),
      `os_channel_create_extended(port ${port})`,
    );
    return new Channel(this, channelPointer(out[0]), effective);
  }

  /** A kqueue whose waits return at most maxEvents events. */
  kqueue(maxEvents = 8): KQueue {
    return new KQueue(this, this.check(this.symbols.skt_kqueue(), "kqueue"), maxEvents);
  }
}
