/**
 * The library entry (mod.ts) as a script uses it: listTests, runTest on the
 * sim, and runTest leaving LogTape's configuration to its caller.
 */
import { assert, assertEquals } from "@std/assert";
import { getConfig } from "@logtape/logtape";
import { listTests, runTest, UsageError } from "../mod.ts";

Deno.test("mod: listTests gives the seven tests in upstream's order, two never registered upstream", () => {
  const tests = listTests();
  assertEquals(tests.map((t) => t.name), [
    "netifdirecttxrx",
    "netifdirecttxrxcopymode",
    "netifdirecttxrxsp",
    "netifdirectifadvenable",
    "netifdirectifadvdisable",
    "netifdirectchanevents",
    "netifdirectexpiryevents",
  ]);
  assertEquals(
    tests.filter((t) => !t.upstreamRegistered).map((t) => t.name),
    ["netifdirecttxrxcopymode", "netifdirectifadvenable"],
  );
  assert(tests.every((t) => t.description.length > 0));
});

Deno.test("mod: runTest runs a test on the sim and configures no logging for its caller", async () => {
  assertEquals(getConfig(), null);
  // the default 20,000 frames: a short run can end before the peer sends (upstream ends on TX complete)
  const record = await runTest("netifdirecttxrx", { backend: "sim" });
  assertEquals(record.verdict, "pass");
  assertEquals(record.children.length, 2);
  assert(record.children.every((c) => (c.result?.received ?? 0) > 0));
  assertEquals(getConfig(), null);
});

Deno.test("mod: runTest refuses an unknown test with a UsageError", async () => {
  let caught: unknown = null;
  try {
    await runTest("netifdirectnope");
  } catch (e) {
    caught = e;
  }
  assert(caught instanceof UsageError);
});
