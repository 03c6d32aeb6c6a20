/**
 * The record of what a run changed on the machine, written before each change
 * and undone in reverse order on every exit path.
 *
 * With a file path the journal is also persisted (one JSON document, rewritten
 * on each change), so that a later run can undo what a killed run left behind
 * (recoverJournal). An entry that can't be undone stays in the file, so the
 * next run tries again: kern.skywalk.disable_nxctl_check left at 1 lets any
 * nexus controller add flows to any nexus (a security hole), so it is never
 * forgotten silently.
 */
import { readTextIfPresent, removeIfPresent } from "./state_files.ts";
import type { Shim } from "../../ffi/spi.ts";
import { EnvironmentError } from "../../ffi/errors.ts";
import { netnsDelete } from "./host.ts";

/** What a journal changes and undoes: the shim's sysctl and interface calls. */
export type JournalTarget = Pick<
  Shim,
  | "backend"
  | "sysctlGetInt"
  | "sysctlSetInt"
  | "sysctlGetString"
  | "sysctlSetString"
  | "ifnetDestroy"
>;

/** The sysctl whose being left at 1 is a security hole (see docs/macos.md). */
export const NXCTL_CHECK_SYSCTL = "kern.skywalk.disable_nxctl_check";

export type JournalEntry =
  | { kind: "sysctl-int"; name: string; previous: number }
  | { kind: "sysctl-string"; name: string; previous: string }
  | { kind: "ifnet"; name: string }
  // afxdp (veth.ts): a network namespace, a file and a directory the run made
  | { kind: "netns"; name: string }
  | { kind: "file"; name: string }
  | { kind: "dir"; name: string };

/** Entry kinds that name something made (undone by removing it), not a value changed. */
type MadeKind = "ifnet" | "netns" | "file" | "dir";
const MADE_KINDS: readonly string[] = ["ifnet", "netns", "file", "dir"];

export interface JournalFile {
  pid: number;
  backend: string;
  /** the sim domain the entries apply to, if any */
  domain?: string;
  entries: JournalEntry[];
}

export class Journal<T extends JournalTarget = Shim> {
  readonly entries: JournalEntry[] = [];

  constructor(
    readonly shim: T,
    readonly path: string | null = null,
    readonly meta: Omit<JournalFile, "entries"> = { pid: Deno.pid, backend: shim.backend },
  ) {}

  /** Sets an integer sysctl, remembering its previous value first. */
  setInt(name: string, value: number): number {
    const previous = this.shim.sysctlGetInt(name);
    this.#record({ kind: "sysctl-int", name, previous });
    this.shim.sysctlSetInt(name, value);
    return previous;
  }

  /** Sets a string sysctl, remembering its previous value first. */
  setString(name: string, value: string): string {
    const previous = this.shim.sysctlGetString(name);
    this.#record({ kind: "sysctl-string", name, previous });
    this.shim.sysctlSetString(name, value);
    return previous;
  }

  /** Records an interface about to be created, so that it is destroyed on undo. */
  noteInterface(name: string): void {
    if (!this.entries.some((e) => e.kind === "ifnet" && e.name === name)) {
      this.#record({ kind: "ifnet", name });
    }
  }

  /** Records a network namespace about to be made (afxdp), deleted on undo. */
  noteNetns(name: string): void {
    this.#noteMade("netns", name);
  }

  /** Records a file about to be written, removed on undo. */
  noteFile(path: string): void {
    this.#noteMade("file", path);
  }

  /** Records a directory something of the run is about to make, removed on undo if empty. */
  noteDir(path: string): void {
    this.#noteMade("dir", path);
  }

