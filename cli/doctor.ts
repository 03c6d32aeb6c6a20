/**
 * `deno task doctor`: what this machine offers each backend, and why a
 * backend can't run here. Facts are gathered first (gatherFacts), then
 * rendered by a pure function (doctorLines) that tests feed macOS-shaped facts.
 */
import { skywalkJournalPath, skywalkLockPath, STATE_DIR_ENV } from "../scenarios/machine/env.ts";
import { type BackendName, BACKENDS } from "../scenarios/machine/backend.ts";
import { unavailableReason } from "../scenarios/machine/backend.ts";
import {
  featureNames,
  featureReason,
  kernelBuildType,
  skipReason,
} from "../scenarios/machine/gate.ts";
import { type LockHolder, readLock } from "../scenarios/machine/machine_lock.ts";
import { pidIsAlive } from "../scenarios/machine/os.ts";
import { NXCTL_CHECK_SYSCTL, parseJournal } from "../scenarios/machine/journal.ts";
import { TESTS } from "../scenarios/netifdirect/table.ts";
import { builtShimPath, loadShim } from "../ffi/loader.ts";
import { afxdpBuildVerdict, type AfxdpFacts, afxdpFacts, afxdpLines } from "./doctor_afxdp.ts";
import { Shim } from "../ffi/spi.ts";
import { SktError } from "../ffi/errors.ts";
import { kdkBuild, kernelBuildWarning, parseOpaqueU64 } from "./doctor_kernel.ts";

export interface ShimFacts {
  path: string;
  built: boolean;
  /** why the built library can't be used (wrong ABI, not loadable), if so */
  problem: string | null;
}

export interface DoctorFacts {
  os: string;
  arch: string;
  osRelease: string;
  /** kern.osproductversion (macOS) */
  productVersion: string | null;
  /** kern.version (macOS): names the xnu release and DEVELOPMENT / RELEASE */
  kernelVersion: string | null;
  /** kern.skywalk.features, null when unreadable */
  features: bigint | null;
  /** the installed macOS build (sw_vers -buildVersion), null elsewhere */
  osBuild?: string | null;
  /** the builds of the KDKs in /Library/Developer/KDKs, null when unreadable */
  kdkBuilds?: string[] | null;
  uid: number | null;
  /** compilers found, "name: first line of --version" */
  compilers: string[];
  shims: Partial<Record<BackendName, ShimFacts>> & Record<"sim" | "skywalk", ShimFacts>;
  /** kern.skywalk.disable_nxctl_check, null when unreadable */
  nxctlCheckDisabled: number | null;
  lock: { holder: LockHolder; alive: boolean } | "unreadable" | null;
  /** a persisted skywalk journal: its writer and how many changes it holds */
  journal: { pid: number; entries: number } | "unreadable" | null;
  afxdp?: AfxdpFacts | null; // Linux only
}

/** Every feature bit some netifdirect test needs. */
export const REQUIRED_FEATURES = TESTS.reduce((m, t) => m | t.requiredFeatures, 0n);

/** Why a backend can't run here, or null. */
export function backendVerdict(backend: BackendName, f: DoctorFacts): string | null {
  // the sim's domain reports every feature whatever the host kernel has
  const features = backend === "sim" ? REQUIRED_FEATURES : f.features;
  const gate = skipReason(backend, REQUIRED_FEATURES, { ...f, features, xsk: f.afxdp?.xsk });
  if (gate) return gate;
  const shim = f.shims[backend];
  if (!shim) return "this skt does not know the backend";
  if (shim.problem) return shim.problem;
  if (backend === "afxdp" && !shim.built && f.afxdp) return afxdpBuildVerdict(f.afxdp);
  if (!shim.built && f.compilers.length === 0) {
    return "its shim is not built and there is no C compiler to build it (install clang or gcc)";
  }
  return null;
}

