/**
 * The two sides of a comparison: JSON Lines files of run records read and
 * checked (a line that is not a record makes the file unreadable), and the
 * checks that they can be compared at all. Different backends, packet counts
 * or batch sizes measure different things: refused, naming the difference.
 * Different skt versions or machines compare, with a warning that says so.
 */
import { UsageError } from "../../ffi/errors.ts";
import type { RunRecord } from "./record.ts";

/** Parses a JSON Lines report; `what` names the file in errors ("the baseline"). */
export function parseRecords(text: string, what: string): RunRecord[] {
  const records: RunRecord[] = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      throw new UsageError(`${what}: line ${i + 1} is not JSON`);
    }
    const why = notARecord(r);
    if (why) throw new UsageError(`${what}: line ${i + 1} is not a run record (${why})`);
    records.push(r as RunRecord);
  }
  if (records.length === 0) throw new UsageError(`${what} has no run records`);
  return records;
}

function notARecord(r: unknown): string | null {
  if (typeof r !== "object" || r === null) return "not an object";
  const o = r as Record<string, unknown>;
  if (o.schema !== 1) return `schema ${JSON.stringify(o.schema)}, this skt reads 1`;
  if (typeof o.test !== "string") return "no test name";
  if (!["pass", "fail", "skip"].includes(o.verdict as string)) return "no verdict";
  if (typeof o.backend !== "string") return "no backend";
  for (const k of ["packets", "batch", "durationMs", "drops", "iteration"]) {
    if (typeof o[k] !== "number") return `no number ${k}`;
  }
  if (typeof o.events !== "object" || o.events === null) return "no events";
  return null;
}

/** Reads a JSON Lines report; an unreadable file is a usage error (exit 2). */
export function readRecords(path: string, what: string): RunRecord[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : e instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : e instanceof Deno.errors.IsADirectory
      ? "it is a folder"
      : (e as Error).message;
    throw new UsageError(`cannot read ${what} "${path}": ${why}`);
  }
  return parseRecords(text, `${what} "${path}"`);
}

function values<T>(records: readonly RunRecord[], pick: (r: RunRecord) => T): T[] {
  return [...new Set(records.map(pick))];
}

const show = (xs: readonly unknown[]) => xs.map((x) => x ?? "unknown").join(", ");

type Setup = Pick<RunRecord, "backend" | "packets" | "batch">;

/** Refuses runs that measure different things: UsageError (exit 2) naming the difference. */
export function checkSameSetup(baseline: readonly Setup[], current: readonly Setup[]): void {
  const refuse: [string, (r: Setup) => unknown][] = [
    ["backend", (r) => r.backend],
    ["packet count", (r) => r.packets],
    ["batch size", (r) => r.batch],
  ];
  for (const [name, pick] of refuse) {
    const a = [...new Set(baseline.map(pick))], b = [...new Set(current.map(pick))];
    if (a.length !== 1 || b.length !== 1 || a[0] !== b[0]) {
      throw new UsageError(
        `the runs differ in ${name}: the baseline has ${show(a)}, the new runs ${show(b)}`,
      );
    }
  }
}

/**
 * Refuses records that measure different things (UsageError, exit 2) and
 * returns warnings for differences that still compare (skt version, machine).
 */
export function checkComparable(
  baseline: readonly RunRecord[],
  current: readonly RunRecord[],
): string[] {
  checkSameSetup(baseline, current);
  const warn: [string, (r: RunRecord) => unknown][] = [
    ["skt version", (r) => r.skt],
    ["machine", (r) => r.machine],
  ];
  const warnings: string[] = [];
  for (const [name, pick] of warn) {
    const a = values(baseline, pick), b = values(current, pick);
    if (a.length !== b.length || a.some((x) => !b.includes(x))) {
      warnings.push(`the runs differ in ${name}: the baseline ${show(a)}, the new runs ${show(b)}`);
    }
  }
  return warnings;
}
