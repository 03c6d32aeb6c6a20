/**
 * A worker that ends its child process when the parent driver is gone (killed
 * with SIGKILL, say): the child's send/receive loop is synchronous and cannot
 * look itself, and nobody would ever read its results. Started by child.ts.
 */

const POLL_MS = 200;
const parent = Deno.ppid;

setInterval(() => {
  try {
    process.kill(parent, 0); // existence check only
  } catch {
    try {
      const note = `child (pid ${Deno.pid}): the parent (pid ${parent}) is gone: exiting\n`;
      Deno.stderr.writeSync(new TextEncoder().encode(note));
    } catch {
      // stderr was the parent's pipe: most likely broken now
    }
    Deno.kill(Deno.pid, "SIGTERM");
  }
}, POLL_MS);