  #noteMade(kind: MadeKind, name: string): void {
    if (!this.entries.some((e) => e.kind === kind && e.name === name)) {
      this.#record({ kind, name } as JournalEntry);
    }
  }

  /** Restores the sysctl entries named (latest first), keeping the others. */
  restore(names: readonly string[]): void {
    this.#undo((e) => !MADE_KINDS.includes(e.kind) && names.includes(e.name));
  }

  /** Undoes the entries of these kinds (latest first); returns what could not be undone. */
  undoKinds(kinds: readonly JournalEntry["kind"][]): string[] {
    return this.#undo((e) => kinds.includes(e.kind));
  }

  /** Undoes everything, latest first; collects failures instead of stopping at one. */
  undoAll(): string[] {
    return this.#undo(() => true);
  }

  #undo(select: (e: JournalEntry) => boolean): string[] {
    const failures: string[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i];
      if (!select(entry)) continue;
      try {
        undoEntry(this.shim, entry);
        this.entries.splice(i, 1);
      } catch (e) {
        // kept (and kept in the file): the next run retries it
        failures.push(`${describeEntry(entry)}: ${(e as Error).message}`);
      }
    }
    this.#persist();
    return failures;
  }

  #record(entry: JournalEntry): void {
    this.entries.push(entry);
    this.#persist();
  }

  #persist(): void {
    if (this.path === null) return;
    if (this.entries.length === 0) {
      removeIfPresent(this.path);
      return;
    }
    const file: JournalFile = { ...this.meta, entries: this.entries };
    const tmp = `${this.path}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(file, null, 1));
    Deno.renameSync(tmp, this.path);
  }
}

/** One line saying what undoing an entry does. */
export function describeEntry(entry: JournalEntry): string {
  switch (entry.kind) {
    case "sysctl-int":
      return `${entry.name} back to ${entry.previous}`;
    case "sysctl-string":
      return `${entry.name} back to "${entry.previous}"`;
    case "ifnet":
      return `destroy ${entry.name}`;
    case "netns":
      return `delete network namespace ${entry.name}`;
    case "file":
      return `remove ${entry.name}`;
    case "dir":
      return `remove ${entry.name} if empty`;
  }
}

/** Reverts one journal entry. An interface already gone is not an error. */
export function undoEntry(shim: JournalTarget, entry: JournalEntry): void {
  switch (entry.kind) {
    case "sysctl-int":
      shim.sysctlSetInt(entry.name, entry.previous);
      break;
    case "sysctl-string":
      shim.sysctlSetString(entry.name, entry.previous);
      break;
    case "ifnet":
      try {
        shim.ifnetDestroy(entry.name);
      } catch (e) {
        if (!(e instanceof Error && /ENXIO|ENOENT/.test(e.message))) throw e;
      }
      break;
    case "netns":
      netnsDelete(entry.name);
      break;
    case "file":
    case "dir":
      try {
        Deno.removeSync(entry.name);
      } catch (e) {
        // gone already; a directory others put something in stays theirs
        if (!(e instanceof Deno.errors.NotFound) && entry.kind === "file") throw e;
      }
      break;
  }
}

/** What recoverJournal found and did. */
export interface Recovery {
  /** the pid of the run that left the journal */
  pid: number;
  /** what was undone, in the order it was undone */
  undone: string[];
}

function isEntry(e: unknown): e is JournalEntry {
  const v = e as Record<string, unknown>;
  if (typeof v?.name !== "string" || v.name === "") return false;
  return (v.kind === "sysctl-int" && Number.isInteger(v.previous)) ||
    (v.kind === "sysctl-string" && typeof v.previous === "string") ||
    MADE_KINDS.includes(v.kind as string);
}

/** Parses a journal file's text; throws when it is not a journal skt wrote. */
export function parseJournal(text: string, path: string): JournalFile {
  let v: Partial<JournalFile>;
  try {
    v = JSON.parse(text);
  } catch {
    v = {};
  }
  if (!Number.isInteger(v.pid) || !Array.isArray(v.entries) || !v.entries.every(isEntry)) {
    throw new EnvironmentError(
      `the journal ${path} of an earlier run is unreadable, so what it changed can't be undone; ` +
        `check ${NXCTL_CHECK_SYSCTL} and the net.link.fake.* sysctls by hand, then remove it`,
    );
  }
  return v as JournalFile;
}

/**
 * Undoes a journal left by a killed run (the caller holds the machine lock, so
 * its writer is gone), latest change first, then removes the file. Returns
 * null when there is none. Throws EnvironmentError when something can't be
 * undone: the entries that failed stay in the file and the run must not start.
 */
export function recoverJournal(path: string, target: JournalTarget): Recovery | null {
  const text = readTextIfPresent(path);
  if (text === null) return null;
  const file = parseJournal(text, path);
  const journal = new Journal(target, path, { pid: file.pid, backend: file.backend });
  journal.entries.push(...file.entries);
  const undone = file.entries.map(describeEntry).reverse();
  const failures = journal.undoAll();
  if (failures.length > 0) {
    throw new EnvironmentError(
      `could not undo what a killed run (pid ${file.pid}) changed: ${failures.join("; ")}` +
        (journal.entries.some((e) => e.name === NXCTL_CHECK_SYSCTL)
          ? ` (${NXCTL_CHECK_SYSCTL} is still disabled: a security hole until it is 0 again)`
          : ""),
    );
  }
  return { pid: file.pid, undone };
}
