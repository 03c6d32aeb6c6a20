/**
 * ffi/symbols.ts against ffi/shim/skt_shim.h: the same functions, and for each
 * the same number of parameters with FFI types that fit the C types (a
 * mismatch here is memory corruption at run time, not a type error).
 */
import { assertEquals } from "@std/assert";
import { symbols } from "../../ffi/symbols.ts";

const HEADER = new URL("../../ffi/shim/skt_shim.h", import.meta.url);

interface Prototype {
  result: string;
  parameters: string[];
}

/** The exported prototypes of the header, with comments and line breaks removed. */
function prototypes(text: string): Map<string, Prototype> {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  const out = new Map<string, Prototype>();
  for (const m of code.matchAll(/SKT_EXPORT\s+([^;(]+?)\s*\b(skt_\w+)\s*\(([^)]*)\)\s*;/g)) {
    const params = m[3].trim();
    out.set(m[2], {
      result: m[1].trim(),
      parameters: params === "void" || params === "" ? [] : params.split(",").map((p) => p.trim()),
    });
  }
  return out;
}

/** The FFI types a C type may be declared as in the symbols table. */
function ffiTypesFor(cDecl: string): string[] {
  const type = cDecl.replace(/\b(const|volatile)\b/g, "").replace(/\s+/g, " ").trim();
  if (type.includes("*") || type.includes("[")) return ["buffer", "pointer"];
  const base = type.replace(/\s+\w+$/, ""); // drop the parameter name
  const table: Record<string, string[]> = {
    "void": ["void"],
    "int32_t": ["i32"],
    "uint32_t": ["u32"],
    "int64_t": ["i64"],
    "uint64_t": ["u64"],
    "int": ["i32"],
    "uint16_t": ["u16"],
    "uint8_t": ["u8"],
  };
  // handle typedefs of the SPI that are pointers (channel_t, nexus_controller_t)
  if (/_t$/.test(base) && !(base in table)) return ["pointer", "buffer"];
  return table[base] ?? [`unknown C type "${base}"`];
}

Deno.test("symbols: every prototype of skt_shim.h is in ffi/symbols.ts, and nothing else", () => {
  const header = prototypes(Deno.readTextFileSync(HEADER));
  assertEquals([...Object.keys(symbols)].sort(), [...header.keys()].sort());
});

Deno.test("symbols: parameter counts and types match the header's C types", () => {
  const header = prototypes(Deno.readTextFileSync(HEADER));
  const mismatches: string[] = [];
  for (const [name, def] of Object.entries(symbols)) {
    const proto = header.get(name);
    if (!proto) continue;
    const params = def.parameters as readonly string[];
    if (params.length !== proto.parameters.length) {
      mismatches.push(
        `${name}: ${params.length} parameters, the header has ${proto.parameters.length}`,
      );
      continue;
    }
    params.forEach((ffi, i) => {
      const allowed = ffiTypesFor(proto.parameters[i]);
      if (!allowed.includes(ffi)) {
        mismatches.push(
          `${name} parameter ${i} (${proto.parameters[i]}): ${ffi}, expected ${allowed}`,
        );
      }
    });
    const results = ffiTypesFor(proto.result);
    if (!results.includes(def.result)) {
      mismatches.push(`${name} result (${proto.result}): ${def.result}, expected ${results}`);
    }
  }
  assertEquals(mismatches, []);
});
