/**
 * The tree's shape, as docs/layout.md states it: imports run one way
 * (cli -> sweep -> mptest -> netifdirect -> machine -> ffi, scenarios/log.ts a
 * shared leaf), the TS modules form no import cycle, mod.ts imports nothing
 * from cli/, and no module is over 300 lines without a reason in its header.
 */
import { assertEquals } from "@std/assert";

const ROOT = new URL("../../", import.meta.url).pathname;
const SOURCE_DIRS = ["cli", "scenarios", "ffi"];

/** Layers from the top; a module may import its own layer or any below it. */
const LAYERS: [string, number][] = [
  ["cli/", 5],
  ["scenarios/sweep/", 4],
  ["scenarios/mptest/", 3],
  ["scenarios/netifdirect/", 2],
  ["scenarios/machine/", 1],
  ["scenarios/log.ts", 0],
  ["ffi/", 0],
];

function layerOf(path: string): number | null {
  return LAYERS.find(([prefix]) => path.startsWith(prefix))?.[1] ?? null;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(`${ROOT}${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory && entry.name !== "build" && entry.name !== "shim") {
      out.push(...sourceFiles(path));
    } else if (entry.isFile && entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g;

/** Relative imports of a module, as paths from the repository root. */
function importsOf(path: string): string[] {
  const text = Deno.readTextFileSync(`${ROOT}${path}`);
  const dir = path.split("/").slice(0, -1);
  return [...text.matchAll(IMPORT)].map((m) => {
    const parts = [...dir];
    for (const piece of m[1].split("/")) {
      if (piece === "..") parts.pop();
      else if (piece !== ".") parts.push(piece);
    }
    return parts.join("/");
  });
}

const files = ["mod.ts", ...SOURCE_DIRS.flatMap(sourceFiles)].sort();
const graph = new Map(files.map((f) => [f, importsOf(f)]));

Deno.test("layout: imports run one way (cli -> sweep -> mptest -> netifdirect -> machine -> ffi)", () => {
  const upward: string[] = [];
  for (const [from, targets] of graph) {
    const own = layerOf(from);
    for (const to of targets) {
      const theirs = layerOf(to);
      if (from === "mod.ts") {
        if (to.startsWith("cli/")) upward.push(`${from} -> ${to}`);
      } else if (own !== null && theirs !== null && theirs > own) {
        upward.push(`${from} -> ${to}`);
      }
    }
  }
  assertEquals(upward, []);
});

Deno.test("layout: the TS modules form no import cycle", () => {
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const to of graph.get(f) ?? []) {
      if (state.get(to) === "open") {
        cycles.push([...stack.slice(stack.indexOf(to)), to].join(" -> "));
      } else if (!state.has(to) && graph.has(to)) visit(to);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  assertEquals(cycles, []);
});

Deno.test("layout: no module over 300 lines without a reason in its header", () => {
  const long: string[] = [];
  for (const f of [...files, ...sourceFiles("tests")]) {
    const text = Deno.readTextFileSync(`${ROOT}${f}`);
    const lines = text.split("\n").length;
    const header = text.slice(0, text.indexOf("*/") + 2);
    if (lines > 300 && !/over 300 lines/i.test(header)) long.push(`${f} (${lines})`);
  }
  assertEquals(long, []);
});
