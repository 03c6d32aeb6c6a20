/** One skywalk run per machine: the lock file, its holder, and stale locks of killed runs. */
import { assertEquals, assertMatch, assertThrows } from "@std/assert";
import { acquireMachineLock, readLock } from "../scenarios/machine/machine_lock.ts";
import { pidIsAlive as processIsAlive } from "../scenarios/machine/os.ts";
import { EnvironmentError, ExitCode } from "../ffi/errors.ts";

function tempLock(): { dir: string; path: string } & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "skt-lock-" });
  return {
    dir,
    path: `${dir}/state/skywalk.lock`,
    [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }),
  };
}

function holderPid(path: string): number | null {
  const h = readLock(path);
  return h === null || h === "unreadable" ? null : h.pid;
}

/** The pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", ""], stdout: "null" }).spawn();
  await child.status;
  return child.pid;
}

Deno.test("lock: the first run takes it and names itself; release removes it", () => {
  using t = tempLock();
  const lock = acquireMachineLock(t.path);
  assertEquals(holderPid(t.path), Deno.pid);
  lock.release();
  assertEquals(readLock(t.path), null);
  assertEquals(Deno.readDirSync(`${t.dir}/state`).toArray(), [], "no temporary file left");
});

Deno.test("lock: a second run gets 'another run holds the interfaces (pid N)' and exit 3", () => {
  using t = tempLock();
  using _first = acquireMachineLock(t.path, { pid: 4242, isAlive: () => true });
  const e = assertThrows(
    () => acquireMachineLock(t.path, { isAlive: (pid) => pid === 4242 }),
    EnvironmentError,
  );
  assertMatch(e.message, /^another run holds the interfaces \(pid 4242\)/);
  assertEquals(e.exitCode, ExitCode.environment);
  assertEquals(holderPid(t.path), 4242, "the holder keeps it");
});

Deno.test("lock: a killed run's lock is stale and taken over", async () => {
  using t = tempLock();
  const pid = await deadPid();
  assertEquals(processIsAlive(pid), false);
  Deno.mkdirSync(`${t.dir}/state`);
  Deno.writeTextFileSync(t.path, JSON.stringify({ pid, since: "2024-01-01T00:00:00Z" }));
  using lock = acquireMachineLock(t.path);
  assertEquals(lock.holder.pid, Deno.pid);
  assertEquals(holderPid(t.path), Deno.pid);
});

Deno.test("lock: a live process holding it is detected by pid, and its death frees it", async () => {
  using t = tempLock();
  const script = `
    import { acquireMachineLock } from ${
    JSON.stringify(new URL("../scenarios/machine/machine_lock.ts", import.meta.url).href)
  };
    acquireMachineLock(${JSON.stringify(t.path)});
    console.log("locked");
    await new Promise(() => {});`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assertMatch(first, /locked/);
  const e = assertThrows(() => acquireMachineLock(t.path), EnvironmentError);
  assertMatch(e.message, new RegExp(`another run holds the interfaces \\(pid ${child.pid}\\)`));
  child.kill("SIGKILL");
  await child.status;
  reader.releaseLock();
  await child.stdout.cancel();
  using lock = acquireMachineLock(t.path);
  assertEquals(lock.holder.pid, Deno.pid);
});

Deno.test("lock: release leaves a lock another run took meanwhile", () => {
  using t = tempLock();
  const lock = acquireMachineLock(t.path);
  Deno.writeTextFileSync(t.path, JSON.stringify({ pid: 777, since: "now" }));
  lock.release();
  assertEquals(holderPid(t.path), 777);
});

Deno.test("lock: a lock file skt did not write is refused, not overwritten", () => {
  using t = tempLock();
  Deno.mkdirSync(`${t.dir}/state`);
  Deno.writeTextFileSync(t.path, "hello");
  const e = assertThrows(() => acquireMachineLock(t.path), EnvironmentError);
  assertMatch(e.message, /is not skt's; if no skt run is active, remove it/);
  assertEquals(Deno.readTextFileSync(t.path), "hello");
});
