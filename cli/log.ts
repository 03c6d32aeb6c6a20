/**
 * Logging: LogTape, every record to stderr (stdout belongs to the sequencer
 * and to results). Records are written synchronously so that a child killed
 * mid-run has already shown everything it logged.
 */
import { writeAllSync } from "../scenarios/machine/os.ts";
import { configureSync, type LogRecord, resetSync, type Sink } from "@logtape/logtape";

export { logFor } from "../scenarios/log.ts";

/** Renders a record as its message only: the lines compare with the Mac's logs. */
function renderMessage(record: LogRecord): string {
  return record.message.map((part) => typeof part === "string" ? part : String(part)).join("");
}

const stderrSink: Sink = (record) => writeAllSync(Deno.stderr, renderMessage(record) + "\n");

/** Configures LogTape once per process; verbose adds upstream's debug lines. */
export function setupLogging(verbose: boolean): void {
  resetSync();
  configureSync({
    sinks: { stderr: stderrSink },
    loggers: [
      { category: ["skt"], lowestLevel: verbose ? "debug" : "info", sinks: ["stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}
