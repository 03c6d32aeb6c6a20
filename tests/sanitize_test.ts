/**
 * The shim under AddressSanitizer and UndefinedBehaviorSanitizer: build_ffi.sh
 * --sanitize builds the sim and its C-level tests (ring wrap, pool exhaustion,
 * two processes producing/consuming concurrently, open/close cycles, a dead
 * owner's channel) into ffi/build/sanitize/, which must run with zero reports.
 * A planted heap overflow proves the toolchain's sanitizers are really on.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";

const root = new URL("..", import.meta.url).pathname;
const binary = `${root}ffi/build/sanitize/sim_test`;
const decoder = new TextDecoder();

/** Stop at the first report and say so on stderr; leaks count (LeakSanitizer). */
const SANITIZER_ENV = {
  ASAN_OPTIONS: "halt_on_error=1:detect_leaks=1:abort_on_error=0",
  UBSAN_OPTIONS: "halt_on_error=1:print_stacktrace=1",
};
const REPORT = /ERROR: (?:Address|Leak)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer/;

async function output(command: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(command, { args, cwd: root, env }).output();
  return { code: out.code, text: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

Deno.test("sanitize: the C-level sim tests pass under ASan+UBSan with zero reports", async () => {
  const build = await output("bash", ["build_ffi.sh", "--sanitize"]);
  assertEquals(build.code, 0, build.text);
  const run = await output(binary, [], SANITIZER_ENV);
  assert(!REPORT.test(run.text), run.text);
  assertEquals(run.code, 0, run.text);
  assertMatch(run.text, /^\d+ passed, 0 failed/m);
  assertMatch(run.text, /^ok \d+ - two processes, 20000 frames$/m);
  // every abort and kill path, each in a child that dies by xnu's signal
  const kills = await output(`${root}ffi/build/sanitize/sim_kill_test`, [], SANITIZER_ENV);
  assert(!REPORT.test(kills.text), kills.text);
  assertEquals(kills.code, 0, kills.text);
  assertMatch(kills.text, /^\d+ passed, 0 failed/m);
});

Deno.test("sanitize: the same flags catch a planted heap overflow", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "skt-asan-" });
  try {
    Deno.writeTextFileSync(
      `${dir}/overflow.c`,
      "#include <stdlib.h>\nint main(int c, char **v) { (void)v; char *p = malloc(8); " +
        "p[c + 8] = 1; int r = p[0]; free(p); return r; }\n",
    );
    const cc =
      (await output("bash", ["-c", "command -v ${CC:-cc} || command -v gcc || command -v clang"]))
        .text.trim().split("\n")[0];
    const build = await output(cc, [
      "-fsanitize=address,undefined",
      "-fno-omit-frame-pointer",
      "-g",
      "-o",
      `${dir}/overflow`,
      `${dir}/overflow.c`,
    ]);
    assertEquals(build.code, 0, build.text);
    const run = await output(`${dir}/overflow`, [], SANITIZER_ENV);
    assertMatch(run.text, /ERROR: AddressSanitizer: heap-buffer-overflow/);
    assert(run.code !== 0);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
