/**
 * Crash recovery: a journal file left by a killed skywalk run is undone before
 * anything else, latest change first; what can't be undone stays in the file.
 * The machine is a fake with macOS-shaped sysctls, then the sim's domain.
 */
import { assertEquals, assertMatch, assertThrows } from "@std/assert";
import {
  Journal,
  type JournalFile,
  type JournalTarget,
  NXCTL_CHECK_SYSCTL,
  recoverJournal,
} from "../../scenarios/machine/journal.ts";
import { SkywalkSession } from "../../scenarios/machine/backend.ts";
import { EnvironmentError, ExitCode, SpiError } from "../../ffi/errors.ts";
import { newRunId } from "../../scenarios/machine/backend.ts";
import { SIM_DOMAIN_PREFIX, simRoot } from "../../scenarios/machine/env.ts";
import { Shim } from "../../ffi/spi.ts";
import type { Log } from "../../scenarios/log.ts";

/** A macOS-shaped machine: sysctls, interfaces, and a record of every call. */
class FakeMachine implements JournalTarget {
  readonly backend = "skywalk";
  readonly calls: string[] = [];
  readonly failing = new Set<string>();
  constructor(
    readonly ints: Map<string, number>,
    readonly strings: Map<string, string>,
    readonly ifnets: Set<string>,
  ) {}
  sysctlGetInt(name: string): number {
    return this.ints.get(name)!;
  }
  sysctlSetInt(name: string, value: number): void {
    this.calls.push(`${name}=${value}`);
    if (this.failing.has(name)) throw new SpiError(`sysctl ${name}`, 1, "EPERM");
    this.ints.set(name, value);
  }
  sysctlGetString(name: string): string {
    return this.strings.get(name)!;
  }
  sysctlSetString(name: string, value: string): void {
    this.calls.push(`${name}="${value}"`);
    this.strings.set(name, value);
  }
  ifnetDestroy(name: string): void {
    this.calls.push(`destroy ${name}`);
    if (!this.ifnets.delete(name)) throw new SpiError(`destroy ${name}`, 6, "ENXIO");
  }
}

/** The state a run killed in the middle of init leaves: nxctl lifted, knobs set, pair made. */
function killedRunMachine(): FakeMachine {
  return new FakeMachine(
    new Map([[NXCTL_CHECK_SYSCTL, 1], ["net.link.fake.tx_drops", 100], [
      "net.link.fake.bsd_mode",
      0,
    ]]),
    new Map([["kern.skywalk.netif.sk_ll_prefix", "feth"]]),
    new Set(["feth0", "feth1", "en0"]),
  );
}

const STALE: JournalFile = {
  pid: 31337,
  backend: "skywalk",
  entries: [
    { kind: "sysctl-int", name: NXCTL_CHECK_SYSCTL, previous: 0 },
    { kind: "sysctl-int", name: "net.link.fake.tx_drops", previous: 0 },
    { kind: "sysctl-int", name: "net.link.fake.bsd_mode", previous: 1 },
    { kind: "sysctl-string", name: "kern.skywalk.netif.sk_ll_prefix", previous: "llw" },
    { kind: "ifnet", name: "feth0" },
    { kind: "ifnet", name: "feth1" },
  ],
};

function tempDir(): { dir: string } & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "skt-journal-" });
  return { dir, [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }) };
}

Deno.test("recovery: a stale journal is undone latest first, then removed", () => {
  using t = tempDir();
  const path = `${t.dir}/skywalk-journal.json`;
  Deno.writeTextFileSync(path, JSON.stringify(STALE));
  const m = killedRunMachine();
  const r = recoverJournal(path, m);
  assertEquals(r?.pid, 31337);
  assertEquals(m.calls, [
    "destroy feth1",
    "destroy feth0",
    'kern.skywalk.netif.sk_ll_prefix="llw"',
    "net.link.fake.bsd_mode=1",
    "net.link.fake.tx_drops=0",
    `${NXCTL_CHECK_SYSCTL}=0`,
  ]);
  assertEquals(r?.undone.length, 6);
  assertEquals(m.ints.get(NXCTL_CHECK_SYSCTL), 0);
  assertEquals([...m.ifnets], ["en0"]);
  assertThrows(() => Deno.statSync(path), Deno.errors.NotFound);
});

Deno.test("recovery: no journal means nothing to do", () => {
  using t = tempDir();
  assertEquals(recoverJournal(`${t.dir}/none.json`, killedRunMachine()), null);
});

Deno.test("recovery: an interface already gone is not a failure", () => {
  using t = tempDir();
  const path = `${t.dir}/j.json`;
  Deno.writeTextFileSync(path, JSON.stringify(STALE));
  const m = killedRunMachine();
  m.ifnets.delete("feth1");
  recoverJournal(path, m);
  assertThrows(() => Deno.statSync(path), Deno.errors.NotFound);
});

