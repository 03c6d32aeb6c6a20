/**
 * The log interface every layer writes to (a shared leaf), and a Log over a
 * LogTape category. Configuring LogTape (sinks, levels) is the CLI's job
 * (cli/log.ts): a script that uses the library decides where records go.
 */
import { getLogger } from "@logtape/logtape";

/** Where log lines go (T_LOG is info; SKT_NETIF_DIRECT_DEBUG lines are debug). */
export interface Log {
  info(message: string): void;
  debug(message: string): void;
  /** false when debug lines are discarded, so per-frame code can skip formatting them */
  readonly debugEnabled?: boolean;
}

/** A Log over the LogTape category `skt.<category>`; messages are plain text, never templates. */
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
