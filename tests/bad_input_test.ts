/**
 * Bad input through the command line: each gets exactly one line on stderr
 * (`skt: ...`), the documented exit code, no stack trace, and leaves nothing
 * behind (no run record, no sim domain, no state directory).
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { Sandbox, skt } from "./cli_helpers.ts";
import { entriesOf } from "./leftovers.ts";

const USAGE = 2;
const ENVIRONMENT = 3;
const NOTHING_RAN = 4;

interface Case {
  name: string;
  args: string[];
  code: number;
  stderr: RegExp;
  /** SKT_SHIM for this case, made in the sandbox */
  shim?: (dir: string) => string;
  /** more environment for this case, made in the sandbox */
  env?: (dir: string) => Record<string, string>;
  stdout?: RegExp;
}

const T = "netifdirecttxrx";

/** Finds a C compiler as build_ffi.sh does. */
function compiler(): string {
  for (const cc of [Deno.env.get("CC"), "cc", "gcc", "clang"]) {
    if (!cc) continue;
    try {
      new Deno.Command(cc, { args: ["--version"], stdout: "null", stderr: "null" }).outputSync();
      return cc;
    } catch {
      // not installed
    }
  }
  throw new Error("no C compiler (the suite builds the shim, so one should be here)");
}

/** Builds a tiny shared library from C source, in dir. */
function sharedLibrary(dir: string, name: string, source: string): string {
  Deno.writeTextFileSync(`${dir}/${name}.c`, source);
  const out = new Deno.Command(compiler(), {
    args: ["-shared", "-fPIC", "-o", `${dir}/${name}.so`, `${dir}/${name}.c`],
  }).outputSync();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  return `${dir}/${name}.so`;
}

