/**
 * What a run holds on the machine, written down so that a run killed with
 * SIGKILL (no fini, no cleanup) is cleaned up by the next one.
 *
 * Before it changes anything a run writes its record into the state directory:
 * its pid and start time, the backend, the sim domain it creates (or the
 * long-lived one it attaches to), its children, and where its journal
 * (scenarios/journal.ts) is persisted. The run removes the record once its own
 * cleanup is done. Every run starts with recoverLeftovers(): for each record
 * whose process is gone it kills the children still running, undoes the
 * journal through the backend's restorer, and removes the sim domain. Sim
 * domains of dead processes that no record names (killed before the record was
 * written, or made by another tool version) are removed too.
 *
 * The state directory is volatile on purpose ($TMPDIR or /tmp): it describes
 * kernel and shared-memory state, which does not outlive a reboot either.
 */
import { Shim } from "../../ffi/spi.ts";
import { EnvironmentError, SpiError } from "../../ffi/errors.ts";
import { type BackendName, SIM_DOMAIN_PREFIX, simRoot } from "./backend.ts";
import { type JournalEntry, type JournalFile, undoEntry } from "./journal.ts";
import { identify, isRunning, isVerifiable, type ProcessId } from "./processes.ts";

/** Overrides where run records are kept (tests use a private one). */
export const STATE_DIR_ENV = "SKT_STATE_DIR";

const RECORD_SUFFIX = ".run.json";
/** How long recovery waits for the children it killed to exit. */
const KILLED_EXIT_WAIT_MS = 2000;
const JOURNAL_SUFFIX = ".journal.json";

/** Where run records live: $SKT_STATE_DIR, else $TMPDIR/skt-state-<uid> (or /tmp/...). */
export function stateDir(): string {
  const override = Deno.env.get(STATE_DIR_ENV);
  if (override) return override;
  const tmp = (Deno.env.get("TMPDIR") || "/tmp").replace(/\/+$/, "");
  const uid = Deno.uid();
  return `${tmp}/skt-state${uid === null ? "" : `-${uid}`}`;
}

