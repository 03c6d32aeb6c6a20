/**
 * The darwin backend's C, compiled syntax-only for macOS targets with the build's
 * warnings as errors. The macOS SDK is not on Linux: tests/c/darwin_stubs stands
 * in for the system headers (declarations and layouts read in xnu), so this
 * checks the shim's own code and private declarations, not Apple's SDK.
 */
import { assertEquals } from "@std/assert";

const root = new URL("..", import.meta.url).pathname;

function clangVersion(): string | null {
  try {
    const out = new Deno.Command("clang", { args: ["--version"], stdout: "piped", stderr: "null" })
      .outputSync();
    return out.success ? new TextDecoder().decode(out.stdout).split("\n")[0] : null;
  } catch {
    return null;
  }
}

const clang = clangVersion();
const cFiles = (dir: string) =>
  [...Deno.readDirSync(`${root}${dir}`)]
    .filter((e) => e.name.endsWith(".c"))
    .map((e) => `${dir}/${e.name}`)
    .sort();
const sources = [...cFiles("ffi/shim/common"), ...cFiles("ffi/shim/darwin")];

function syntaxCheck(target: string, extra: string[] = []) {
  return new Deno.Command("clang", {
    cwd: root,
    args: [
      "-fsyntax-only",
      `--target=${target}`,
      "-nostdlibinc",
      "-isystem",
      "tests/c/darwin_stubs",
      // the flags of build_ffi.sh on Darwin
      "-std=c11",
      "-Wall",
      "-Wextra",
      "-Werror",
      "-D_DARWIN_C_SOURCE",
      `-DSKT_BACKEND_NAME="skywalk"`,
      ...extra,
    ],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
}

for (const target of ["arm64-apple-macos13", "x86_64-apple-macos13"]) {
  Deno.test({
    name: `darwin shim: ${sources.length} files compile syntax-only for ${target}` +
      (clang ? "" : " (skipped: clang is not installed; apt-get install clang)"),
    ignore: clang === null,
    fn: () => {
      const out = syntaxCheck(target, sources);
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    },
  });
}

Deno.test({
  name: "darwin shim: a wrong nx_flow_req offset fails the build" +
    (clang ? "" : " (skipped: clang is not installed; apt-get install clang)"),
  ignore: clang === null,
  fn: () => {
    const dir = Deno.makeTempDirSync({ prefix: "skt-darwin-" });
    try {
      const header = Deno.readTextFileSync(`${root}ffi/shim/darwin/skywalk_private.h`);
      const broken = header.replace("nfr_flow_uuid; \\", "nfr_flow_uuid; uint32_t skt_extra; \\");
      Deno.mkdirSync(`${dir}/darwin`);
      Deno.writeTextFileSync(`${dir}/darwin/skywalk_private.h`, broken);
      for (const f of ["skt_spi.h", "skt_shim.h", "skt_platform.h"]) {
        Deno.copyFileSync(`${root}ffi/shim/${f}`, `${dir}/${f}`);
      }
      Deno.copyFileSync(`${root}ffi/shim/darwin/flow.c`, `${dir}/darwin/flow.c`);
      const out = syntaxCheck("arm64-apple-macos13", [`${dir}/darwin/flow.c`]);
      assertEquals(out.code, 1);
      const err = new TextDecoder().decode(out.stderr);
      assertEquals(/static.assert.*nfr_(policy_id|qset_id)/.test(err), true, err);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
