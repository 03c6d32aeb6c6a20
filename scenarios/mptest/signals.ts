/** Ctrl-C / SIGTERM while a run or a sweep is under way: one place that listens. */

/** The signals that stop a run or a sweep. */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;
/** One of STOP_SIGNALS. */
export type StopSignal = typeof STOP_SIGNALS[number];

/** Calls `handler` on SIGINT / SIGTERM until the returned function is called. */
export function onStopSignals(handler: (signal: StopSignal) => void): () => void {
  if (Deno.build.os === "windows") return () => {};
  const removers = STOP_SIGNALS.map((signal) => {
    const listener = () => handler(signal);
    Deno.addSignalListener(signal, listener);
    return () => Deno.removeSignalListener(signal, listener);
  });
  return () => removers.forEach((remove) => remove());
}

/** A run's view of the stop signals: the first one caught, and a promise of it. */
export interface Interruption {
  signal: Deno.Signal | null;
  promise: Promise<Deno.Signal>;
  stop(): void;
}

/** Ctrl-C / SIGTERM of the parent: recorded, and the run winds down through fini. */
export function watchSignals(): Interruption {
  let resolve!: (s: Deno.Signal) => void;
  const state: Interruption = {
    signal: null,
    promise: new Promise((r) => resolve = r),
    stop: () => {},
  };
  state.stop = onStopSignals((signal) => {
    state.signal ??= signal;
    resolve(signal);
  });
  return state;
}