/** One run's holdings, as written to `<state dir>/<run id>.run.json`. */
export interface RunRecord {
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

function ensureStateDir(dir: string): void {
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = Deno.lstatSync(dir);
  const uid = Deno.uid();
  if (!st.isDirectory || (uid !== null && st.uid !== null && st.uid !== uid)) {
    throw new EnvironmentError(
      `the state directory ${dir} is not a directory of this user; set ${STATE_DIR_ENV}`,
    );
  }
}

/** Writes a file whole (temporary file, then rename), recreating the directory once if it vanished. */
function writeAtomically(dir: string, path: string, text: string): void {
  for (let attempt = 0;; attempt++) {
    try {
      Deno.writeTextFileSync(`${path}.tmp`, text);
      Deno.renameSync(`${path}.tmp`, path);
      return;
    } catch (e) {
      // another run removed the (then empty) state directory in between
      if (!(e instanceof Deno.errors.NotFound) || attempt > 0) throw e;
      ensureStateDir(dir);
    }
  }
}

function removeIfThere(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Removes the default state directory when no run uses it any more (fails
 * harmlessly otherwise). A directory named by SKT_STATE_DIR is the user's: kept.
 */
function tidyStateDir(dir: string): void {
  if (Deno.env.get(STATE_DIR_ENV)) return;
  try {
    Deno.removeSync(dir);
  } catch {
    // not empty (another run) or already gone
  }
}

/** A run's record, kept up to date while the run holds something. */
export class RunLedger {
  readonly record: RunRecord;
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
    removeIfThere(this.record.journal);
    removeIfThere(this.path);
    tidyStateDir(this.#dir);
  }

  #write(): void {
    writeAtomically(this.#dir, this.path, JSON.stringify(this.record, null, 1));
  }
}

/** What undoing a dead run's journal did. */
export interface RestoreResult {
  undone: number;
  problems: string[];
}

/**
 * Undoes the journal entries of a dead run, one restorer per backend. The
 * skywalk backend's default undoes the entries against the kernel; a backend
 * with more to restore (a lock, other journals) registers its own.
 */
export type JournalRestorer = (record: RunRecord, entries: JournalEntry[]) => RestoreResult;

/** Reverts entries latest first, collecting failures instead of stopping at one. */
export function undoEntries(shim: Shim, entries: readonly JournalEntry[]): RestoreResult {
  const problems: string[] = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    try {
      undoEntry(shim, entries[i]);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return { undone: entries.length - problems.length, problems };
}

/** The sim: entries in the run's own domain vanish with it; in a machine domain they are undone. */
function restoreSim(record: RunRecord, entries: JournalEntry[]): RestoreResult {
  if (record.machine === null) return { undone: 0, problems: [] };
  const shim = Shim.load("sim");
  try {
    shim.envAttach(record.machine);
  } catch (e) {
    // the machine is gone, and the state the entries describe with it
    if (e instanceof SpiError && e.is("ENOENT")) return { undone: 0, problems: [] };
    return { undone: 0, problems: [(e as Error).message] };
  }
  try {
    return undoEntries(shim, entries);
  } finally {
    shim.envDetach();
  }
}

function restoreDirect(record: RunRecord, entries: JournalEntry[]): RestoreResult {
  return undoEntries(Shim.load(record.backend), entries);
}

const restorers = new Map<BackendName, JournalRestorer>([
  ["sim", restoreSim],
  ["skywalk", restoreDirect],
]);

/** Replaces the restorer of a backend (the plug for a backend-specific journal). */
export function setJournalRestorer(backend: BackendName, restorer: JournalRestorer): void {
  restorers.set(backend, restorer);
}

/** What recoverLeftovers did (one line each) and what it could not do. */
export interface RecoveryReport {
  actions: string[];
  problems: string[];
}

/** Cleans up after every run whose process is gone. Cheap when there is nothing to do. */
export function recoverLeftovers(): RecoveryReport {
  const report: RecoveryReport = { actions: [], problems: [] };
  const dir = stateDir();
  let names: string[] = [];
  try {
    const files = [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name);
    reclaimAbandonedClaims(dir, files);
    names = [...Deno.readDirSync(dir)]
      .filter((e) => e.isFile && e.name.endsWith(RECORD_SUFFIX))
      .map((e) => e.name)
      .sort();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      report.problems.push(`cannot read the state directory ${dir}: ${(e as Error).message}`);
    }
  }
  for (const name of names) recoverRun(`${dir}/${name}`, report);
  if (names.length > 0) tidyStateDir(dir);
  sweepSimDomains(report);
  return report;
}

/** Records claimed by a recovery that was itself killed are put back for this one. */
function reclaimAbandonedClaims(dir: string, files: string[]): void {
  for (const name of files) {
    const m = /^(.+\.run\.json)\.(\d+)\.recovering$/.exec(name);
    if (!m || isRunning({ pid: Number(m[2]), started: null })) continue;
    try {
      Deno.renameSync(`${dir}/${name}`, `${dir}/${m[1]}`);
    } catch {
      // another run put it back first
    }
  }
}

function readRecord(path: string, report: RecoveryReport): RunRecord | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return null; // claimed by another run in between
  }
  try {
    const record = JSON.parse(text) as RunRecord;
    if (record.format === 1 && typeof record.process?.pid === "number") return record;
  } catch {
    // fall through
  }
  report.problems.push(`removed the unreadable run record ${path}`);
  removeIfThere(path);
  return null;
}

function readJournal(path: string, report: RecoveryReport): JournalEntry[] {
  try {
    return (JSON.parse(Deno.readTextFileSync(path)) as JournalFile).entries ?? [];
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      report.problems.push(`unreadable journal ${path}: ${(e as Error).message}`);
    }
    return [];
  }
}