/** The report, one "key: value" line each. */
export function doctorLines(f: DoctorFacts): string[] {
  const darwin = f.os === "darwin";
  const lines: string[] = [];
  const add = (key: string, value: string) => lines.push(`${key.padEnd(16)}${value}`);

  add(
    "os",
    `${f.os} ${f.osRelease} (${f.arch})${f.productVersion ? `, macOS ${f.productVersion}` : ""}`,
  );
  if (!darwin) {
    add("kernel", "n/a (Skywalk is part of the macOS kernel)");
    add("skywalk", "n/a");
  } else {
    const xnu = f.kernelVersion?.match(/xnu-[\d.]+/)?.[0] ?? "xnu version unknown";
    const build = f.features !== null
      ? kernelBuildType(f.features)
      : /DEVELOPMENT/.test(f.kernelVersion ?? "")
      ? "development"
      : /DEBUG/.test(f.kernelVersion ?? "")
      ? "debug"
      : /RELEASE/.test(f.kernelVersion ?? "")
      ? "release"
      : "unknown";
    add("kernel", `${build} (${xnu})`);
    const mismatch = kernelBuildWarning(f.kernelVersion, f.osBuild ?? null, f.kdkBuilds ?? null);
    if (mismatch) add("", `WARNING: ${mismatch}`);
    if (f.features === null) {
      add("skywalk", "kern.skywalk.features unreadable");
    } else {
      const missing = REQUIRED_FEATURES & ~f.features;
      add(
        "skywalk",
        `features 0x${f.features.toString(16)}: ${featureNames(f.features).join(", ") || "none"}`,
      );
      add(
        "",
        missing === 0n
          ? "nothing the netifdirect tests need is missing"
          : `missing for netifdirect: ${featureNames(missing).join(", ")} (${
            featureReason(REQUIRED_FEATURES, f.features)
          })`,
      );
    }
  }
  add(
    "privilege",
    f.uid === 0
      ? "root"
      : `not root (${f.uid === null ? "no uid" : `uid ${f.uid}`})${
        darwin ? ": skywalk needs sudo" : ""
      }`,
  );
  add(
    "compiler",
    f.compilers.length ? f.compilers.join("; ") : "none found (install clang or gcc)",
  );
  for (const b of BACKENDS) {
    const s = f.shims[b];
    if (!s) continue;
    add(
      `shim ${b}`,
      (b === "skywalk" && !darwin) || (b === "afxdp" && f.os !== "linux")
        ? `n/a (built on ${b === "afxdp" ? "Linux" : "macOS"} only)`
        : s.problem
        ? `unusable: ${s.problem}`
        : s.built
        ? `built (${s.path})`
        : `not built yet (${s.path}; \`deno task build\`, which \`deno task run\` runs first)`,
    );
  }
  if (darwin) {
    add(
      "nxctl check",
      f.nxctlCheckDisabled === null
        ? `${NXCTL_CHECK_SYSCTL} unreadable (a release kernel has no such sysctl)`
        : f.nxctlCheckDisabled === 0
        ? "enabled (kern.skywalk.disable_nxctl_check=0)"
        : f.lock !== null && f.lock !== "unreadable" && f.lock.alive
        ? `disabled by the skt run of pid ${f.lock.holder.pid} (restored when it ends)`
        : `DISABLED with no skt run holding it: a security hole (any nexus controller may add ` +
          `flows to any nexus); run: sudo sysctl ${NXCTL_CHECK_SYSCTL}=0`,
    );
  }
  if (f.lock === "unreadable") add("lock", `${skywalkLockPath()} is not skt's`);
  else if (f.lock) {
    add(
      "lock",
      f.lock.alive
        ? `held by pid ${f.lock.holder.pid} since ${f.lock.holder.since}`
        : `stale (pid ${f.lock.holder.pid} is gone): the next skywalk run takes it over`,
    );
  } else if (darwin) add("lock", "free");
  if (f.journal === "unreadable") {
    add("journal", `${skywalkJournalPath()} is unreadable: check the sysctls by hand`);
  } else if (f.journal) {
    add(
      "journal",
      `${f.journal.entries} change(s) by pid ${f.journal.pid} not yet undone: ` +
        "the next skywalk run undoes them first",
    );
  }
  if (f.afxdp) afxdpLines(f.afxdp, add);
  for (const b of BACKENDS) {
    const why = backendVerdict(b, f);
    add(`backend ${b}`, why ? `cannot run here: ${why}` : "can run here");
  }
  return lines;
}

