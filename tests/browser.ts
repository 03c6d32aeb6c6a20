// deno-lint-ignore-file no-explicit-any -- DevTools protocol messages are untyped JSON
/**
 * Opens a page in real headless Chromium (Debian's `chromium`) over the
 * DevTools protocol and reports what a reader would meet: console errors and
 * uncaught exceptions, every request that left the page, the value of an
 * expression evaluated in it, and a full-page screenshot.
 */

export interface PageReport {
  /** console.error / assert, uncaught exceptions, and Log entries of level error */
  errors: string[];
  /** every URL the page requested (the page itself included) */
  requests: string[];
  /** the expression's value (returnByValue) */
  value: unknown;
  /** PNG */
  screenshot: Uint8Array;
}

/** Is Chromium installed? (.ci/run installs it from Debian when missing.) */
export function chromiumPath(): string | null {
  for (const p of ["/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    try {
      Deno.statSync(p);
      return p;
    } catch { /* next */ }
  }
  return null;
}

type Message = {
  id?: number;
  method?: string;
  params?: any;
  result?: any;
  error?: any;
  sessionId?: string;
};

/** Loads `file` and evaluates `expression` once the load event fired. */
export async function inspectPage(file: string, expression: string): Promise<PageReport> {
  const exe = chromiumPath();
  if (!exe) throw new Error("chromium is not installed (apt-get install chromium)");
  const profile = await Deno.makeTempDir({ prefix: "skt-chromium-" });
  const proc = new Deno.Command(exe, {
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-extensions",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let ws: WebSocket | null = null;
  try {
    const endpoint = await devtoolsEndpoint(proc.stderr);
    ws = new WebSocket(endpoint);
    await new Promise((ok, fail) => {
      ws!.onopen = ok;
      ws!.onerror = fail;
    });
    const pending = new Map<number, (m: Message) => void>();
    const listeners: ((m: Message) => void)[] = [];
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data) as Message;
      if (m.id !== undefined) pending.get(m.id)?.(m);
      else listeners.forEach((l) => l(m));
    };
    let next = 1;
    const send = (method: string, params: unknown = {}, sessionId?: string): Promise<any> => {
      const id = next++;
      ws!.send(JSON.stringify({ id, method, params, sessionId }));
      return new Promise((ok, fail) =>
        pending.set(
          id,
          (m) => m.error ? fail(new Error(`${method}: ${m.error.message}`)) : ok(m.result),
        )
      );
    };
    const errors: string[] = [], requests: string[] = [];
    let loaded!: () => void;
    const load = new Promise<void>((ok) => (loaded = ok));
    listeners.push((m) => {
      if (m.method === "Runtime.consoleAPICalled" && ["error", "assert"].includes(m.params.type)) {
        errors.push(
          `console.${m.params.type}: ${
            m.params.args.map((a: any) => a.value ?? a.description).join(" ")
          }`,
        );
      }
      if (m.method === "Runtime.exceptionThrown") {
        errors.push(`exception: ${m.params.exceptionDetails.text}`);
      }
      if (m.method === "Log.entryAdded" && m.params.entry.level === "error") {
        errors.push(`log: ${m.params.entry.text} ${m.params.entry.url ?? ""}`);
      }
      if (m.method === "Network.requestWillBeSent") requests.push(m.params.request.url);
      if (m.method === "Page.loadEventFired") loaded();
    });
    const { targetId } = await send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
    for (const domain of ["Runtime", "Log", "Network", "Page"]) {
      await send(`${domain}.enable`, {}, sessionId);
    }
    // wide enough for two plots side by side, as on a laptop
    await send("Emulation.setDeviceMetricsOverride", {
      width: 1280,
      height: 900,
      deviceScaleFactor: 1,
      mobile: false,
    }, sessionId);
    await send(
      "Page.navigate",
      { url: new URL(`file://${Deno.realPathSync(file)}`).href },
      sessionId,
    );
    await load;
    const evaluated = await send(
      "Runtime.evaluate",
      { expression, returnByValue: true },
      sessionId,
    );
    const metrics = await send("Page.getLayoutMetrics", {}, sessionId);
    const size = metrics.cssContentSize ?? metrics.contentSize;
    const shot = await send("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
      clip: { x: 0, y: 0, width: Math.ceil(size.width), height: Math.ceil(size.height), scale: 1 },
    }, sessionId);
    await send("Browser.close").catch(() => {});
    return {
      errors,
      requests,
      value: evaluated.result.value,
      screenshot: Uint8Array.from(atob(shot.data), (c) => c.charCodeAt(0)),
    };
  } finally {
    ws?.close();
    const timer = setTimeout(() => {
      try {
        proc.kill("SIGKILL");
      } catch { /* gone */ }
    }, 5000);
    await proc.status;
    clearTimeout(timer);
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** Reads Chromium's stderr up to "DevTools listening on ws://...", then keeps draining it. */
async function devtoolsEndpoint(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`chromium exited before listening: ${seen.slice(-500)}`);
    seen += value;
    const m = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
    if (m) {
      (async () => {
        while (!(await reader.read()).done) { /* discard */ }
      })();
      return m[1];
    }
  }
}
