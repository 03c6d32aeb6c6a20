/**
 * Whether a test can run on a backend here, from facts about the machine
 * (skywalk_mptest_driver_run's feature gate, plus root for the real kernel).
 * Pure: the facts are gathered by the callers (readFeatures in driver.ts, doctor.ts), so macOS-shaped
 * inputs can be checked on any OS.
 */
import { SkFeature } from "../../ffi/constants.ts";
import type { BackendName } from "../../ffi/loader.ts";

/** What the gate looks at. */
export interface MachineFacts {
  /** Deno.build.os */
  os: string;
  /** kern.skywalk.features, or null when it cannot be read (no Skywalk) */
  features: bigint | null;
  /** effective uid, or null where there is none (Windows) */
  uid: number | null;
  /** afxdp: 0 when socket(AF_XDP) works here, its errno when not, null when unknown */
  xsk?: number | null;
}

/** kern.skywalk.features bit names, in bit order. */
export function featureNames(mask: bigint): string[] {
  return Object.entries(SkFeature)
    .filter(([, bit]) => (mask & bit) !== 0n)
    .sort(([, a], [, b]) => (a < b ? -1 : 1))
    .map(([name]) => name);
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

/** The kernel's build type as its feature bits tell it. */
export function kernelBuildType(features: bigint): "debug" | "development" | "release" {
  if (features & SkFeature.debug) return "debug";
  if (features & SkFeature.development) return "development";
  return "release";
}

/** Why the OS alone rules the backend out here, or null. */
export function osReason(backend: BackendName, os: string): string | null {
  if (backend === "skywalk" && os !== "darwin") {
    return `the skywalk backend needs macOS with a development kernel (this is ${os})`;
  }
  if (backend === "afxdp" && os !== "linux") {
    return `the afxdp backend needs Linux (AF_XDP sockets on a veth pair; this is ${os})`;
  }
  return null;
}

/** Why `required` features are not all present, or null (upstream's "Required features" check). */
export function featureReason(required: bigint, features: bigint | null): string | null {
  if (features === null) {
    return "kern.skywalk.features cannot be read (this kernel has no Skywalk)";
  }
  const missing = required & ~features;
  if (missing === 0n) return null;
  const dev = missing & SkFeature.devOrDebug
    ? `: a development or debug kernel is required (this one is ${kernelBuildType(features)})`
    : "";
  return `kern.skywalk.features ${hex(features)} lacks ${hex(missing)} (${
    featureNames(missing).join(", ")
  })${dev}`;
}

/** Why the backend needs more privilege than this process has, or null. */
export function privilegeReason(backend: BackendName, uid: number | null): string | null {
  if (backend === "afxdp" && uid !== 0) {
    return `the afxdp backend needs root (network namespaces, a veth pair, XDP programs); this is ${
      uid === null ? "an unknown user" : `uid ${uid}`
    }: run it with sudo`;
  }
  if (backend !== "skywalk" || uid === 0) return null;
  return `the skywalk backend needs root (sysctls, feth interfaces, nexus flows); this is ${
    uid === null ? "an unknown user" : `uid ${uid}`
  }: run it with sudo`;
}

/**
 * Why a test needing `required` features can't run on `backend` with these
 * facts, or null when it can. The first reason found, in upstream's order.
 */
export function skipReason(
  backend: BackendName,
  required: bigint,
  facts: MachineFacts,
): string | null {
  if (backend === "afxdp") {
    // no Skywalk features: the kernel's AF_XDP support and root instead
    return osReason(backend, facts.os) ?? privilegeReason(backend, facts.uid) ??
      xskReason(facts.xsk ?? null);
  }
  return osReason(backend, facts.os) ?? featureReason(required, facts.features) ??
    privilegeReason(backend, facts.uid);
}

/** Why AF_XDP sockets can't be had here (the afxdp shim's skt.afxdp.xsk_socket probe), or null. */
export function xskReason(xsk: number | null): string | null {
  if (xsk === 0) return null;
  if (xsk === null) return "whether this kernel has AF_XDP sockets could not be checked";
  return `this kernel refuses AF_XDP sockets (socket(AF_XDP) failed with errno ${xsk}: ` +
    "a kernel built without CONFIG_XDP_SOCKETS, or a sandbox that forbids them)";
}
