/** Runs the C-level tests of the sim (tests/c/sim_test.c, built by build_ffi.sh). */
import { assertEquals } from "@std/assert";

const binary = new URL("../ffi/build/sim_test", import.meta.url).pathname;

Deno.test("shim: the C-level sim tests pass", async () => {
  const out = await new Deno.Command(binary, { stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, text);
});