// ---------------------------------------------------------------- gathering

function command(cmd: string, args: string[]): string | null {
  try {
    const out = new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).outputSync();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

const darwinSysctl = (name: string) => command("sysctl", ["-n", name]);

function shimFacts(backend: BackendName): ShimFacts {
  const path = builtShimPath(backend);
  let built = false;
  try {
    built = Deno.statSync(path).isFile;
  } catch {
    // not built
  }
  let problem: string | null = null;
  if (built && !unavailableReason(backend)) {
    try {
      loadShim(backend);
    } catch (e) {
      if (!(e instanceof SktError)) throw e;
      problem = e.message;
    }
  }
  return { path, built, problem };
}

function readFeatures(shims: Record<BackendName, ShimFacts>): bigint | null {
  const s = shims.skywalk;
  if (s.built && !s.problem) {
    try {
      return Shim.load("skywalk").sysctlGetU64("kern.skywalk.features");
    } catch {
      return null;
    }
  }
  // an opaque sysctl: sysctl(8) shows it only as a dump (-x)
  return parseOpaqueU64(command("sysctl", ["-x", "-n", "kern.skywalk.features"]));
}

function readKdkBuilds(): string[] | null {
  try {
    return [...Deno.readDirSync("/Library/Developer/KDKs")]
      .map((e) => kdkBuild(e.name))
      .filter((b): b is string => b !== null)
      .sort();
  } catch {
    return null;
  }
}

function readJournal(): DoctorFacts["journal"] {
  const path = skywalkJournalPath();
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return null;
  }
  try {
    const j = parseJournal(text, path);
    return { pid: j.pid, entries: j.entries.length };
  } catch {
    return "unreadable";
  }
}

/** Looks at this machine. Reads only, but for afxdp's journaled probe pair (doctor_afxdp.ts). */
export function gatherFacts(): DoctorFacts {
  const darwin = Deno.build.os === "darwin";
  const shims = Object.fromEntries(BACKENDS.map((b) => [b, shimFacts(b)])) as Record<
    BackendName,
    ShimFacts
  >;
  const compilers = [...new Set([Deno.env.get("CC"), "cc", "gcc", "clang"])]
    .filter((c): c is string => !!c)
    .map((c) => [c, command(c, ["--version"])?.split("\n")[0]] as const)
    .filter(([, v]) => v)
    .map(([c, v]) => `${c}: ${v}`);
  const nxctl = darwin ? darwinSysctl(NXCTL_CHECK_SYSCTL) : null;
  const lockRead = darwin || Deno.env.get(STATE_DIR_ENV) ? readLock(skywalkLockPath()) : null;
  return {
    os: Deno.build.os,
    arch: Deno.build.arch,
    osRelease: Deno.osRelease(),
    productVersion: darwin ? darwinSysctl("kern.osproductversion") : null,
    kernelVersion: darwin ? darwinSysctl("kern.version") : null,
    features: darwin ? readFeatures(shims) : null,
    osBuild: darwin ? command("sw_vers", ["-buildVersion"]) : null,
    kdkBuilds: darwin ? readKdkBuilds() : null,
    uid: Deno.uid(),
    compilers,
    shims,
    nxctlCheckDisabled: nxctl !== null && /^\d+$/.test(nxctl) ? Number(nxctl) : null,
    lock: lockRead === null || lockRead === "unreadable"
      ? lockRead
      : { holder: lockRead, alive: pidIsAlive(lockRead.pid) },
    journal: darwin || Deno.env.get(STATE_DIR_ENV) ? readJournal() : null,
    afxdp: Deno.build.os === "linux" ? afxdpFacts(shims) : null,
  };
}

/** `skt doctor`: prints the report; always exits 0 (it reports, it does not judge). */
export function doctorCommand(): number {
  for (const line of doctorLines(gatherFacts())) console.log(line);
  return 0;
}
