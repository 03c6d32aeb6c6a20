/**
 * Whether a process recorded by an earlier run is still that process. A pid
 * alone can be reused, so on Linux the process start time
 * (/proc/<pid>/stat field 22) is recorded with it and compared.
 */
import { pidIsAlive } from "./os.ts";

/** A process as a run records it: pid plus start time (null where /proc is missing). */
export interface ProcessId {
  pid: number;
  started: string | null;
}

interface Stat {
  state: string;
  started: string;
}

function readStat(pid: number): Stat | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // the command name (field 2) may hold spaces and parentheses: split after its last ')'
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0], started: fields[19] };
}

let procFs: boolean | null = null;
function hasProcFs(): boolean {
  if (procFs === null) procFs = readStat(Deno.pid) !== null;
  return procFs;
}

/** The identity of a running process (its start time when /proc has it). */
export function identify(pid: number): ProcessId {
  return { pid, started: hasProcFs() ? readStat(pid)?.started ?? null : null };
}

/** True while the recorded process runs (a zombie has finished; a reused pid is another one). */
export function isRunning(id: ProcessId): boolean {
  if (id.pid <= 0) return false;
  if (hasProcFs()) {
    const stat = readStat(id.pid);
    if (stat === null || stat.state === "Z" || stat.state === "X") return false;
    return id.started === null || stat.started === id.started;
  }
  return pidIsAlive(id.pid);
}

/** True when the identity can be checked (so a signal cannot hit an unrelated process). */
export function isVerifiable(id: ProcessId): boolean {
  return id.started !== null && hasProcFs();
}
