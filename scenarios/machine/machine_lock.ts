/**
 * One skywalk run per machine: feth0/feth1 and the sysctls are global, so a
 * run holds a lock file for its whole life. The file is made atomically with
 * its content (written aside, then hard-linked into place) and names the
 * holder's pid. A lock whose holder is gone (a killed run) is stale: one run
 * at a time (under a `.takeover` guard file) checks it again and removes it,
 * then competes to create its own, so two runs racing for a stale lock can't
 * both win.
 */
import { pidIsAlive, sleepSync } from "./os.ts";
import { readTextIfPresent, removeIfPresent } from "./state_files.ts";
import { EnvironmentError } from "../../ffi/errors.ts";

export interface LockHolder {
  pid: number;
  /** ISO time the lock was taken */
  since: string;
}

export interface LockOptions {
  /** whether a pid is a live process; tests substitute their own */
  isAlive?: (pid: number) => boolean;
  /** the pid written into the lock (default: this process) */
  pid?: number;
}

/** The holder named by a lock file, null when there is no file, "unreadable" when it is not ours. */
export function readLock(path: string): LockHolder | null | "unreadable" {
  const text = readTextIfPresent(path);
  if (text === null) return null;
  try {
    const v = JSON.parse(text);
    if (Number.isInteger(v?.pid) && v.pid > 0 && typeof v.since === "string") return v;
  } catch {
    // not JSON: fall through
  }
  return "unreadable";
}

export class MachineLock implements Disposable {
  #held = true;
  constructor(readonly path: string, readonly holder: LockHolder) {}

  /** Removes the lock file if it is still this holder's. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    const now = readLock(this.path);
    if (now !== null && now !== "unreadable" && now.pid === this.holder.pid) {
      removeIfPresent(this.path);
    }
  }
  [Symbol.dispose](): void {
    this.release();
  }
}

function held(path: string, pid: number): EnvironmentError {
  return new EnvironmentError(
    `another run holds the interfaces (pid ${pid}); if no skt run is active, remove ${path}`,
  );
}

/** Creates the lock file with its content in one step, or returns false if it exists. */
function tryCreate(path: string, holder: LockHolder): boolean {
  const tmp = `${path}.${holder.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  Deno.writeTextFileSync(tmp, JSON.stringify(holder) + "\n");
  try {
    Deno.linkSync(tmp, path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  } finally {
    Deno.removeSync(tmp);
  }
}

/** How old a takeover guard may get before it counts as left by a killed run. */
const GUARD_STALE_MS = 10_000;
/** Waiting for another run's takeover: GUARD_WAIT_MS at a time, at most this many times. */
const TAKEOVER_ATTEMPTS = 100;
const GUARD_WAIT_MS = 20;

/** Creates the takeover guard, or removes a guard older than GUARD_STALE_MS; true if ours. */
function takeGuard(guard: string): boolean {
  try {
    Deno.writeTextFileSync(guard, `${Deno.pid}\n`, { createNew: true });
    return true;
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  }
  try {
    const age = Date.now() - (Deno.statSync(guard).mtime?.getTime() ?? Date.now());
    if (age > GUARD_STALE_MS) removeQuietly(guard);
  } catch {
    // gone meanwhile
  }
  return false;
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // already gone
  }
}

/**
 * Takes the machine lock at `path`, taking over a stale one. Throws
 * EnvironmentError (exit 3) naming the holder when a live run has it.
 */
export function acquireMachineLock(path: string, options: LockOptions = {}): MachineLock {
  const isAlive = options.isAlive ?? pidIsAlive;
  const holder: LockHolder = { pid: options.pid ?? Deno.pid, since: new Date().toISOString() };
  const dir = path.slice(0, path.lastIndexOf("/"));
  if (dir) Deno.mkdirSync(dir, { recursive: true, mode: 0o755 });

  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
    if (tryCreate(path, holder)) return new MachineLock(path, holder);
    const current = readLock(path);
    if (current === null) continue; // released meanwhile: try again
    if (current === "unreadable") {
      throw new EnvironmentError(
        `the lock file ${path} is not skt's; if no skt run is active, remove it`,
      );
    }
    if (isAlive(current.pid)) throw held(path, current.pid);
    // stale: one run at a time takes it over (under a guard file), and decides
    // again under the guard, so that a fresh lock is never moved aside
    const guard = `${path}.takeover`;
    if (!takeGuard(guard)) {
      // another run is taking the stale lock over: let it finish
      sleepSync(GUARD_WAIT_MS);
      continue;
    }
    try {
      const now = readLock(path);
      if (now === null) continue;
      if (now === "unreadable" || isAlive(now.pid)) {
        throw held(path, now === "unreadable" ? 0 : now.pid);
      }
      Deno.removeSync(path);
    } finally {
      removeQuietly(guard);
    }
  }
  const last = readLock(path);
  throw held(path, last && last !== "unreadable" ? last.pid : 0);
}
