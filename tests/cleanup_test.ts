/**
 * Cleanup on every exit path of `skt run`, each followed by proof that nothing
 * is left: no sim domain, no run record, no child process, and the sysctls
 * and interfaces of the "machine" (a sim domain standing in for a kernel's
 * state, SKT_SIM_MACHINE) back to what they were before the run.
 *
 * Children are made to crash or hang with the test-only SKT_TEST_CHILD_FAULT.
 */
import { assert, assertEquals, assertMatch, assertNotEquals } from "@std/assert";
import { type MachineState, RunningSkt, Sandbox, skt } from "./cli_helpers.ts";
import { domainsOf, entriesOf, killAll, processesWithDomain, recordsOf } from "./leftovers.ts";
import { simRoot } from "../scenarios/machine/env.ts";
import { CHILD_FAULT_ENV } from "../scenarios/netifdirect/faults.ts";

/** Values the machine holds before each run; the run changes the first. */
const BASELINE = { "debug.sim.corrupt_offset": 150, "net.link.fake.trace_tag": 5 };
const KNOB = ["--sim-knob", "debug.sim.corrupt_offset=300"];
const RUN = ["run", "netifdirecttxrx", "--backend", "sim", "--packets", "2000"];

function assertNothingLeft(box: Sandbox, before: MachineState | null): void {
  assertEquals(processesWithDomain(box.dir), [], "children still running");
  assertEquals(entriesOf(box.simRoot), [], "sim domains left");
  assertEquals(entriesOf(box.stateDir), [], "run records left");
  if (before) assertEquals(box.machineState(), before, "the machine was not restored");
}

/**
 * Runs `body` on a run whose children both stop after go (once they did); then,
 * whatever happened, kills what is left of it, so a failing test leaks nothing.
 */
async function withHungRun(
  box: Sandbox,
  body: (running: RunningSkt) => Promise<void>,
  fault: "hang" | "stubborn" = "hang",
) {
  const running = new RunningSkt([...RUN, ...KNOB], {
    ...box.env,
    [CHILD_FAULT_ENV]: `*:${fault}`,
  });
  try {
    await running.waitForStderr(new RegExp(`^child \\d: fault injected: ${fault}$`, "m"), 2);
    await body(running);
  } finally {
    try {
      running.proc.kill("SIGKILL");
    } catch {
      // it exited
    }
    await running.done();
    killAll(processesWithDomain(box.dir));
  }
}

Deno.test("cleanup: a pass leaves the machine as it found it", async () => {
  using box = new Sandbox(true, BASELINE);
  const before = box.machineState();
  const r = await skt([...RUN, ...KNOB], box.env);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stdout, /^netifdirecttxrx sim PASS /);
  assertNothingLeft(box, before);
});

Deno.test("cleanup: a pass in the default places leaves no domain, record or child", async () => {
  const running = new RunningSkt(RUN, {});
  const r = await running.done();
  assertEquals(r.code, 0, r.stderr);
  assertEquals(domainsOf(running.pid), []);
  assertEquals(recordsOf(running.pid), []);
  assertEquals(processesWithDomain(`${simRoot()}/skt-sim-${running.pid}-`), []);
});

Deno.test("cleanup: a failing run (a corrupted frame) leaves nothing", async () => {
  using box = new Sandbox(false);
  const r = await skt([...RUN, "--sim-knob", "debug.sim.corrupt_frame=100"], box.env);
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stdout, /FAIL .*failed the checksum check/);
  assertNothingLeft(box, null);
});

Deno.test("cleanup: a child killed by a signal fails the run, which cleans up", async () => {
  using box = new Sandbox(true, BASELINE);
  const before = box.machineState();
  const r = await skt([...RUN, ...KNOB], { ...box.env, [CHILD_FAULT_ENV]: "1:crash" });
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stdout, /^netifdirecttxrx sim FAIL .*: child 1 died by signal SIGKILL\n$/);
  assertMatch(r.stderr, /Child 1 \(pid \d+\) signaled with signal SIGKILL/);
  assertNothingLeft(box, before);
});

