/**
 * The afxdp backend against the real kernel (Linux, root, AF_XDP): the three
 * tests pass with what the kernel reports (XDP mode, the zero-copy attempt,
 * split pools proven by UMEM address), the four without an AF_XDP counterpart
 * are skipped with their reason, the receivers' gaps equal the kernel's drop
 * counters over 20 runs unpaced and 20 paced, and a parent killed with
 * SIGKILL (or stopped by SIGTERM) leaves no namespace, veth or XDP program
 * behind once the next run has started. Elsewhere every test is skipped, and
 * its name says why.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { runMpTest, type TestRecord } from "../scenarios/mptest/parent.ts";
import { DEFAULT_OPTIONS, type RunOptions } from "../scenarios/mptest/options.ts";
import { findTest, TESTS } from "../scenarios/netifdirect/table.ts";
import { STATE_DIR_ENV } from "../scenarios/machine/env.ts";
import { listNetns } from "../scenarios/machine/host.ts";
import { Shim } from "../ffi/spi.ts";
import { SktError } from "../ffi/errors.ts";
import type { Log } from "../scenarios/log.ts";
import { RunningSkt, skt } from "./cli_helpers.ts";
import { entriesOf } from "./leftovers.ts";

/** Why these tests can't run here, or null. */
function unavailable(): string | null {
  if (Deno.build.os !== "linux") return "AF_XDP is Linux only";
  if (Deno.uid() !== 0) return "needs root (network namespaces, veth, XDP)";
  try {
    const xsk = Shim.load("afxdp").sysctlGetInt("skt.afxdp.xsk_socket");
    if (xsk !== 0) return `socket(AF_XDP) fails here (errno ${xsk})`;
  } catch (e) {
    if (e instanceof SktError) return `the afxdp shim is not usable: ${e.message}`;
    throw e;
  }
  return null;
}
const reason = unavailable();
const skipped = reason ? ` (skipped: ${reason})` : "";

const quiet: Log = { info: () => {}, debug: () => {} };
const HALF_UMEM = 1024 * 2048;

/** A private state directory for the duration of `body` (runs of other suites never meet ours). */
async function withStateDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = Deno.makeTempDirSync({ prefix: "skt-afxdp-state-" });
  const saved = Deno.env.get(STATE_DIR_ENV);
  Deno.env.set(STATE_DIR_ENV, dir);
  try {
    return await body(dir);
  } finally {
    if (saved === undefined) Deno.env.delete(STATE_DIR_ENV);
    else Deno.env.set(STATE_DIR_ENV, saved);
    Deno.removeSync(dir, { recursive: true });
  }
}

function run(name: string, options: Partial<RunOptions> = {}): Promise<TestRecord> {
  return runMpTest(findTest(name)!, { ...DEFAULT_OPTIONS, backend: "afxdp", ...options }, {
    log: quiet,
    writeLine: () => {},
  });
}

/** Namespaces of a parent pid's runs (skt-<pid>-...). */
const netnsOf = (pid: number) => listNetns(new RegExp(`^skt-${pid}-`));

/** Loaded BPF programs named like libxdp's AF_XDP redirect program. */
function xskPrograms(): string[] {
  try {
    const out = new Deno.Command("bpftool", { args: ["prog", "show"], stderr: "null" })
      .outputSync();
    return new TextDecoder().decode(out.stdout).split("\n").filter((l) => /xsk_def_prog/.test(l));
  } catch {
    return []; // no bpftool: the namespaces' removal is the check
  }
}

Deno.test({
  name: `afxdp: txrx, copy mode and split pools pass over the kernel's XDP path${skipped}`,
  ignore: reason !== null,
  fn: () =>
    withStateDir(async () => {
      for (const name of ["netifdirecttxrx", "netifdirecttxrxcopymode", "netifdirecttxrxsp"]) {
        const r = await run(name);
        assertEquals(r.verdict, "pass", `${name}: ${r.reason}`);
        assertEquals(r.strict?.verdict, "pass", `${name}: ${JSON.stringify(r.strict)}`);
        assertEquals(r.kernelDrops?.length, 2, name);
        for (const c of r.children) {
          const x = c.result!.xdp!;
          assert(x.mode === 1 || x.mode === 2, `${name}: XDP mode ${x.mode}`);
          assert(c.result!.received > 0 && x.rxFrames! >= c.result!.received, name);
          if (name === "netifdirecttxrxcopymode") {
            // zero copy tried first and reported; veth refuses it (EOPNOTSUPP)
            assertEquals(x.zeroCopyTried, 1);
            assert(x.zeroCopy === 1 || x.zeroCopyErrno! > 0);
          } else {
            assertEquals(x.zeroCopyTried, 0);
          }
          if (name === "netifdirecttxrxsp") {
            // TX chunks all in the upper half of the UMEM, RX chunks all in the lower one
            assert(x.txAddrMin! >= HALF_UMEM, `TX from ${x.txAddrMin}`);
            assert(x.rxAddrMax! < HALF_UMEM, `RX up to ${x.rxAddrMax}`);
            assertEquals(x.txInRxRegion, 0);
            assertEquals(c.result!.ifStats!.rxFromTxPool, 0);
          } else {
            // one shared pool: RX frames come from the chunks TX also uses
            assertEquals(c.result!.ifStats!.rxFromTxPool, x.rxFrames);
          }
        }
      }
    }),
});

Deno.test({
  name: `afxdp: the four tests without an AF_XDP counterpart are skipped with why${skipped}`,
  ignore: reason !== null,
  fn: () =>
    withStateDir(async () => {
      for (const t of TESTS.filter((t) => t.afxdpSkip)) {
        const r = await run(t.name);
        assertEquals(r.verdict, "skip", t.name);
        assertMatch(r.reason ?? "", /^AF_XDP has no /);
      }
      assertEquals(TESTS.filter((t) => t.afxdpSkip).length, 4);
    }),
});

