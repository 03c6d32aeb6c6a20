/**
 * The darwin backend's two nx_flow_req layouts (ffi/shim/darwin/skywalk_private.h)
 * checked against xnu's own os_nexus_private.h: every field's offset and the size,
 * by compile-time asserts. xnu's headers are not committed: point SKT_XNU_HEADERS
 * at a directory holding xnu-<version>/os_nexus_private.h copies (for example
 * `git show xnu-11417.121.6:bsd/skywalk/nexus/os_nexus_private.h` from
 * apple-oss-distributions/xnu); each one found is checked against the layout
 * flow.c uses for that release (xnu-12377 and later: v2, else v1).
 */
import { assertEquals } from "@std/assert";

const root = new URL("..", import.meta.url).pathname;
const dir = Deno.env.get("SKT_XNU_HEADERS") ?? "";

function clangWorks(): boolean {
  try {
    return new Deno.Command("clang", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** The xnu-<version> directories holding an os_nexus_private.h. */
function headers(): string[] {
  if (dir === "") return [];
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => e.isDirectory && /^xnu-\d+/.test(e.name))
      .filter((e) => {
        try {
          return Deno.statSync(`${dir}/${e.name}/os_nexus_private.h`).isFile;
        } catch {
          return false;
        }
      })
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** `struct <name> { ... };` from the header, with its KERNEL-only arm removed. */
function extractStruct(text: string, name: string): string {
  const start = text.indexOf(`struct ${name} {`);
  if (start < 0) throw new Error(`struct ${name} not found`);
  let depth = 0;
  for (let i = text.indexOf("{", start); i < text.length; i++) {
    if (text[i] === "{") depth++;
    if (text[i] === "}" && --depth === 0) {
      const body = text.slice(start, text.indexOf(";", i) + 1);
      return body.replace(/#ifdef KERNEL[\s\S]*?#endif\s*\/\*\s*KERNEL\s*\*\//g, "")
        .replace(/\/\/[^\n]*/g, "");
    }
  }
  throw new Error(`struct ${name} is not closed`);
}

const FIELDS = [
  "nfr_nx_port",
  "nfr_ethertype",
  "nfr_etheraddr",
  "nfr_saddr",
  "nfr_daddr",
  "nfr_ip_protocol",
  "nfr_transport_protocol",
  "nfr_flags",
  "nfr_flow_uuid",
  "nfr_svc_class",
  "nfr_euuid",
  "nfr_policy_id",
  "nfr_skip_policy_id",
  "nfr_epid",
  "nfr_flowadv_idx",
  "nfr_bind_key",
  "nfr_qset_id",
  "nfr_parent_flow_uuid",
  "nfr_flow_demux_count",
  "nfr_flow_demux_patterns",
  "nfr_flowid",
  "_nfr_opaque",
];

function checkProgram(version: string, text: string): string {
  const major = Number(/^xnu-(\d+)/.exec(version)![1]);
  const ours = major >= 12377 ? "nx_flow_req_v2" : "nx_flow_req_v1";
  const real = extractStruct(text, "nx_flow_req").replace(
    "struct nx_flow_req {",
    "struct xnu_nx_flow_req {",
  )
    .replaceAll("struct flow_demux_pattern ", "struct xnu_flow_demux_pattern ");
  const demux = extractStruct(text, "flow_demux_pattern")
    .replace("struct flow_demux_pattern {", "struct xnu_flow_demux_pattern {");
  const asserts = FIELDS.filter((f) => new RegExp(`\\b${f}\\b`).test(real)).map((f) =>
    `_Static_assert(offsetof(struct xnu_nx_flow_req, ${f}) == offsetof(struct ${ours}, ${f}), ` +
    `"${version}: ${f} is where ${ours} has it");`
  );
  return [
    "#include <sys/types.h>",
    "#include <sys/socket.h>",
    "#include <net/if.h>",
    "#include <netinet/in.h>",
    '#include "skywalk_private.h"',
    "typedef uint16_t xnu_nexus_port_t;",
    "#define nexus_port_t xnu_nexus_port_t",
    "typedef struct { uint8_t octet[6]; } ether_addr_t;",
    "#define sockaddr_in_4_6 skt_sockaddr_in_4_6",
    "typedef unsigned char uuid_t[16];",
    "typedef uint32_t packet_svc_class_t;   /* an int-sized enum */",
    "typedef uint32_t flowadv_idx_t;",
    "#undef FLOW_DEMUX_MAX_LEN",
    "#define FLOW_DEMUX_MAX_LEN 32",
    demux,
    real,
    ...asserts,
    `_Static_assert(sizeof(struct xnu_nx_flow_req) == sizeof(struct ${ours}), "${version}: size");`,
    `_Static_assert(sizeof(((struct xnu_nx_flow_req *)0)->nfr_flags) == ` +
    `sizeof(((struct ${ours} *)0)->nfr_flags), "${version}: nfr_flags width");`,
    "",
  ].join("\n");
}

const found = headers();
const clang = clangWorks();
const why = !clang
  ? "clang is not installed"
  : dir === ""
  ? "SKT_XNU_HEADERS is not set (a directory of xnu-<version>/os_nexus_private.h, not committed)"
  : found.length === 0
  ? `no xnu-<version>/os_nexus_private.h under ${dir}`
  : "";

Deno.test({
  name: `darwin shim: nx_flow_req layouts match xnu's header` +
    (why ? ` (skipped: ${why})` : ` (${found.join(", ")})`),
  ignore: why !== "",
  fn: () => {
    const tmp = Deno.makeTempDirSync({ prefix: "skt-nfr-" });
    try {
      for (const version of found) {
        const text = Deno.readTextFileSync(`${dir}/${version}/os_nexus_private.h`);
        const file = `${tmp}/${version}.c`;
        Deno.writeTextFileSync(file, checkProgram(version, text));
        const out = new Deno.Command("clang", {
          cwd: root,
          args: [
            "-fsyntax-only",
            "--target=arm64-apple-macos13",
            "-nostdlibinc",
            "-isystem",
            "tests/c/darwin_stubs",
            "-Iffi/shim/darwin",
            "-std=c11",
            "-D_DARWIN_C_SOURCE",
            file,
          ],
          stdout: "piped",
          stderr: "piped",
        }).outputSync();
        assertEquals(out.code, 0, `${version}: ${new TextDecoder().decode(out.stderr)}`);
      }
    } finally {
      Deno.removeSync(tmp, { recursive: true });
    }
  },
});
