/**
 * Recovery: every run starts with recoverLeftovers(). For each run record
 * (ledger.ts) whose process is gone it kills the children still running,
 * undoes the journal through the backend's restorer, and removes the sim
 * domain. Sim domains of dead processes that no record names (killed before
 * the record was written, or made by another tool version) are removed too.
 */
import { sleepSync } from "./os.ts";
import { Shim } from "../../ffi/spi.ts";
import { SpiError } from "../../ffi/errors.ts";
import type { BackendName } from "../../ffi/loader.ts";
import { SIM_DOMAIN_PREFIX, simRoot, stateDir } from "./env.ts";
import { type JournalEntry, type JournalTarget, parseJournal, undoEntry } from "./journal.ts";
import { HOST_ONLY_TARGET, sweepRunNetns } from "./veth.ts";
import { type LedgerRecord, RECORD_SUFFIX } from "./ledger.ts";
import { isRunning, isVerifiable } from "./processes.ts";
import { removeIfPresent, tidyStateDir } from "./state_files.ts";

/** How long recovery waits for the children it killed to exit. */
const KILLED_EXIT_WAIT_MS = 2000;

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
export type JournalRestorer = (record: LedgerRecord, entries: JournalEntry[]) => RestoreResult;

/** Reverts entries latest first, collecting failures instead of stopping at one. */
export function undoEntries(shim: JournalTarget, entries: readonly JournalEntry[]): RestoreResult {
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
function restoreSim(record: LedgerRecord, entries: JournalEntry[]): RestoreResult {
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

function restoreDirect(record: LedgerRecord, entries: JournalEntry[]): RestoreResult {
  return undoEntries(Shim.load(record.backend), entries);
}

const restorers = new Map<BackendName, JournalRestorer>([
  ["sim", restoreSim],
  ["skywalk", restoreDirect],
  // afxdp: namespaces, a file and a directory; undone without the shim (veth.ts)
  ["afxdp", (_record, entries) => undoEntries(HOST_ONLY_TARGET, entries)],
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
  const netns = sweepRunNetns(Deno.pid);
  report.actions.push(...netns.actions);
  report.problems.push(...netns.problems);
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

function readRecord(path: string, report: RecoveryReport): LedgerRecord | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return null; // claimed by another run in between
  }
  try {
    const record = JSON.parse(text) as LedgerRecord;
    if (record.format === 1 && typeof record.process?.pid === "number") return record;
  } catch {
    // fall through
  }
  report.problems.push(`removed the unreadable run record ${path}`);
  removeIfPresent(path);
  return null;
}

function readJournal(path: string, report: RecoveryReport): JournalEntry[] {
  try {
    return parseJournal(Deno.readTextFileSync(path), path).entries;
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
    sleepSync(10);
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
  removeIfPresent(record.journal);
  removeIfPresent(claimed);
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