function recoverRun(path: string, report: RecoveryReport): void {
  const record = readRecord(path, report);
  if (record === null || isRunning(record.process)) return;
  // claim the record, so that two runs starting together do not both undo it
  const claimed = `${path}.${Deno.pid}.recovering`;
  try {
    Deno.renameSync(path, claimed);
  } catch {
    return;
  }
  const pid = record.process.pid;
  const done: string[] = [];

  const killed: number[] = [];
  for (const child of record.children ?? []) {
    if (!isRunning(child)) continue;
    if (!isVerifiable(child)) {
      report.problems.push(`child pid ${child.pid} of the killed run ${pid} may still be running`);
      continue;
    }
    try {
      Deno.kill(child.pid, "SIGKILL");
      killed.push(child.pid);
    } catch (e) {
      report.problems.push(`could not kill child pid ${child.pid}: ${(e as Error).message}`);
    }
  }
  // a killed process lets go of its channels once it has exited: wait for that
  const until = performance.now() + KILLED_EXIT_WAIT_MS;
  while (record.children.some((c) => killed.includes(c.pid) && isRunning(c))) {
    if (performance.now() > until) break;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  if (killed.length > 0) {
    done.push(`killed its children (pids ${killed.sort((a, b) => a - b).join(", ")})`);
  }

  const entries = readJournal(record.journal, report);
  if (entries.length > 0) {
    const restorer = restorers.get(record.backend) ?? restoreDirect;
    let result: RestoreResult;
    try {
      result = restorer(record, entries);
    } catch (e) {
      result = { undone: 0, problems: [(e as Error).message] };
    }
    if (result.undone > 0) {
      done.push(
        `undid ${result.undone} journal entr${result.undone === 1 ? "y" : "ies"}${
          record.machine ? ` in ${record.machine}` : ""
        }`,
      );
    }
    for (const p of result.problems) report.problems.push(`restoring for run ${pid}: ${p}`);
  }
  if (record.domain !== null && removeDomain(record.domain, report)) {
    done.push(`removed its sim domain ${record.domain}`);
  }
  removeIfThere(record.journal);
  removeIfThere(claimed);
  report.actions.push(
    `run pid ${pid} was killed before its cleanup: ${
      done.length ? done.join("; ") : "nothing left"
    }`,
  );
}

/** Removes a sim domain directory (only ever one named like a domain). */
function removeDomain(path: string, report: RecoveryReport): boolean {
  if (!path.slice(path.lastIndexOf("/") + 1).startsWith(SIM_DOMAIN_PREFIX)) {
    report.problems.push(`refused to remove ${path}: not a sim domain`);
    return false;
  }
  try {
    Deno.removeSync(path, { recursive: true });
    return true;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      report.problems.push(`could not remove ${path}: ${(e as Error).message}`);
    }
    return false;
  }
}

/** skt-sim-<pid>-... (runs) and skt-sim-test-<pid>... (the suite's own domains). */
const DOMAIN_NAME = new RegExp(`^${SIM_DOMAIN_PREFIX}(?:test-)?(\\d+)(?:-|$)`);

/** Domains no record names whose creating process is gone. */
function sweepSimDomains(report: RecoveryReport): void {
  const root = simRoot();
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(root)];
  } catch {
    return;
  }
  const uid = Deno.uid();
  for (const entry of entries) {
    const m = DOMAIN_NAME.exec(entry.name);
    if (!m || !entry.isDirectory) continue;
    const pid = Number(m[1]);
    if (pid === Deno.pid || isRunning({ pid, started: null })) continue;
    const path = `${root}/${entry.name}`;
    try {
      if (uid !== null && Deno.lstatSync(path).uid !== uid) continue;
    } catch {
      continue;
    }
    if (removeDomain(path, report)) {
      report.actions.push(`removed the sim domain ${path} of pid ${pid}, which is gone`);
    }
  }
}
