/** File helpers of the state directory: one place for each. */
import { EnvironmentError } from "../../ffi/errors.ts";
import { STATE_DIR_ENV } from "./env.ts";

/** Creates the state directory (0700) and checks it belongs to this user. */
export function ensureStateDir(dir: string): void {
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = Deno.lstatSync(dir);
  const uid = Deno.uid();
  if (!st.isDirectory || (uid !== null && st.uid !== null && st.uid !== uid)) {
    throw new EnvironmentError(
      `the state directory ${dir} is not a directory of this user; set ${STATE_DIR_ENV}`,
    );
  }
}

/** Writes a file whole (temporary file, then rename), recreating the directory once if it vanished. */
export function writeAtomically(dir: string, path: string, text: string): void {
  for (let attempt = 0;; attempt++) {
    try {
      Deno.writeTextFileSync(`${path}.tmp`, text);
      Deno.renameSync(`${path}.tmp`, path);
      return;
    } catch (e) {
      // another run removed the (then empty) state directory in between
      if (!(e instanceof Deno.errors.NotFound) || attempt > 0) throw e;
      ensureStateDir(dir);
    }
  }
}

/** Removes a file or directory; one that is already gone is fine. */
export function removeIfPresent(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** A file's text, or null when there is no file. */
export function readTextIfPresent(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Whether a regular file is at path. */
export function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Removes the default state directory when no run uses it any more (fails
 * harmlessly otherwise). A directory named by SKT_STATE_DIR is the user's: kept.
 */
export function tidyStateDir(dir: string): void {
  if (Deno.env.get(STATE_DIR_ENV)) return;
  try {
    Deno.removeSync(dir);
  } catch {
    // not empty (another run) or already gone
  }
}
