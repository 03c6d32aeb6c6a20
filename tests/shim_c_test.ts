/**
 * Runs the C-level tests of the sim (built by build_ffi.sh): tests/c/sim_test.c
 * through the shim's ABI, and tests/c/sim_kill_test.c, which calls the sim's SPI
 * without the shim's guards and expects xnu's abort or kill for each misuse.
 */
import { assertEquals } from "@std/assert";

for (
  const [name, what] of [
    ["sim_test", "the C-level sim tests pass"],
    ["sim_kill_test", "every SPI misuse ends the process as xnu does, with xnu's text"],
  ]
) {
  const binary = new URL(`../ffi/build/${name}`, import.meta.url).pathname;
  Deno.test(`shim: ${what}`, async () => {
    const out = await new Deno.Command(binary, { stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, text);
  });
}
