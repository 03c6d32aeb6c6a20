/** One line to stderr, written directly: errors, a child's log lines, anything before logging is set up. */
import { writeAllSync } from "../scenarios/machine/os.ts";

/** Writes `message` and a newline to stderr. */
export function printError(message: string): void {
  writeAllSync(Deno.stderr, message + "\n");
}
