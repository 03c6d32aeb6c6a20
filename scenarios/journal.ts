/**
 * The record of what a run changed on the machine, written before each change
 * and undone in reverse order on every exit path.
 *
 * With a file path the journal is also persisted (one JSON document, rewritten
 * on each change), so that a later run can undo what a killed run left behind.
 */
import type { Shim } from "../ffi/spi.ts";

export type JournalEntry =
  | { kind: "sysctl-int"; name: string; previous: number }
  | { kind: "sysctl-string"; name: string; previous: string }
  | { kind: "ifnet"; name: string };

export interface JournalFile {
  pid: number;
  backend: string;
  /** the sim domain the entries apply to, if any */
  domain?: string;
  entries: JournalEntry[];
}

export class Journal {
  readonly entries: JournalEntry[] = [];

  constructor(
    readonly shim: Shim,
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

  /** Restores the sysctl entries named (latest first), keeping the others. */
  restore(names: readonly string[]): void {
    this.#undo((e) => e.kind !== "ifnet" && names.includes(e.name));
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
      } catch (e) {
        failures.push((e as Error).message);
      }
      this.entries.splice(i, 1);
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
      try {
        Deno.removeSync(this.path);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      return;
    }
    const file: JournalFile = { ...this.meta, entries: this.entries };
    const tmp = `${this.path}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(file, null, 1));
    Deno.renameSync(tmp, this.path);
  }
}

/** Reverts one journal entry. An interface already gone is not an error. */
export function undoEntry(shim: Shim, entry: JournalEntry): void {
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
  }
}
