/**
 * Sweep progress on stderr. On a terminal: one live line (run, test,
 * iteration, elapsed, ETA) redrawn in place, with failures and skips left
 * above it. Otherwise (CI logs, pipes): one plain line per finished run.
 * Colour only on a terminal, and never when NO_COLOR is set.
 */
import { runLabel, type RunRecord } from "../record.ts";

const CLEAR_LINE = "\r\x1b[2K";
const COLORS = { pass: "\x1b[32m", fail: "\x1b[31m", skip: "\x1b[33m" } as const;
const RESET = "\x1b[0m";

export interface ProgressOptions {
  /** runs in the plan */
  total: number;
  /** draw a live line (stderr is a terminal) */
  tty: boolean;
  /** colour the verdicts */
  color: boolean;
  /** writes text to stderr as is */
  write: (text: string) => void;
  /** terminal width, to keep the live line on one row */
  columns?: () => number;
  /** ms; how often the live line's clock is redrawn (0: only on events) */
  refreshMs?: number;
  now?: () => number;
}

/** "4.2s", or "2:05" from a minute on. */
export function formatSeconds(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export class Progress {
  readonly #o: ProgressOptions;
  readonly #now: () => number;
  readonly #started: number;
  #done = 0;
  /** wall time of the finished runs, spawn and cleanup included: what ETA extrapolates */
  #doneWallMs = 0;
  #current: { label: string; index: number; started: number } | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #liveShown = false;

  constructor(options: ProgressOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
    const refresh = options.refreshMs ?? 500;
    if (options.tty && refresh > 0) {
      const timer = setInterval(() => this.#draw(), refresh);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** A run starts. */
  start(record: { test: string; iteration: number }, index: number): void {
    this.#current = { label: runLabel(record), index, started: this.#now() };
    this.#draw();
  }

  /** A run finished. */
  finish(record: RunRecord, index: number): void {
    const started = this.#current?.started ?? this.#now();
    this.#doneWallMs += this.#now() - started;
    this.#done++;
    this.#current = null;
    const line = `${this.#counter(index)} ${runLabel(record)} ${this.#verdict(record)}`;
    if (!this.#o.tty || record.verdict !== "pass") this.print([line]);
    else this.#draw();
  }

  /** Writes whole lines to stderr above the live line. */
  print(lines: readonly string[]): void {
    if (lines.length === 0) return;
    this.#clear();
    this.#o.write(lines.map((l) => l + "\n").join(""));
    this.#draw();
  }

  /** Runs `write` with the live line out of the way (for stdout on the same terminal). */
  around(write: () => void): void {
    this.#clear();
    write();
    this.#draw();
  }

  /** Removes the live line and stops its clock. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#current = null;
    this.#clear();
  }

  #counter(index: number): string {
    const width = String(this.#o.total).length;
    return `[${String(index + 1).padStart(width)}/${this.#o.total}]`;
  }

  #verdict(r: RunRecord): string {
    const word = r.verdict.toUpperCase();
    const colored = this.#o.color ? `${COLORS[r.verdict]}${word}${RESET}` : word;
    // one run, one line: a reason may hold newlines
    const reason = (r.reason ?? "").replace(/\s*[\r\n]+\s*/g, " ");
    if (r.verdict === "skip") return `${colored}: ${reason}`;
    const pps = r.pps === null ? "" : `, ${r.pps} pps`;
    const strict = r.strict ? ` (strict ${r.strict.verdict.toUpperCase()})` : "";
    const head = `${colored}${strict} in ${formatSeconds(r.durationMs)}${pps}`;
    const timing = this.#o.tty ? "" : ` (${this.#timing()})`;
    return r.verdict === "fail" ? `${head}${timing}: ${reason}` : `${head}${timing}`;
  }

  /** "elapsed 4.2s, ETA 9.1s" (ETA from the mean wall time of the finished runs). */
  #timing(): string {
    const now = this.#now();
    const elapsed = now - this.#started;
    if (this.#done === 0) return `elapsed ${formatSeconds(elapsed)}, ETA -`;
    const remaining = this.#o.total - this.#done;
    const inCurrent = this.#current ? now - this.#current.started : 0;
    const eta = (this.#doneWallMs / this.#done) * remaining - inCurrent;
    return `elapsed ${formatSeconds(elapsed)}, ETA ${formatSeconds(eta)}`;
  }

  #draw(): void {
    if (!this.#o.tty || !this.#current) return;
    const text = `${this.#counter(this.#current.index)} ${this.#current.label}  ${this.#timing()}`;
    // a pseudo-terminal may report 0 columns: assume 80 then
    const columns = this.#o.columns?.() || 80;
    const width = Math.max(20, columns - 1);
    this.#o.write(CLEAR_LINE + (text.length > width ? text.slice(0, width) : text));
    this.#liveShown = true;
  }

  #clear(): void {
    if (!this.#liveShown) return;
    this.#o.write(CLEAR_LINE);
    this.#liveShown = false;
  }
}
