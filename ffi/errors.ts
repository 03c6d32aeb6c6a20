/**
 * Typed errors of the FFI layer.
 *
 * Every error a user can meet carries the process exit code the CLI uses for it,
 * so that the CLI prints one sentence and exits with a distinct status.
 */
import { constants } from "node:os";

/** Exit codes shared by the CLI and the library (documented in the README). */
export const ExitCode = {
  pass: 0,
  fail: 1,
  usage: 2,
  environment: 3,
  nothingRan: 4,
} as const;
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** Base class: an error with a one-sentence message and an exit code. */
export class SktError extends Error {
  override name = "SktError";
  constructor(message: string, readonly exitCode: ExitCode, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Bad input from the user (unknown test, bad number...). */
export class UsageError extends SktError {
  override name = "UsageError";
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** The machine can't run what was asked (no shim, no privilege, no kernel feature). */
export class EnvironmentError extends SktError {
  override name = "EnvironmentError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.environment, options);
  }
}

/** The shim library could not be found or loaded. */
export class ShimLoadError extends EnvironmentError {
  override name = "ShimLoadError";
}

const errnoNames = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value as number, name]),
);

/** The name of an errno value on this platform ("ENOENT"), or "errno N". */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** The platform's value of an errno name, for comparisons with SpiError.errno. */
export function errno(name: keyof typeof constants.errno): number {
  return constants.errno[name];
}

/** A Skywalk SPI call failed; errno is positive (the shim returns -errno). */
export class SpiError extends SktError {
  override name = "SpiError";
  constructor(readonly op: string, readonly errno: number, detail: string) {
    super(
      `${op} failed: ${errnoName(errno)}${detail ? ` (${detail})` : ""}`,
      ExitCode.fail,
    );
  }
  /** True when errno is the named one, e.g. `e.is("ENOMEM")`. */
  is(name: keyof typeof constants.errno): boolean {
    return this.errno === constants.errno[name];
  }
}
