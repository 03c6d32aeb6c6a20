/**
 * The Linux host commands the afxdp backend's setup needs: `ip` (iproute2) for
 * network namespaces and the veth pair, and sysctls inside a namespace. Each
 * call is synchronous (setup and cleanup run on exit paths, signal handlers
 * included) and a failure is one sentence: the command and its first error line.
 */
import { EnvironmentError } from "../../ffi/errors.ts";

/** Where `ip netns add NAME` puts its handle. */
export const NETNS_DIR = "/run/netns";

/** Runs `ip ARGS...`; throws EnvironmentError with ip's own message when it fails. */
export function ip(args: readonly string[]): void {
  let out: Deno.CommandOutput;
  try {
    out = new Deno.Command("ip", {
      args: [...args],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    })
      .outputSync();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new EnvironmentError("`ip` (iproute2) is not installed: apt-get install iproute2");
    }
    throw e;
  }
  if (!out.success) {
    const why = new TextDecoder().decode(out.stderr).trim().split("\n")[0] || `exit ${out.code}`;
    throw new EnvironmentError(`ip ${args.join(" ")}: ${why}`);
  }
}

/** Whether the named network namespace exists. */
export function netnsExists(name: string): boolean {
  try {
    Deno.lstatSync(`${NETNS_DIR}/${name}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Deletes a network namespace (and with it the interfaces inside, the veth's
 * peer and their XDP programs). One already gone is not an error.
 */
export function netnsDelete(name: string): void {
  if (!netnsExists(name)) return;
  ip(["netns", "del", name]);
}

/** The network namespaces whose names match, e.g. those of skt's runs. */
export function listNetns(pattern: RegExp): string[] {
  try {
    return [...Deno.readDirSync(NETNS_DIR)].map((e) => e.name).filter((n) => pattern.test(n));
  } catch {
    return [];
  }
}

/** Writes /proc/sys files from inside a namespace (/proc/sys/net follows the writer's). */
export function netnsWriteProc(netns: string, files: readonly [string, string][]): void {
  const script = 'while [ $# -gt 1 ]; do printf %s "$2" > "$1" || exit 1; shift 2; done';
  ip(["netns", "exec", netns, "sh", "-c", script, "sh", ...files.flat()]);
}
