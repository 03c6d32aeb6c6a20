/** Ctrl-C / SIGTERM of the parent while a run is under way. */

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
  if (Deno.build.os === "windows") return state;
  const handlers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const handler = () => {
      state.signal ??= signal;
      resolve(signal);
    };
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  });
  state.stop = () => handlers.forEach((remove) => remove());
  return state;
}
