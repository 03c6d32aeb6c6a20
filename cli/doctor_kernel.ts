/**
 * What `skt doctor` reads about a macOS kernel beyond plain sysctls:
 * kern.skywalk.features, which xnu declares SYSCTL_OPAQUE (format "-", 8 bytes:
 * bsd/skywalk/core/skywalk.c), so sysctl(8) prints it only as a hex dump; and
 * whether a development kernel matches the installed macOS build, since
 * libsystem_kernel's os_channel_create_extended aborts the process on a channel
 * schema mismatch ("Schema region version mismatch", libsyscall's os_channel.c).
 */

/**
 * The value of `sysctl -x -n kern.skywalk.features` (or of plain `sysctl -n`):
 * either a number, or a dump "Format:- Length:8 Dump:0x<16 hex digits>" of the
 * u64's bytes in memory order (little endian on every Mac). null when neither.
 */
export function parseOpaqueU64(text: string | null): bigint | null {
  if (text === null) return null;
  const t = text.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) return BigInt(t);
  const dump = /Dump:\s*(?:0x)?([0-9a-f\s]+)$/i.exec(t)?.[1]?.replace(/\s+/g, "");
  if (!dump || dump.length !== 16) return null;
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(parseInt(dump.slice(2 * i, 2 * i + 2), 16));
  return v;
}

/** The build in a KDK's directory name, "KDK_15.0_24A335.kdk" -> "24A335". */
export function kdkBuild(name: string): string | null {
  return /^KDK_[\d.]+_([0-9A-Za-z]+)\.kdk$/.exec(name)?.[1] ?? null;
}

/**
 * A warning when the running kernel is a development (or debug) one and no
 * installed KDK was made for the installed macOS build, or null. A KDK's kernel
 * matches only the build it was made for.
 */
export function kernelBuildWarning(
  kernelVersion: string | null,
  osBuild: string | null,
  kdkBuilds: string[] | null,
): string | null {
  if (!/\/(DEVELOPMENT|DEBUG)_/.test(kernelVersion ?? "")) return null;
  if (osBuild === null || kdkBuilds === null) return null;
  if (kdkBuilds.includes(osBuild)) return null;
  return `a development kernel runs, but no installed KDK is for macOS build ${osBuild} ` +
    `(KDKs: ${kdkBuilds.length ? kdkBuilds.join(", ") : "none"}): when the kernel and ` +
    "libsystem_kernel differ, opening a channel aborts the process (channel schema version " +
    "mismatch); install the KDK for this build and boot its kernel";
}
