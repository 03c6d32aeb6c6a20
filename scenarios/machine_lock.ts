/**
 * One skywalk run per machine: feth0/feth1 and the sysctls are global, so a
 * run holds a lock file for its whole life. The file is made atomically with
 * its content (written aside, then hard-linked into place) and names the
 * holder's pid. A lock whose holder is gone (a killed run) is stale: it is
 * moved aside and taken over, checking that what was moved is still the
 * stale one, so two runs racing for a stale lock can't both win.
 */
import process from "node:process";
import { EnvironmentError } from "../ffi/errors.ts";

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

/** kill(pid, 0): ESRCH means gone; EPERM means alive but someone else's. */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/** The holder named by a lock file, null when there is no file, "unreadable" when it is not ours. */
export function readLock(path: string): LockHolder | null | "unreadable" {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
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
      try {
        Deno.removeSync(this.path);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
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

/**
 * Takes the machine lock at `path`, taking over a stale one. Throws
 * EnvironmentError (exit 3) naming the holder when a live run has it.
 */
export function acquireMachineLock(path: string, options: LockOptions = {}): MachineLock {
  const isAlive = options.isAlive ?? processIsAlive;
  const holder: LockHolder = { pid: options.pid ?? Deno.pid, since: new Date().toISOString() };
  const dir = path.slice(0, path.lastIndexOf("/"));
  if (dir) Deno.mkdirSync(dir, { recursive: true, mode: 0o755 });

  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path, holder)) return new MachineLock(path, holder);
    const current = readLock(path);
    if (current === null) continue; // released meanwhile: try again
    if (current === "unreadable") {
      throw new EnvironmentError(
        `the lock file ${path} is not skt's; if no skt run is active, remove it`,
      );
    }
    if (isAlive(current.pid)) throw held(path, current.pid);
    // stale: move it aside, and only drop it if it is still the stale holder's
    const aside = `${path}.stale.${holder.pid}`;
    try {
      Deno.renameSync(path, aside);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw e;
    }
    const moved = readLock(aside);
    if (moved !== null && moved !== "unreadable" && moved.pid !== current.pid) {
      Deno.renameSync(aside, path); // a live run took it over first: give it back
      throw held(path, moved.pid);
    }
    Deno.removeSync(aside);
  }
  const last = readLock(path);
  throw held(path, last && last !== "unreadable" ? last.pid : 0);
}
