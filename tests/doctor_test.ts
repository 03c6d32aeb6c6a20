/** `deno task doctor`: the report for macOS-shaped machines, and the real run here. */
import { assertEquals, assertMatch } from "@std/assert";
import { type DoctorFacts, doctorLines } from "../cli/doctor.ts";
import { kdkBuild, parseOpaqueU64 } from "../cli/doctor_kernel.ts";

const bit = (n: number) => 1n << BigInt(n);
const RELEASE = bit(0) | bit(3) | bit(4) | bit(5) | bit(6) | bit(7) | bit(10) | bit(11);
const DEVELOPMENT = RELEASE | bit(1) | bit(9);

function mac(overrides: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    os: "darwin",
    arch: "aarch64",
    osRelease: "24.0.0",
    productVersion: "15.0",
    kernelVersion:
      "Darwin Kernel Version 24.0.0: Mon Aug 12 2024; root:xnu-11215.1.10~2/DEVELOPMENT_ARM64_T6000",
    features: DEVELOPMENT,
    uid: 0,
    compilers: ["cc: Apple clang version 16.0.0"],
    shims: {
      sim: { path: "ffi/build/libskt_sim.dylib", built: true, problem: null },
      skywalk: { path: "ffi/build/libskt_skywalk.dylib", built: true, problem: null },
    },
    nxctlCheckDisabled: 0,
    lock: null,
    journal: null,
    ...overrides,
  };
}

const line = (lines: string[], key: string) =>
  lines.find((l) => l.startsWith(key.padEnd(16))) ?? "";

Deno.test("doctor: a development kernel as root can run both backends", () => {
  const lines = doctorLines(mac());
  assertMatch(line(lines, "os"), /darwin 24\.0\.0 \(aarch64\), macOS 15\.0/);
  assertMatch(line(lines, "kernel"), /development \(xnu-11215\.1\.10\)/);
  assertMatch(line(lines, "skywalk"), /features 0xefb: skywalk, development, /);
  assertMatch(lines.join("\n"), /nothing the netifdirect tests need is missing/);
  assertMatch(line(lines, "privilege"), /root/);
  assertMatch(line(lines, "nxctl check"), /enabled/);
  assertMatch(line(lines, "lock"), /free/);
  assertEquals(line(lines, "backend sim"), "backend sim     can run here");
  assertEquals(line(lines, "backend skywalk"), "backend skywalk can run here");
});

Deno.test("doctor: a release kernel names the missing features; a user is told to use sudo", () => {
  const lines = doctorLines(mac({
    features: RELEASE,
    uid: 501,
    kernelVersion: "root:xnu-11215.1.10~2/RELEASE_ARM64_T6000",
  }));
  assertMatch(line(lines, "kernel"), /^kernel +release/);
  assertMatch(lines.join("\n"), /missing for netifdirect: devOrDebug/);
  assertMatch(line(lines, "privilege"), /not root \(uid 501\): skywalk needs sudo/);
  assertMatch(
    line(lines, "backend skywalk"),
    /cannot run here: kern\.skywalk\.features 0xcf9 lacks 0x200/,
  );
  assertEquals(line(lines, "backend sim"), "backend sim     can run here", "the sim needs neither");
});

Deno.test("doctor: a disabled nxctl check with no run holding it is called a security hole", () => {
  const open = doctorLines(mac({ nxctlCheckDisabled: 1 }));
  assertMatch(
    line(open, "nxctl check"),
    /DISABLED .*security hole.*sysctl kern\.skywalk\.disable_nxctl_check=0/,
  );
  const held = doctorLines(mac({
    nxctlCheckDisabled: 1,
    lock: { holder: { pid: 99, since: "2025-01-01T00:00:00Z" }, alive: true },
  }));
  assertMatch(line(held, "nxctl check"), /disabled by the skt run of pid 99/);
  assertMatch(line(held, "lock"), /held by pid 99/);
});

Deno.test("doctor: a stale lock and a leftover journal say what the next run will do", () => {
  const lines = doctorLines(mac({
    lock: { holder: { pid: 12, since: "x" }, alive: false },
    journal: { pid: 12, entries: 4 },
  }));
  assertMatch(line(lines, "lock"), /stale \(pid 12 is gone\)/);
  assertMatch(line(lines, "journal"), /4 change\(s\) by pid 12 not yet undone/);
});

Deno.test("doctor: without a compiler or a built shim, the backend can't run", () => {
  const lines = doctorLines(mac({
    compilers: [],
    shims: {
      sim: { path: "s", built: false, problem: null },
      skywalk: { path: "k", built: true, problem: "k implements shim ABI version 0" },
    },
  }));
  assertMatch(line(lines, "backend sim"), /no C compiler to build it/);
  assertMatch(line(lines, "backend skywalk"), /ABI version 0/);
});

Deno.test({
  name: "doctor: runs here and says why skywalk can't",
  ignore: Deno.build.os === "darwin",
  fn: async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", new URL("../cli/main.ts", import.meta.url).pathname, "doctor"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    assertMatch(text, /^os +linux /m);
    assertMatch(text, /^kernel +n\/a/m);
    assertMatch(text, /^backend skywalk cannot run here: the skywalk backend needs macOS/m);
    assertMatch(text, /^backend sim +can run here$/m);
  },
});

Deno.test("doctor: an unknown flag is a usage error", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("../cli/main.ts", import.meta.url).pathname,
      "doctor",
      "--bogus",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 2);
  assertMatch(
    new TextDecoder().decode(out.stderr),
    /^skt: Unexpected option or subcommand: `--bogus`\.\n$/,
  );
});

Deno.test("doctor: kern.skywalk.features is opaque: its hex dump is read as a little-endian u64", () => {
  assertEquals(parseOpaqueU64("Format:- Length:8 Dump:0xfb0e000000000000"), 0xefbn);
  assertEquals(parseOpaqueU64("0xefb"), 0xefbn);
  assertEquals(parseOpaqueU64(""), null);
  assertEquals(parseOpaqueU64("Format:- Length:4 Dump:0xfb0e0000"), null);
  assertEquals(parseOpaqueU64(null), null);
});

Deno.test("doctor: a development kernel without a KDK for the installed build is warned about", () => {
  assertEquals(kdkBuild("KDK_15.0_24A335.kdk"), "24A335");
  const warned = doctorLines(mac({ osBuild: "24A348", kdkBuilds: ["24A335"] })).join("\n");
  assertMatch(warned, /WARNING: .*no installed KDK is for macOS build 24A348 \(KDKs: 24A335\)/);
  assertMatch(warned, /schema version mismatch/);
  const fine = doctorLines(mac({ osBuild: "24A335", kdkBuilds: ["24A335", "23A344"] })).join("\n");
  assertEquals(/WARNING/.test(fine), false);
  const release = mac({
    osBuild: "24A348",
    kdkBuilds: [],
    kernelVersion: "Darwin Kernel Version 24.0.0; root:xnu-11215.1.10~2/RELEASE_ARM64_T6000",
  });
  assertEquals(/WARNING/.test(doctorLines(release).join("\n")), false);
});
