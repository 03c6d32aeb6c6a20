/**
 * One child process of an mptest as the parent sees it: spawned with
 * Deno.Command, its stderr shown line by line with a `child N:` prefix, its
 * stdout carrying the sequencer (one ready byte 0x00) and then its result.
 */

import { writeAllSync } from "../machine/os.ts";
import { GO_BYTE, READY_BYTE } from "./protocol.ts";

export interface ChildCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** What happened at the ready barrier. */
export type ReadyState = "ready" | "eof" | "garbage";

export class ChildProc {
  readonly proc: Deno.ChildProcess;
  readonly status: Promise<Deno.CommandStatus>;
  exited: Deno.CommandStatus | null = null;
  /** when its exit was seen (performance.now()), to tell which failure came first */
  exitedAt = Infinity;
  /** why the parent signalled this child, if it did */
  killedBecause: string | null = null;
  /** the first byte it sent, when it was not the ready byte */
  garbage: number | null = null;
  readonly #stdout: ReadableStreamDefaultReader<Uint8Array>;
  readonly #afterReady: Uint8Array[] = [];
  readonly #stdoutDone: Promise<void>;
  readonly #stderrDone: Promise<void>;
  #readyState: Promise<ReadyState>;
  #killTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly index: number, cmd: ChildCommand, writeLine: (line: string) => void) {
    this.proc = new Deno.Command(cmd.command, {
      args: cmd.args,
      env: cmd.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.status = this.proc.status.then((s) => {
      this.exited = s;
      this.exitedAt = performance.now();
      clearTimeout(this.#killTimer);
      // a child that never got its go byte still holds our end of its stdin
      void this.closeStdin();
      return s;
    });
    this.#stdout = this.proc.stdout.getReader();
    let resolveReady!: (s: ReadyState) => void;
    this.#readyState = new Promise((r) => resolveReady = r);
    this.#stdoutDone = this.#pumpStdout(resolveReady);
    this.#stderrDone = this.#pumpStderr(writeLine);
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Resolves when the child sent its first byte or closed stdout. */
  ready(): Promise<ReadyState> {
    return this.#readyState;
  }

  async #pumpStdout(resolveReady: (s: ReadyState) => void): Promise<void> {
    let first = true;
    try {
      while (true) {
        const { value, done } = await this.#stdout.read();
        if (done) break;
        if (value.length === 0) continue;
        if (first) {
          first = false;
          if (value[0] !== READY_BYTE) {
            // kept whole: it may be a result line (a child that failed before ready)
            this.garbage = value[0];
            resolveReady("garbage");
            this.#afterReady.push(value);
          } else {
            resolveReady("ready");
            this.#afterReady.push(value.subarray(1));
          }
        } else {
          this.#afterReady.push(value);
        }
      }
    } catch {
      // the pipe broke: the child is gone
    }
    resolveReady("eof");
  }

  async #pumpStderr(writeLine: (line: string) => void): Promise<void> {
    // one decoder per stream: a multi-byte character may straddle two chunks
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for await (const chunk of this.proc.stderr) {
        pending += decoder.decode(chunk, { stream: true });
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) writeLine(`child ${this.index}: ${line}`);
      }
    } catch {
      // the pipe broke: the child is gone
    }
    if (pending) writeLine(`child ${this.index}: ${pending}`);
  }

  /** Writes the go byte and closes the child's stdin (as upstream closes its end). */
  sendGo(): Promise<boolean> {
    return sendGoToAll([this]).then(([ok]) => ok);
  }

  /** Closes stdin without a go byte (the run is being abandoned). */
  async closeStdin(): Promise<void> {
    try {
      await this.proc.stdin.close();
    } catch {
      // already closed or the child is gone
    }
  }

  /** SIGTERM now, SIGKILL after graceMs if it is still there. */
  terminate(reason: string, graceMs: number): void {
    if (this.exited) return;
    this.killedBecause ??= reason;
    this.#signal("SIGTERM");
    this.#killTimer = setTimeout(() => this.#signal("SIGKILL"), graceMs);
  }

  #signal(signal: Deno.Signal): void {
    if (this.exited) return;
    try {
      this.proc.kill(signal);
    } catch {
      // it exited in between
    }
  }

  /**
   * After exit: the last line it wrote after the ready byte, parsed as JSON;
   * `text` keeps that line when it is not JSON (what the child sent instead).
   */
  async result<T>(): Promise<{ message: T | null; text: string }> {
    await Promise.all([this.#stdoutDone, this.#stderrDone]);
    const text = new TextDecoder().decode(concat(this.#afterReady)).trim().split("\n").pop() ?? "";
    if (!text) return { message: null, text };
    try {
      const message = JSON.parse(text);
      return { message: typeof message === "object" && message !== null ? message : null, text };
    } catch {
      return { message: null, text };
    }
  }
}

/**
 * The go byte to every child back to back, as upstream's loop writes them: the
 * writers are taken first, then each write is started with nothing in between
 * (a stream's write reaches the pipe within the call), so no child starts its
 * transfer while the parent is still on its way to the next one's pipe. Then
 * each stdin is closed (as upstream closes its end); false for a child that is gone.
 */
export function sendGoToAll(children: readonly ChildProc[]): Promise<boolean[]> {
  const go = new Uint8Array([GO_BYTE]);
  const writers = children.map((c) => c.proc.stdin.getWriter());
  const writes = writers.map((w) => w.write(go));
  return Promise.all(writers.map(async (writer, i) => {
    try {
      await writes[i];
      await writer.close();
      return true;
    } catch {
      // the child is gone: drop the pipe rather than keep it locked and open
      await writer.abort().catch(() => {});
      return false;
    }
  }));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Writes text to stdout completely (the child's side of the sequencer). */
export function writeStdoutSync(bytes: Uint8Array | string): void {
  writeAllSync(Deno.stdout, bytes);
}
