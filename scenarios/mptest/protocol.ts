/**
 * The ready/go protocol between the driver and its children (both import it):
 * the child writes one ready byte on stdout, the parent answers one go byte on
 * the child's stdin and closes it; at exit the child writes its ChildMessage as
 * the last JSON line on stdout.
 */
import type { ChildResult } from "../netifdirect/defs.ts";

/** skywalk_mptest_driver's ready byte (a child to the parent). */
export const READY_BYTE = 0x00;
/** The go byte (the parent to a child); upstream ignores its value. */
export const GO_BYTE = 0x00;

/** What the children report on stdout at exit. */
export type ChildMessage = { ok: true; result: ChildResult } | { ok: false; error: string };

export function isChildMessage(m: unknown): m is ChildMessage {
  const o = m as Record<string, unknown> | null;
  return typeof o === "object" && o !== null &&
    (o.ok === true ? typeof o.result === "object" && o.result !== null : o.ok === false);
}