Deno.test("recovery: the nxctl check that can't be restored stays journaled and stops the run", () => {
  using t = tempDir();
  const path = `${t.dir}/j.json`;
  Deno.writeTextFileSync(path, JSON.stringify(STALE));
  const m = killedRunMachine();
  m.failing.add(NXCTL_CHECK_SYSCTL);
  const e = assertThrows(() => recoverJournal(path, m), EnvironmentError);
  assertEquals(e.exitCode, ExitCode.environment);
  assertMatch(e.message, /killed run \(pid 31337\)/);
  assertMatch(e.message, /disable_nxctl_check is still disabled: a security hole/);
  const left = JSON.parse(Deno.readTextFileSync(path)) as JournalFile;
  assertEquals(left.entries, [STALE.entries[0]], "only the failed entry is left for the next run");
  assertEquals(m.ints.get("net.link.fake.tx_drops"), 0, "the others were undone");
});

Deno.test("recovery: a journal skt can't read stops the run with exit 3", () => {
  using t = tempDir();
  const path = `${t.dir}/j.json`;
  for (const text of ["{", '{"pid":1,"entries":[{"kind":"sysctl-int","name":"x"}]}']) {
    Deno.writeTextFileSync(path, text);
    const e = assertThrows(() => recoverJournal(path, killedRunMachine()), EnvironmentError);
    assertMatch(e.message, /unreadable, so what it changed can't be undone/);
  }
});

Deno.test("journal: each change is on disk before it is made", () => {
  using t = tempDir();
  const path = `${t.dir}/j.json`;
  const m = killedRunMachine();
  m.ints.set(NXCTL_CHECK_SYSCTL, 0);
  const seen: number[] = [];
  const origSet = m.sysctlSetInt.bind(m);
  m.sysctlSetInt = (name, value) => {
    seen.push((JSON.parse(Deno.readTextFileSync(path)) as JournalFile).entries.length);
    origSet(name, value);
  };
  const j = new Journal(m, path);
  j.setInt(NXCTL_CHECK_SYSCTL, 1);
  j.setInt("net.link.fake.tx_drops", 100);
  assertEquals(seen, [1, 2]);
  assertEquals(j.undoAll(), []);
  assertThrows(() => Deno.statSync(path), Deno.errors.NotFound);
});

const quiet: Log = { info: () => {}, debug: () => {} };

Deno.test("skywalk session: prepare takes the lock, then undoes a killed run's journal", () => {
  using t = tempDir();
  const previous = Deno.env.get("SKT_STATE_DIR");
  Deno.env.set("SKT_STATE_DIR", t.dir);
  try {
    Deno.writeTextFileSync(`${t.dir}/skywalk-journal.json`, JSON.stringify(STALE));
    const m = killedRunMachine();
    const lines: string[] = [];
    using first = new SkywalkSession(m as unknown as Shim);
    first.prepare({ info: (l) => lines.push(l), debug: () => {} });
    assertEquals(first.journalPath, `${t.dir}/skywalk-journal.json`);
    assertMatch(lines.join("\n"), /undid what a killed run \(pid 31337\) left: destroy feth1/);
    assertEquals(m.ints.get(NXCTL_CHECK_SYSCTL), 0);

    const second = new SkywalkSession(m as unknown as Shim);
    const e = assertThrows(() => second.prepare(quiet), EnvironmentError);
    assertMatch(e.message, new RegExp(`another run holds the interfaces \\(pid ${Deno.pid}\\)`));
    first.close();
    second.prepare(quiet);
    second.close();
    assertEquals([...Deno.readDirSync(t.dir)].map((d) => d.name), []);
  } finally {
    if (previous === undefined) Deno.env.delete("SKT_STATE_DIR");
    else Deno.env.set("SKT_STATE_DIR", previous);
  }
});

Deno.test("recovery on the sim: sysctls and a leftover pair in a domain are put back", () => {
  using t = tempDir();
  const shim = Shim.load("sim");
  const domain = `${simRoot()}/${SIM_DOMAIN_PREFIX}test-${newRunId()}`;
  shim.envCreate(domain);
  try {
    const before = shim.sysctlGetString("kern.skywalk.netif.sk_ll_prefix");
    shim.sysctlSetInt(NXCTL_CHECK_SYSCTL, 1);
    shim.sysctlSetString("kern.skywalk.netif.sk_ll_prefix", "feth");
    shim.ifnetCreate("feth0");
    const path = `${t.dir}/j.json`;
    Deno.writeTextFileSync(
      path,
      JSON.stringify({
        pid: 1,
        backend: "sim",
        entries: [
          { kind: "sysctl-int", name: NXCTL_CHECK_SYSCTL, previous: 0 },
          { kind: "sysctl-string", name: "kern.skywalk.netif.sk_ll_prefix", previous: before },
          { kind: "ifnet", name: "feth0" },
        ],
      }),
    );
    recoverJournal(path, shim);
    assertEquals(shim.sysctlGetInt(NXCTL_CHECK_SYSCTL), 0);
    assertEquals(shim.sysctlGetString("kern.skywalk.netif.sk_ll_prefix"), before);
    const e = assertThrows(() => shim.ifnetLladdr("feth0"), SpiError);
    assertEquals(e.is("ENXIO"), true);
  } finally {
    shim.envDestroy(domain);
  }
});
