/** JSON Lines: one RunRecord per line (schema in docs/reports.md). */
import type { RunRecord } from "../record.ts";

/** One record as one line, newline included. */
export function jsonLine(record: RunRecord): string {
  return JSON.stringify(record) + "\n";
}

/** A whole report. */
export function toJsonLines(records: readonly RunRecord[]): string {
  return records.map(jsonLine).join("");
}
