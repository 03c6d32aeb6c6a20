/**
 * recoverLeftovers on hand-made leftovers in a private state directory and
 * sim root: what is recovered, what is left alone, what is refused.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { recoverLeftovers } from "../scenarios/machine/recovery.ts";
import type { LedgerRecord } from "../scenarios/machine/ledger.ts";
import { STATE_DIR_ENV } from "../scenarios/machine/env.ts";
import { identify } from "../scenarios/machine/processes.ts";
import { entriesOf } from "./leftovers.ts";

/** A pid that just exited (and was reaped): a dead process. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

function withRoots(body: (state: string, sim: string) => Promise<void> | void) {
  return async () => {
    const dir = Deno.makeTempDirSync({ prefix: "skt-recovery-" });
    const saved = [Deno.env.get(STATE_DIR_ENV), Deno.env.get("SKT_SIM_ROOT")];
    Deno.env.set(STATE_DIR_ENV, `${dir}/state`);
    Deno.env.set("SKT_SIM_ROOT", `${dir}/sim`);
    Deno.mkdirSync(`${dir}/state`);
    Deno.mkdirSync(`${dir}/sim`);
    try {
      await body(`${dir}/state`, `${dir}/sim`);
    } finally {
      const restore = (name: string, value: string | undefined) =>
        value === undefined ? Deno.env.delete(name) : Deno.env.set(name, value);
      restore(STATE_DIR_ENV, saved[0]);
      restore("SKT_SIM_ROOT", saved[1]);
      Deno.removeSync(dir, { recursive: true });
    }
  };
}

function record(
  state: string,
  run: string,
  pid: number,
  extra: Partial<LedgerRecord> = {},
): LedgerRecord {
  return {
    format: 1,
    run,
    process: { pid, started: null },
    backend: "sim",
    domain: null,
    machine: null,
    journal: `${state}/${run}.journal.json`,
    children: [],
    ...extra,
  };
}

function write(path: string, value: unknown): void {
  Deno.writeTextFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
}

Deno.test(
  "recovery: a dead run's domain is removed; a live run's record and domain are kept",
  withRoots(async (state, sim) => {
    const dead = await deadPid();
    Deno.mkdirSync(`${sim}/skt-sim-${dead}-a`);
    Deno.writeTextFileSync(`${sim}/skt-sim-${dead}-a/state`, "");
    write(`${state}/a.run.json`, record(state, "a", dead, { domain: `${sim}/skt-sim-${dead}-a` }));
    Deno.mkdirSync(`${sim}/skt-sim-${Deno.pid}-b`);
    write(
      `${state}/b.run.json`,
      record(state, "b", Deno.pid, { process: identify(Deno.pid), domain: `${sim}/skt-sim-b` }),
    );
    const report = recoverLeftovers();
    assertEquals(report.problems, []);
    assertEquals(report.actions, [
      `run pid ${dead} was killed before its cleanup: removed its sim domain ${sim}/skt-sim-${dead}-a`,
    ]);
    assertEquals(entriesOf(sim), [`skt-sim-${Deno.pid}-b`]);
    assertEquals(entriesOf(state), ["b.run.json"]);
  }),
);

Deno.test(
  "recovery: a reused pid (other start time) is not the recorded run",
  withRoots((state) => {
    const me = identify(Deno.pid);
    assert(me.started !== null, "this test needs /proc");
    write(
      `${state}/c.run.json`,
      record(state, "c", Deno.pid, { process: { ...me, started: "1" } }),
    );
    const report = recoverLeftovers();
    assertEquals(report.actions, [
      `run pid ${Deno.pid} was killed before its cleanup: nothing left`,
    ]);
    assertEquals(entriesOf(state), []);
  }),
);

Deno.test(
  "recovery: a claim left by a recovery that was killed is taken over",
  withRoots(async (state) => {
    const [dead, claimer] = [await deadPid(), await deadPid()];
    write(`${state}/d.run.json.${claimer}.recovering`, record(state, "d", dead));
    const report = recoverLeftovers();
    assertEquals(report.actions, [`run pid ${dead} was killed before its cleanup: nothing left`]);
    assertEquals(entriesOf(state), []);
  }),
);

Deno.test(
  "recovery: unreadable records are removed and reported; foreign paths are refused",
  withRoots(async (state) => {
    const dead = await deadPid();
    write(`${state}/e.run.json`, "{ not json");
    Deno.mkdirSync(`${state}/precious`);
    write(`${state}/f.run.json`, record(state, "f", dead, { domain: `${state}/precious` }));
    const report = recoverLeftovers();
    assertEquals(report.problems.length, 2, report.problems.join("\n"));
    assertMatch(report.problems.join("\n"), /removed the unreadable run record \S+\/e\.run\.json/);
    assertMatch(report.problems.join("\n"), /refused to remove \S+\/precious: not a sim domain/);
    assertEquals(entriesOf(state), ["precious"]);
  }),
);

Deno.test(
  "recovery: domains of dead pids without a record are swept, others kept",
  withRoots(async (_state, sim) => {
    const dead = await deadPid();
    for (
      const name of [
        `skt-sim-${dead}-x`,
        `skt-sim-test-${dead}`,
        `skt-sim-${Deno.pid}-y`,
        "skt-sim-notapid",
        "machine",
      ]
    ) Deno.mkdirSync(`${sim}/${name}`);
    const report = recoverLeftovers();
    assertEquals(report.actions.length, 2, report.actions.join("\n"));
    assertEquals(entriesOf(sim), ["machine", `skt-sim-${Deno.pid}-y`, "skt-sim-notapid"]);
  }),
);
