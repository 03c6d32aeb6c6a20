/**
 * End-to-end wall times, with upstream's pacing (the default --pace-us 1):
 * one `deno task run netifdirecttxrx` from process start to its verdict line,
 * and `skt run` of all seven tests from process start to exit.
 */
import { TESTS } from "../../scenarios/netifdirect/table.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const decoder = new TextDecoder();

export interface Timed {
  /** process start to the verdict line (or to exit when there is none) */
  ms: number;
  passed: boolean;
  /** the result lines it printed */
  lines: string[];
}

/** Spawns a command in the project root and times it until the last expected verdict line. */
async function timeCommand(args: string[], verdicts: number): Promise<Timed> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines: string[] = [];
  let verdictAt = 0;
  let pending = "";
  for await (const chunk of child.stdout) {
    pending += decoder.decode(chunk, { stream: true });
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const line of parts) {
      if (/ (PASS|FAIL|SKIP) /.test(line)) {
        lines.push(line);
        if (lines.length === verdicts) verdictAt = performance.now();
      }
    }
  }
  const status = await child.status;
  const end = verdictAt || performance.now();
  const passed = status.success && lines.length === verdicts &&
    lines.every((l) => / (PASS|SKIP) /.test(l)) && lines.some((l) => / PASS /.test(l));
  return { ms: end - started, passed, lines };
}

/** `deno task run netifdirecttxrx` (its build step is a no-op when the shim is up to date). */
export function oneTest(backend = "sim"): Promise<Timed> {
  return timeCommand(["task", "-q", "run", "netifdirecttxrx", "--backend", backend], 1);
}

/** `deno run -A cli/main.ts run` with the seven names. */
export function sevenTests(backend = "sim"): Promise<Timed> {
  return timeCommand(
    ["run", "--allow-all", "cli/main.ts", "run", ...TESTS.map((t) => t.name), "--backend", backend],
    TESTS.length,
  );
}
