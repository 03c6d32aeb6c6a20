/**
 * The command line end to end: netifdirecttxrx on the sim through two child
 * processes, a corrupted frame that must fail, listing, usage errors, and the
 * version and help texts.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import denoJson from "../deno.json" with { type: "json" };

const main = new URL("../cli/main.ts", import.meta.url).pathname;

async function skt(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", main, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("cli: netifdirecttxrx passes on sim with both children's receive lines", async () => {
  const r = await skt("run", "netifdirecttxrx", "--backend", "sim");
  assertEquals(r.code, 0, r.stderr);
  assertMatch(
    r.stdout,
    /^netifdirecttxrx sim PASS strict PASS \d+\.\d\ds child 0 sent \d+ received \d+, child 1 sent \d+ received \d+, drops \d+\n$/,
  );
  for (const child of [0, 1]) {
    assertMatch(
      r.stderr,
      new RegExp(`child ${child}: RX child ${child}: received \\d+ \\(of 20000\\) \\d+\\.\\d\\d%`),
    );
  }
  // a child's loop ends when its TX or its RX completes: one of the two did
  assertMatch(r.stderr, /TX child \d: completed 20000|RX child \d: received 20000 \(of 20000\)/);
});

Deno.test("cli: a frame corrupted on the wire fails the run, naming the frame", async () => {
  const r = await skt(
    "run",
    "netifdirecttxrx",
    "--backend",
    "sim",
    "--sim-knob",
    "debug.sim.corrupt_frame=100",
  );
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stdout, /netifdirecttxrx sim FAIL/);
  assertMatch(
    r.stdout,
    /frame #\d+ received by child \d \(expected packet #\d+ carrying packet number \d+\) failed the checksum check/,
  );
});

Deno.test("cli: list shows every test and whether it runs here", async () => {
  const r = await skt("list", "--backend", "sim");
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stdout, /^netifdirecttxrx +netif direct send receive test \(runs on sim\)$/m);
  const tests = r.stdout.split("\n").filter((line) => /^\S/.test(line));
  assertEquals(tests.length, 7);
  for (const name of ["netifdirecttxrxcopymode", "netifdirectifadvenable"]) {
    assertMatch(r.stdout, new RegExp(`^${name} .*declared upstream but never run there`, "m"));
  }
  assertEquals(r.stdout.match(/never run there/g)?.length, 2);
  // on the sim each test is followed by its note on how the sim differs from the kernel
  assertEquals(r.stdout.match(/^ +sim: \S.*$/gm)?.length, 7);
});

Deno.test("cli: an unknown test exits 2 with one line naming close names", async () => {
  const r = await skt("run", "netifdirecttxr");
  assertEquals(r.code, 2);
  assertEquals(r.stdout, "");
  assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
  assertMatch(r.stderr, /unknown test "netifdirecttxr"; did you mean netifdirecttxrx/);
});

Deno.test("cli: a bad number is a usage error", async () => {
  const r = await skt("run", "netifdirecttxrx", "--packets", "zero");
  assertEquals(r.code, 2);
  assert(!r.stderr.includes("    at "), r.stderr);
});

Deno.test("cli: the skywalk backend off macOS is skipped with its reason, exit 4", {
  ignore: Deno.build.os === "darwin",
}, async () => {
  const r = await skt("run", "netifdirecttxrx", "--backend", "skywalk");
  assertEquals(r.code, 4, r.stderr);
  assertMatch(r.stdout, /netifdirecttxrx skywalk SKIP .*needs macOS/);
});

Deno.test("cli: run and list give the same reason the skywalk backend can't run here", {
  ignore: Deno.build.os === "darwin",
}, async () => {
  const run = await skt("run", "netifdirectchanevents", "--backend", "skywalk");
  const list = await skt("list", "--backend", "skywalk");
  assertEquals(run.code, 4, run.stderr);
  const reason = /SKIP \d+\.\d\ds \((.*)\)$/m.exec(run.stdout)?.[1] ?? "";
  assert(reason, run.stdout);
  assertMatch(
    list.stdout,
    new RegExp(
      `^netifdirectchanevents .*cannot run on skywalk: ${reason.replace(/[()]/g, "\\$&")}\\)$`,
      "m",
    ),
  );
});

Deno.test("cli: --version prints skt and deno.json's version", async () => {
  const r = await skt("--version");
  assertEquals(r.code, 0, r.stderr);
  assertMatch(denoJson.version, /^\d+\.\d+\.\d+/);
  assertEquals(r.stdout, `skt ${denoJson.version}\n`);
});

Deno.test("cli: run --help shows every option with its meaning and default", async () => {
  const r = await skt("run", "--help");
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stderr, "");
  const line = (term: string) => {
    const found = r.stdout.split("\n").find((l) => l.trimStart().startsWith(term + " "));
    if (found === undefined) throw new Error(`no help line for ${term} in:\n${r.stdout}`);
    return found.trimStart().slice(term.length).trim();
  };
  const defaults: Record<string, string> = {
    "--backend BACKEND": "skywalk on macOS, sim elsewhere",
    "--packets N": "20000",
    "--batch N": "8",
    "--timeout SECONDS": "120",
    "--pace-us USEC": "1",
    "--verbose, -v": "off",
    "--sim-timebase NUMER/DENOM": "125/3",
  };
  for (const [term, value] of Object.entries(defaults)) {
    const help = line(term);
    // a meaning (words before the default), then the default itself
    assertMatch(help, /^[a-z'].{10,}\(default: /, `${term}: ${help}`);
    assert(help.endsWith(`(default: ${value})`), `${term}: ${help}`);
  }
  assert(line("NAME").length > 10, "the NAME argument is described");
  assert(!r.stdout.includes("--sim-knob"), "test-only knobs stay hidden");
});