const CASES: Case[] = [
  {
    name: "unknown test name",
    args: ["run", "netifdirecttxr"],
    code: USAGE,
    stderr:
      /^skt: unknown test "netifdirecttxr"; did you mean netifdirecttxrx.*\(see `skt list`\)$/,
  },
  {
    name: "unknown test name with nothing close",
    args: ["run", "zzz"],
    code: USAGE,
    stderr: /^skt: unknown test "zzz" \(see `skt list`\)$/,
  },
  {
    name: "empty test name",
    args: ["run", ""],
    code: USAGE,
    stderr: /^skt: an empty test name was given$/,
  },
  {
    name: "duplicate test names",
    args: ["run", T, T],
    code: USAGE,
    stderr: /^skt: test "netifdirecttxrx" was given more than once$/,
  },
  {
    name: "no test name",
    args: ["run"],
    code: USAGE,
    stderr: /^skt: no test name given/,
  },
  { name: "no command", args: [], code: USAGE, stderr: /^skt: no command given/ },
  {
    name: "--packets 0",
    args: ["run", T, "--packets", "0"],
    code: USAGE,
    stderr: /^skt: `--packets`: Expected a value greater than or equal to 1, but got "0"\.$/,
  },
  {
    name: "--packets negative",
    args: ["run", T, "--packets", "-5"],
    code: USAGE,
    stderr: /^skt: `--packets`: Expected a value greater than or equal to 1, but got "-5"\.$/,
  },
  {
    name: "--packets non-numeric",
    args: ["run", T, "--packets", "many"],
    code: USAGE,
    stderr: /^skt: `--packets`: Expected a valid integer, but got "many"\.$/,
  },
  {
    name: "--packets not an integer",
    args: ["run", T, "--packets", "1.5"],
    code: USAGE,
    stderr: /^skt: `--packets`: Expected a valid integer, but got "1\.5"\.$/,
  },
  {
    name: "--packets above the maximum",
    args: ["run", T, "--packets", "10000001"],
    code: USAGE,
    stderr:
      /^skt: `--packets`: Expected a value less than or equal to 10,000,000, but got "10000001"\.$/,
  },
  {
    name: "--packets without a value",
    args: ["run", T, "--packets"],
    code: USAGE,
    stderr: /^skt: `--packets` requires `N`\.$/,
  },
  {
    name: "--batch 0",
    args: ["run", T, "--batch", "0"],
    code: USAGE,
    stderr: /^skt: `--batch`: Expected a value greater than or equal to 1, but got "0"\.$/,
  },
  {
    name: "--batch above what the TX ring holds",
    args: ["run", T, "--batch", "512"],
    code: USAGE,
    stderr: /^skt: `--batch`: Expected a value less than or equal to 511, but got "512"\.$/,
  },
  {
    name: "--timeout 0",
    args: ["run", T, "--timeout", "0"],
    code: USAGE,
    stderr: /^skt: `--timeout`: Expected a value greater than or equal to 1, but got "0"\.$/,
  },
  {
    name: "--timeout negative",
    args: ["run", T, "--timeout", "-3"],
    code: USAGE,
    stderr: /^skt: `--timeout`: Expected a value greater than or equal to 1, but got "-3"\.$/,
  },
  {
    name: "unknown backend",
    args: ["run", T, "--backend", "bsd"],
    code: USAGE,
    stderr: /^skt: `--backend`: Expected one of "sim", "skywalk", and "afxdp", but got "bsd"\.$/,
  },
  {
    name: "unknown flag",
    args: ["run", T, "--fast"],
    code: USAGE,
    stderr: /^skt: Unexpected option or subcommand: `--fast`\.$/,
  },
  {
    name: "a sweep --filter that matches nothing",
    args: ["sweep", "--filter", "nomatch*"],
    code: USAGE,
    stderr: /^skt: --filter 'nomatch\*' matches no test \(see `skt list`\)$/,
  },
  {
    name: "an unwritable sweep --junit path",
    args: ["sweep", "--junit", "/nonexistent/dir/report.xml"],
    code: USAGE,
    stderr: /^skt: cannot write the --junit report to "\/nonexistent\/dir\/report.xml"/,
  },
  {
    name: "an unwritable sweep --json path",
    args: ["sweep", "--json", "/nonexistent/dir/runs.jsonl"],
    code: USAGE,
    stderr: /^skt: cannot write the --json report to "\/nonexistent\/dir\/runs.jsonl"/,
  },
  {
    name: "unknown command",
    args: ["frobnicate"],
    code: USAGE,
    stderr: /^skt: Unexpected option or subcommand: `frobnicate`\.$/,
  },
  {
    name: "a --sim-knob that is not NAME=INTEGER",
    args: ["run", T, "--sim-knob", "debug.sim.corrupt_frame"],
    code: USAGE,
    stderr: /^skt: --sim-knob wants \[TEST:\]NAME=INTEGER, got "debug\.sim\.corrupt_frame"$/,
  },
  {
    name: "a --sim-knob that names a real kernel sysctl",
    args: ["run", T, "--sim-knob", "kern.skywalk.disable_nxctl_check=1"],
    code: USAGE,
    stderr:
      /^skt: --sim-knob: unknown knob "kern\.skywalk\.disable_nxctl_check" \(known: debug\.sim\./,
  },
  {
    name: "a --sim-knob on the skywalk backend",
    args: ["run", T, "--backend", "skywalk", "--sim-knob", "debug.sim.corrupt_frame=1"],
    code: USAGE,
    stderr: /^skt: --sim-knob only applies to the sim backend, not skywalk$/,
  },
  {
    name: "shim library missing",
    args: ["run", T, "--backend", "sim"],
    shim: () => "/nonexistent/libskt_sim.so",
    code: ENVIRONMENT,
    stderr:
      /^skt: the sim shim library was not found \(tried \/nonexistent\/libskt_sim\.so\); run `deno task build` or fix SKT_SHIM$/,
  },
  {
    name: "shim library of another ABI version",
    args: ["run", T, "--backend", "sim"],
    shim: (dir) => sharedLibrary(dir, "abi999", "unsigned skt_abi_version(void) { return 999; }\n"),
    code: ENVIRONMENT,
    stderr:
      /^skt: \S+\/abi999\.so implements shim ABI version 999, this skt needs version 3; run `deno task build`$/,
  },
  {
    name: "a library that is no skt shim",
    args: ["run", T, "--backend", "sim"],
    shim: (dir) => sharedLibrary(dir, "other", "int other(void) { return 1; }\n"),
    code: ENVIRONMENT,
    stderr:
      /^skt: \S+\/other\.so is not a loadable skt shim library \(it does not export skt_abi_version\)$/,
  },
  {
    name: "SKT_SHIM pointing at a file that is not a library",
    args: ["run", T, "--backend", "sim"],
    shim: (dir) => {
      Deno.writeTextFileSync(`${dir}/notes.txt`, "not a library\n");
      return `${dir}/notes.txt`;
    },
    code: ENVIRONMENT,
    // the loader's reason varies ("file too short", "invalid ELF header", ...)
    stderr: /^skt: \S+\/notes\.txt is not a loadable skt shim library \(.+\)$/,
  },
];

CASES.push({
  name: "a state directory that cannot be written",
  args: ["run", T, "--backend", "sim"],
  env: (dir) => {
    Deno.writeTextFileSync(`${dir}/file`, "");
    return { SKT_STATE_DIR: `${dir}/file/state` };
  },
  code: ENVIRONMENT,
  stderr: /^skt: cannot write the run record in \S+\/file\/state \(.+\); set SKT_STATE_DIR$/,
});

CASES.push({
  name: "a sweep whose run record cannot be written still ends with its totals",
  args: ["sweep", "--filter", T, "--packets", "1000"],
  env: (dir) => {
    Deno.writeTextFileSync(`${dir}/file`, "");
    return { SKT_STATE_DIR: `${dir}/file/state` };
  },
  code: ENVIRONMENT,
  stdout: /^stopped by an error after 0 of 1 runs: .*\n0 passed, 0 failed, 0 skipped\n$/,
  stderr: /^skt: cannot write the run record in \S+\/file\/state \(.+\); set SKT_STATE_DIR$/,
});

if (Deno.build.os !== "darwin") {
  CASES.push({
    name: "a backend not available here",
    args: ["run", T, "--backend", "skywalk"],
    code: NOTHING_RAN,
    stdout: /^netifdirecttxrx skywalk SKIP \d+\.\d\ds \(the skywalk backend needs macOS.*\)\n$/,
    stderr: /^Test "netifdirecttxrx": skipped: the skywalk backend needs macOS/,
  });
}

for (const c of CASES) {
  Deno.test(`bad input: ${c.name} -> exit ${c.code}, one line, nothing left`, async () => {
    using box = new Sandbox(false);
    const libs = `${box.dir}/libs`;
    Deno.mkdirSync(libs);
    const env = {
      ...box.env,
      ...(c.shim ? { SKT_SHIM: c.shim(libs) } : {}),
      ...(c.env ? c.env(libs) : {}),
    };
    const r = await skt(c.args, env);
    assertEquals(r.code, c.code, r.stderr);
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    assertEquals(lines.length, 1, `stderr:\n${r.stderr}`);
    assertMatch(lines[0], c.stderr);
    assert(!/^\s+at /m.test(r.stderr) && !r.stderr.includes("Error:"), r.stderr);
    if (c.stdout) assertMatch(r.stdout, c.stdout);
    else assertEquals(r.stdout, "");
    assertEquals(entriesOf(box.simRoot), [], "a sim domain was left");
    assertEquals(entriesOf(box.stateDir), [], "a run record was left");
  });
}