for (const paceUs of [0, 1]) {
  Deno.test({
    name: `afxdp: gaps equal the kernel's drop counters over 20 runs, ${
      paceUs ? "paced" : "unpaced"
    }${skipped}`,
    ignore: reason !== null,
    fn: () =>
      withStateDir(async () => {
        let kernel = 0;
        for (let i = 0; i < 20; i++) {
          const r = await run("netifdirecttxrx", { paceUs });
          // a run whose counts disagree has a strict FAIL (kernel_drops.ts); restated here
          assertEquals(r.verdict, "pass", `run ${i + 1}: ${r.reason}`);
          assertEquals(r.strict?.verdict, "pass", `run ${i + 1}: ${JSON.stringify(r.strict)}`);
          for (const d of r.kernelDrops!) {
            assertEquals(d.arrived, d.read + d.unread + d.kernel, `run ${i + 1} child ${d.child}`);
            assertEquals(d.gaps, d.kernel - d.droppedAfterLast);
            assert(d.droppedAfterLast >= -d.counters.peerLinkTxDropped);
            kernel += d.kernel;
          }
        }
        console.log(
          `  kernel-counted drops over 20 ${paceUs ? "paced" : "unpaced"} runs: ${kernel}`,
        );
      }),
  });
}

/** A long run: waits until both sockets are open, then hands it to `stop`. */
async function interruptedRun(stop: (r: RunningSkt) => Promise<void>): Promise<string> {
  return await withStateDir(async (state) => {
    const env = { [STATE_DIR_ENV]: state };
    const first = new RunningSkt(
      ["run", "netifdirecttxrx", "--backend", "afxdp", "--packets", "10000000", "--timeout", "600"],
      env,
    );
    await first.waitForStderr(/Opened port/, 2);
    assertEquals(netnsOf(first.pid).length, 2);
    await stop(first);
    await first.done();
    // the next run starts by undoing what the first left, then runs normally
    const next = await skt(["run", "netifdirecttxrx", "--backend", "afxdp"], env);
    assertEquals(next.code, 0, next.stderr);
    assertEquals(netnsOf(first.pid), []);
    assertEquals(entriesOf(state), []);
    // a deleted namespace is torn down by the kernel asynchronously (cleanup_net): the
    // veth and the program attached to it go once that work has run
    const until = performance.now() + 10_000;
    while (xskPrograms().length > 0 && performance.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assertEquals(xskPrograms(), []);
    return next.stdout + next.stderr;
  });
}

Deno.test({
  name: `afxdp: a parent killed with SIGKILL leaves nothing after the next run${skipped}`,
  ignore: reason !== null,
  fn: async () => {
    const out = await interruptedRun(async (r) => {
      r.proc.kill("SIGKILL");
      await r.proc.status;
    });
    assertMatch(
      out,
      /recovery: run pid \d+ was killed before its cleanup: .*undid \d+ journal entr/,
    );
  },
});

Deno.test({
  name: `afxdp: a parent stopped by SIGTERM removes its namespaces itself${skipped}`,
  ignore: reason !== null,
  fn: async () => {
    const out = await interruptedRun(async (r) => {
      r.proc.kill("SIGTERM");
      const s = await r.done();
      assertEquals(s.code, 143, s.stderr);
      assertEquals(netnsOf(r.pid), []);
    });
    assert(!/recovery: /.test(out), out);
  },
});

// bad input on afxdp: one line, a distinct exit code, nothing left (as tests/bad_input_test.ts)
Deno.test("afxdp: a sim knob is a usage error", async () => {
  await withStateDir(async (state) => {
    const r = await skt(
      ["run", "netifdirecttxrx", "--backend", "afxdp", "--sim-knob", "debug.sim.corrupt_frame=1"],
      { [STATE_DIR_ENV]: state },
    );
    assertEquals(r.code, 2);
    assertEquals(r.stderr, "skt: --sim-knob only applies to the sim backend, not afxdp\n");
    assertEquals(entriesOf(state), []);
  });
});

Deno.test({
  name: "afxdp: a test whose kernel feature AF_XDP lacks is skipped, exit 4",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    withStateDir(async (state) => {
      const r = await skt(["run", "netifdirectchanevents", "--backend", "afxdp"], {
        [STATE_DIR_ENV]: state,
      });
      assertEquals(r.code, 4, r.stderr);
      // as root: the test's own reason; otherwise the backend's
      assertMatch(
        r.stdout,
        /^netifdirectchanevents afxdp SKIP \d+\.\d\ds \((AF_XDP has no per-packet transmit status|the afxdp backend needs root|this kernel refuses AF_XDP|whether this kernel|the afxdp shim is not built).*\)\n$/,
      );
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assertEquals(entriesOf(state), []);
    }),
});

Deno.test({
  name: `afxdp: the C smoke test balances every frame against the kernel's counters${skipped}`,
  ignore: reason !== null,
  fn: async () => {
    const build = new URL("../ffi/build/", import.meta.url).pathname;
    for (
      const [bin, args] of [
        [`${build}afxdp_smoke`, ["--pool", "split", "--bind", "copy"]],
        [`${build}afxdp_smoke`, ["--mode", "skb", "--upstream-loop"]],
      ] as const
    ) {
      const out = await new Deno.Command(bin, { args: [...args], stdin: "null" }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 0, text);
      assertEquals(text.match(/\(holds\)/g)?.length, 2, text);
    }
  },
});
