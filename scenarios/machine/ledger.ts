/**
 * The run ledger: what a run holds on the machine, written down before it is
 * taken and removed once the run has given it back, so that a run killed with
 * SIGKILL is cleaned up by the next one (recovery.ts reads it).
 *
 * Before it changes anything a run writes its record into the state directory:
 * its pid and start time, the backend, the sim domain it creates (or the
 * long-lived one it attaches to), its children, and where its journal
 * (journal.ts) is persisted.
 *
 * The state directory is volatile on purpose ($TMPDIR or /tmp): it describes
 * kernel and shared-memory state, which does not outlive a reboot either.
 */
import { EnvironmentError } from "../../ffi/errors.ts";
import type { BackendName } from "../../ffi/loader.ts";
import { STATE_DIR_ENV, stateDir } from "./env.ts";
import { identify, type ProcessId } from "./processes.ts";
import {
  ensureStateDir,
  fileExists,
  removeIfPresent,
  tidyStateDir,
  writeAtomically,
} from "./state_files.ts";

/** A run record's file name ends so. */
export const RECORD_SUFFIX = ".run.json";

export const JOURNAL_SUFFIX = ".journal.json";

/** One run's holdings, as written to `<state dir>/<run id>.run.json`. */
export interface LedgerRecord {
  format: 1;
  run: string;
  process: ProcessId;
  backend: BackendName;
  /** the sim domain the run created: removed whole */
  domain: string | null;
  /** a long-lived sim domain the run attached to (SKT_SIM_MACHINE): kept, its journal undone */
  machine: string | null;
  /** the run's persisted journal */
  journal: string;
  children: ProcessId[];
}

/** A run's record, kept up to date while the run holds something. */
export class RunLedger {
  readonly record: LedgerRecord;
  readonly path: string;
  readonly #dir: string;
  #open = true;

  private constructor(dir: string, runId: string, backend: BackendName) {
    this.#dir = dir;
    this.path = `${dir}/${runId}${RECORD_SUFFIX}`;
    this.record = {
      format: 1,
      run: runId,
      process: identify(Deno.pid),
      backend,
      domain: null,
      machine: null,
      journal: `${dir}/${runId}${JOURNAL_SUFFIX}`,
      children: [],
    };
  }

  /** Writes the record of a run about to start. */
  static begin(backend: BackendName, runId: string): RunLedger {
    const dir = stateDir();
    try {
      ensureStateDir(dir);
      const ledger = new RunLedger(dir, runId, backend);
      ledger.#write();
      return ledger;
    } catch (e) {
      if (e instanceof EnvironmentError) throw e;
      // without its record a run could not be cleaned up after a kill: do not start it
      throw new EnvironmentError(
        `cannot write the run record in ${dir} (${(e as Error).message}); set ${STATE_DIR_ENV}`,
        { cause: e },
      );
    }
  }

  /** Where the run's journal is persisted. */
  get journalPath(): string {
    return this.record.journal;
  }

  /** Records the sim domain before it is created (owned) or attached (a machine). */
  noteDomain(path: string, owned: boolean): void {
    if (owned) this.record.domain = path;
    else this.record.machine = path;
    this.#write();
  }

  /** Records the children as soon as they are spawned. */
  noteChildren(pids: readonly number[]): void {
    this.record.children.push(...pids.map(identify));
    this.#write();
  }

  /** The run undid everything: forget it. */
  finish(): void {
    if (!this.#open) return;
    this.#open = false;
    // a journal still on disk holds changes that could not be undone: it and this
    // record stay, so that the next run (finding this process gone) retries them
    if (this.record.journal && fileExists(this.record.journal)) return;
    removeIfPresent(this.record.journal);
    removeIfPresent(this.path);
    tidyStateDir(this.#dir);
  }

  #write(): void {
    writeAtomically(this.#dir, this.path, JSON.stringify(this.record, null, 1));
  }
}