Deno.test("cleanup: hung children are killed by the timeout (SIGKILL if SIGTERM is ignored)", async () => {
  using box = new Sandbox(false);
  const started = performance.now();
  const r = await skt([...RUN, "--timeout", "3"], {
    ...box.env,
    [CHILD_FAULT_ENV]: "0:hang,1:stubborn",
  });
  const elapsed = performance.now() - started;
  assertEquals(r.code, 1, r.stderr);
  assertEquals(
    r.stdout.replace(/ \d+\.\d\ds /, " Ts "),
    "netifdirecttxrx sim FAIL strict UNMEASURED Ts child 0 was killed (SIGTERM) because the timeout of 3 s expired, " +
      "child 1 was killed (SIGKILL) because the timeout of 3 s expired, drops 0: " +
      "the timeout of 3 s expired\n",
  );
  // 3 s timeout + 2 s SIGTERM grace, with room for startup on a busy machine
  assert(elapsed < 15_000, `took ${elapsed} ms`);
  assertNothingLeft(box, null);
});

for (
  const [signal, code, withMachine] of [["SIGINT", 130, true], ["SIGTERM", 143, false]] as const
) {
  Deno.test(`cleanup: ${signal} to the parent kills the children, runs fini, exits ${code}`, async () => {
    using box = new Sandbox(withMachine, BASELINE);
    const before = withMachine ? box.machineState() : null;
    await withHungRun(box, async (running) => {
      running.proc.kill(signal);
      const r = await running.done();
      assertEquals(r.code, code, r.stderr);
      assertMatch(r.stdout, new RegExp(`FAIL .*: the run was interrupted by ${signal}\\n$`));
      assertMatch(
        r.stdout,
        new RegExp(`child 0 was killed \\(SIGTERM\\) because the run was interrupted by ${signal}`),
      );
      assertNothingLeft(box, before);
    });
  });
}

for (const withMachine of [false, true]) {
  const where = withMachine ? "machine sysctls and interfaces" : "sim domain";
  Deno.test(`cleanup: after kill -9 of the parent the next run restores the ${where}`, async () => {
    using box = new Sandbox(withMachine, BASELINE);
    const before = withMachine ? box.machineState() : null;
    await withHungRun(box, async (running) => {
      running.proc.kill("SIGKILL");
      const killed = await running.done();
      assertEquals(killed.signal, "SIGKILL");
      // what the killed run left: its record, its children, its domain or machine changes
      // stubborn children ignore the SIGTERM their parent watch sends them
      const orphans = processesWithDomain(box.dir);
      assertEquals(
        orphans.length,
        2,
        "both stubborn children should outlive a kill -9 of the parent",
      );
      assertEquals(recordsOf(running.pid, box.stateDir).length, 1);
      if (before) {
        const now = box.machineState();
        assertNotEquals(now, before);
        assertEquals(now["kern.skywalk.disable_nxctl_check"], 1);
        assertEquals(now["debug.sim.corrupt_offset"], 300);
        assertEquals(now["interface feth0"], true);
      } else {
        assertEquals(domainsOf(running.pid, box.simRoot).length, 1);
      }

      const next = await skt(RUN, box.env);
      assertEquals(next.code, 0, next.stderr);
      const recovered = next.stderr.split("\n").filter((l) => l.startsWith("recovery"));
      assertEquals(recovered.length, 1, next.stderr);
      assertMatch(
        recovered[0],
        new RegExp(
          `^recovery: run pid ${running.pid} was killed before its cleanup: ` +
            `killed its children \\(pids ${orphans.sort((a, b) => a - b).join(", ")}\\); ` +
            (withMachine
              ? `undid 4 journal entries in ${box.machine}$`
              : `removed its sim domain ${box.simRoot}/skt-sim-${running.pid}-\\S+$`),
        ),
      );
      assertNothingLeft(box, before);
    }, "stubborn");
  });
}

Deno.test("cleanup: children end by themselves when the parent is killed with SIGKILL", async () => {
  using box = new Sandbox(false, BASELINE);
  await withHungRun(box, async (running) => {
    running.proc.kill("SIGKILL");
    await running.done();
    const deadline = Date.now() + 5000;
    while (processesWithDomain(box.dir).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assertEquals(
      processesWithDomain(box.dir),
      [],
      "children still running 5 s after the parent died",
    );
  });
});
