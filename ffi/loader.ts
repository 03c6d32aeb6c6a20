/**
 * Finds and opens the shim library for a backend, and checks its ABI version.
 *
 * Lookup order: the SKT_SHIM environment variable (a full path), then
 * ffi/build/libskt_<backend>.<so|dylib> beside this module. The library stays
 * open for the life of the process: calling a symbol after close() crashes.
 */
import { SHIM_ABI_VERSION, type ShimSymbols, symbols } from "./symbols.ts";

/** The shim library to load instead of ffi/build's (a full path). */
export const SHIM_ENV = "SKT_SHIM";
import { ShimLoadError } from "./errors.ts";

/**
 * A shim backend: the real SPI (`skywalk`, macOS), its userspace model (`sim`),
 * or Linux AF_XDP on a veth pair standing in for the SPI (`afxdp`).
 */
export type BackendName = "sim" | "skywalk" | "afxdp";

const libExtension = Deno.build.os === "darwin" ? "dylib" : "so";
const opened = new Map<string, ShimSymbols>();

/** The path of the shim built by build_ffi.sh for a backend. */
export function builtShimPath(backend: BackendName): string {
  return new URL(`./build/libskt_${backend}.${libExtension}`, import.meta.url).pathname;
}

function shimCandidates(backend: BackendName): string[] {
  const override = Deno.env.get(SHIM_ENV);
  return override ? [override] : [builtShimPath(backend)];
}

/** Opens (once) and returns the shim's symbols for a backend. */
export function loadShim(backend: BackendName): ShimSymbols {
  const candidates = shimCandidates(backend);
  const key = candidates[0];
  const cached = opened.get(key);
  if (cached) return cached;

  const existing = candidates.filter((path) => isFile(path));
  if (existing.length === 0) {
    throw new ShimLoadError(
      `the ${backend} shim library was not found (tried ${candidates.join(", ")}); ` +
        `run \`deno task build\`${Deno.env.get(SHIM_ENV) ? " or fix SKT_SHIM" : ""}`,
    );
  }
  const path = existing[0];
  // Check the version with a one-symbol table first: a library of another ABI
  // may lack symbols of this table, and that must read as a version mismatch.
  const probe = openOrExplain(path, { skt_abi_version: symbols.skt_abi_version });
  const version = probe.symbols.skt_abi_version();
  probe.close();
  if (version !== SHIM_ABI_VERSION) {
    throw new ShimLoadError(
      `${path} implements shim ABI version ${version}, this skt needs version ${SHIM_ABI_VERSION}; ` +
        "run `deno task build`",
    );
  }
  const lib = openOrExplain(path, symbols);
  opened.set(key, lib.symbols);
  return lib.symbols;
}

function openOrExplain<S extends Deno.ForeignLibraryInterface>(
  path: string,
  table: S,
): Deno.DynamicLibrary<S> {
  try {
    return Deno.dlopen(path, table);
  } catch (cause) {
    if (cause instanceof Deno.errors.NotCapable) throw cause;
    throw new ShimLoadError(
      `${path} is not a loadable skt shim library (${dlopenReason(path, cause)})`,
      { cause },
    );
  }
}

/** The loader's reason, without Deno's repeated "Could not open library:" and the path again. */
function dlopenReason(path: string, cause: unknown): string {
  let reason = (cause instanceof Error ? cause.message : String(cause)).split("\n")[0];
  reason = reason.replace(/^(?:Could not open library: )+/, "");
  if (reason.startsWith(`${path}: `)) reason = reason.slice(path.length + 2);
  const missing = /undefined symbol: (\w+)/.exec(reason);
  if (missing) return `it does not export ${missing[1]}`;
  return reason.trim() || "dlopen failed";
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
