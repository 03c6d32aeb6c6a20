/** `skt child NAME INDEX`: one child process of a test (started by the driver). */
import { findTest } from "../scenarios/netifdirect/table.ts";
import { childMain } from "../scenarios/mptest/child.ts";
import type { BackendName } from "../scenarios/machine/backend.ts";
import type { Log } from "../scenarios/log.ts";
import { UsageError } from "../ffi/errors.ts";

export interface ChildArgs {
  test: string;
  index: number;
  backend: BackendName;
  packets: number;
  batch: number;
  paceUs: number;
}

export async function childCommand(args: ChildArgs, log: Log): Promise<number> {
  const test = findTest(args.test);
  if (!test) throw new UsageError(`unknown test "${args.test}"`);
  if (args.index >= test.nchildren) {
    throw new UsageError(
      `${test.name} has ${test.nchildren} children; there is no child ${args.index}`,
    );
  }
  return await childMain(test, args.index, { ...args, log });
}
