/**
 * Typed errors of the FFI layer.
 *
 * Every error a user can meet carries the process exit code the CLI uses for it,
 * so that the CLI prints one sentence and exits with a distinct status.
 */
// type only: node:os itself is loaded on first use (errnoTable), not at start-up,
// where Node's compatibility layer would cost every child process about 10 ms
import type { constants } from "node:os";

/** Exit codes shared by the CLI and the library (documented in the README). */
export const ExitCode = {
  pass: 0,
  fail: 1,
  usage: 2,
  environment: 3,
  nothingRan: 4,
} as const;
/** One of the exit codes of {@link ExitCode}. */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** Base class: an error with a one-sentence message and an exit code. */
export class SktError extends Error {
  /** The class's name, as in `SktError: ...`. */
  override name = "SktError";
  /**
   * An error the CLI reports as one line and a distinct exit status.
   *
   * @param message one sentence, shown to the user as `skt: MESSAGE`
   * @param exitCode the process exit status this error ends the CLI with
   * @param options the underlying error as `cause`, if any
   */
  constructor(message: string, readonly exitCode: ExitCode, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Bad input from the user (unknown test, bad number...). */
export class UsageError extends SktError {
  /** The class's name. */
  override name = "UsageError";
  /**
   * A usage error (exit status 2).
   *
   * @param message one sentence saying what was wrong with the input
   */
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** The machine can't run what was asked (no shim, no privilege, no kernel feature). */
export class EnvironmentError extends SktError {
  /** The class's name. */
  override name = "EnvironmentError";
  /**
   * An environment error (exit status 3).
   *
   * @param message one sentence saying what the machine lacks
   * @param options the underlying error as `cause`, if any
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.environment, options);
  }
}

/** The shim library could not be found or loaded. */
export class ShimLoadError extends EnvironmentError {
  /** The class's name. */
  override name = "ShimLoadError";
}

type ErrnoName = keyof typeof constants.errno;
let errnoValues: typeof constants.errno | undefined;
let errnoNames: Map<number, string> | undefined;

/** This platform's errno constants (node:os), loaded on first use. */
function errnoTable(): typeof constants.errno {
  errnoValues ??= process.getBuiltinModule("node:os").constants.errno;
  return errnoValues;
}

/** The name of an errno value on this platform ("ENOENT"), or "errno N". */
export function errnoName(errno: number): string {
  errnoNames ??= new Map(
    Object.entries(errnoTable()).map(([name, value]) => [value as number, name]),
  );
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** The platform's value of an errno name, for comparisons with SpiError.errno. */
export function errno(name: ErrnoName): number {
  return errnoTable()[name];
}

/** A Skywalk SPI call failed; errno is positive (the shim returns -errno). */
export class SpiError extends SktError {
  /** The class's name. */
  override name = "SpiError";
  /**
   * A failed SPI call (exit status 1: the test fails).
   *
   * @param op the SPI call that failed, e.g. "os_channel_create"
   * @param errno the positive errno it failed with
   * @param detail what was being done, appended in parentheses (may be empty)
   */
  constructor(readonly op: string, readonly errno: number, detail: string) {
    super(
      `${op} failed: ${errnoName(errno)}${detail ? ` (${detail})` : ""}`,
      ExitCode.fail,
    );
  }
  /** True when errno is the named one, e.g. `e.is("ENOMEM")`. */
  is(name: ErrnoName): boolean {
    return this.errno === errno(name);
  }
}
