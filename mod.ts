/**
 * skt as a library: list xnu's netifdirect mptests and run them from a script.
 *
 * @example
 * ```ts
 * import { listTests, runTest } from "./mod.ts";
 * for (const t of listTests()) console.log(t.name);
 * const record = await runTest("netifdirecttxrx", { backend: "sim" });
 * console.log(record.verdict, record.children.map((c) => c.result?.received));
 * ```
 * @module
 */
import { findTest, TESTS } from "./scenarios/table.ts";
import {
  DEFAULT_OPTIONS,
  runMpTest,
  type RunOptions,
  type TestRecord,
} from "./scenarios/driver.ts";
import { UsageError } from "./ffi/errors.ts";
import { logFor, setupLogging } from "./cli/log.ts";

export type { ChildReport, RunOptions, TestRecord, Verdict } from "./scenarios/driver.ts";
export type { ChildResult } from "./scenarios/netifdirect.ts";
export type { BackendName } from "./scenarios/backend.ts";
export {
  EnvironmentError,
  ExitCode,
  ShimLoadError,
  SktError,
  SpiError,
  UsageError,
} from "./ffi/errors.ts";

/** A test of the table, as scripts see it. */
export interface TestInfo {
  name: string;
  description: string;
  /** false for netifdirecttxrxcopymode and netifdirectifadvenable (never run by upstream) */
  upstreamRegistered: boolean;
}

/** The seven tests, in upstream's order. */
export function listTests(): TestInfo[] {
  return TESTS.map(({ name, description, upstreamRegistered }) => ({
    name,
    description,
    upstreamRegistered,
  }));
}

/**
 * Runs one test; resolves to its record (verdict pass / fail / skip) and never
 * rejects for a failing test. Logs go to stderr, child lines prefixed `child N:`.
 */
export async function runTest(
  name: string,
  options: Partial<RunOptions> = {},
): Promise<TestRecord> {
  const test = findTest(name);
  if (!test) throw new UsageError(`unknown test "${name}"`);
  setupLogging(options.verbose ?? false);
  const writeLine = (line: string) => console.error(line);
  return await runMpTest(test, { ...DEFAULT_OPTIONS, ...options }, {
    log: logFor("driver"),
    writeLine,
  });
}
