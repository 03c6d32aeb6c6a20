/** Report files of the CLI: opened before anything runs, written whole, errors in a few words. */
import { UsageError } from "../ffi/errors.ts";

export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Why a report file cannot be written, in a few words. */
export function whyUnwritable(e: unknown, path: string): string {
  if (e instanceof Deno.errors.NotFound) {
    const folder = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : ".";
    return exists(folder) ? "the system refused to create it there" : "its folder does not exist";
  }
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.IsADirectory) return "it is a folder";
  return (e as Error)?.message ?? String(e);
}

/**
 * Opens a report file before anything runs, so that a typo in its path costs
 * a usage error rather than a whole sweep's results.
 */
export function openReport(flag: string, path: string, truncate: boolean): Deno.FsFile {
  try {
    return Deno.openSync(path, { write: true, create: true, truncate });
  } catch (e) {
    throw new UsageError(`cannot write the ${flag} report to "${path}": ${whyUnwritable(e, path)}`);
  }
}
