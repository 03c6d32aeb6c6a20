/**
 * Logging: LogTape, every record to stderr (stdout belongs to the sequencer
 * and to results). Records are written synchronously so that a child killed
 * mid-run has already shown everything it logged.
 */
import { configureSync, getLogger, type LogRecord, resetSync, type Sink } from "@logtape/logtape";
import type { Log } from "../scenarios/netifdirect.ts";

const encoder = new TextEncoder();

function writeAllSync(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += Deno.stderr.writeSync(bytes.subarray(off));
}

/** Renders a record as its message only: the lines compare with the Mac's logs. */
function renderMessage(record: LogRecord): string {
  return record.message.map((part) => typeof part === "string" ? part : String(part)).join("");
}

const stderrSink: Sink = (record) => writeAllSync(encoder.encode(renderMessage(record) + "\n"));

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

/** A Log over a LogTape category; messages are plain text, never templates. */
export function logFor(...category: string[]): Log {
  const logger = getLogger(["skt", ...category]);
  return {
    info: (message) => logger.info("{text}", { text: message }),
    debug: (message) => logger.debug("{text}", { text: message }),
    get debugEnabled() {
      return logger.isEnabledFor("debug");
    },
  };
}

/** Writes a line to stderr directly (errors before logging is set up). */
export function printError(message: string): void {
  writeAllSync(encoder.encode(message + "\n"));
}
