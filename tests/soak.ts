/**
 * `deno task soak [ITERATIONS]` (not part of `deno task test`): the full
 * seven-test run ITERATIONS times (default 50) on sim, in this process through
 * the driver, then a check that this process's file descriptors, the sim
 * domains and run records it made, and its child processes are back to where
 * they started.
 *
 * The first sweep is a warm-up: Deno opens some plumbing of its own (signal
 * and child-process handling) on first use, so the counts after it are the
 * baseline the later sweeps must return to; the count before it is printed too.
 */
import { TESTS } from "../scenarios/netifdirect/table.ts";
import { DEFAULT_OPTIONS, runMpTest } from "../scenarios/mptest/parent.ts";
import { domainsOf, recordsOf } from "./leftovers.ts";

interface Snapshot {
  fds: number;
  domains: number;
  records: number;
  children: number;
}

function fdCount(): number {
  const dir = Deno.build.os === "linux" ? "/proc/self/fd" : "/dev/fd";
  return [...Deno.readDirSync(dir)].length;
}

/** Processes whose parent is this one (Linux /proc). */
function childProcesses(): number {
  let n = 0;
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === Deno.pid) n++;
    } catch {
      // exited while we looked
    }
  }
  return n;
}

function snapshot(): Snapshot {
  return {
    fds: fdCount(),
    domains: domainsOf(Deno.pid).length,
    records: recordsOf(Deno.pid).length,
    children: Deno.build.os === "linux" ? childProcesses() : 0,
  };
}

const quiet = { info: () => {}, debug: () => {} };

/** One sweep of the seven tests; returns [passed, failed] and prints failures. */
async function sweep(iteration: number): Promise<[number, number]> {
  let passed = 0;
  let failed = 0;
  for (const test of TESTS) {
    const record = await runMpTest(test, { ...DEFAULT_OPTIONS, backend: "sim" }, {
      log: quiet,
      writeLine: () => {},
    });
    if (record.verdict === "pass") passed++;
    else {
      failed++;
      console.log(`soak: sweep ${iteration}: ${test.name} ${record.verdict}: ${record.reason}`);
    }
  }
  return [passed, failed];
}

const iterations = Number(Deno.args[0] ?? 50);
if (!Number.isInteger(iterations) || iterations < 2) {
  console.error("usage: deno task soak [ITERATIONS >= 2]");
  Deno.exit(2);
}

const started = performance.now();
const before = snapshot();
let passed = 0;
let failed = 0;
let baseline = before;
for (let i = 1; i <= iterations; i++) {
  const [p, f] = await sweep(i);
  passed += p;
  failed += f;
  await new Promise((r) => setTimeout(r, 0));
  const now = snapshot();
  if (i === 1) baseline = now;
  if (i === 1 || i % 10 === 0 || i === iterations) {
    const s = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `soak: sweep ${i}/${iterations} (${s} s): ${passed} passed, ${failed} failed; ` +
        `fds ${now.fds}, sim domains ${now.domains}, run records ${now.records}, children ${now.children}`,
    );
  }
}
const after = snapshot();
const seconds = (performance.now() - started) / 1000;
const leaks = (Object.keys(after) as (keyof Snapshot)[])
  .filter((k) => after[k] !== baseline[k] || (k !== "fds" && after[k] !== 0));
console.log(
  `soak: ${iterations} x ${TESTS.length} tests on sim in ${seconds.toFixed(1)} s ` +
    `(${(seconds / iterations).toFixed(2)} s a sweep): ${passed} passed, ${failed} failed; ` +
    `fds ${before.fds} before, ${baseline.fds} after the first sweep, ${after.fds} at the end; ` +
    `sim domains ${after.domains}, run records ${after.records}, child processes ${after.children}` +
    (leaks.length ? `; NOT BACK: ${leaks.join(", ")}` : "; all back"),
);
Deno.exit(failed > 0 || leaks.length > 0 ? 1 : 0);
