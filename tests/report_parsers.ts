/**
 * Strict little readers of the sweep's reports, so tests can parse them back:
 * an XML parser (well-formedness: one root, balanced tags, legal characters,
 * known entities, no duplicate attributes) and a KTAP parser (every line must
 * be a KTAP line). No dependency: the project adds none for tests.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** the element's own text, entities decoded */
  text: string;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
// deno-lint-ignore no-control-regex
const ILLEGAL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function decode(raw: string, where: number): string {
  if (ILLEGAL_CHARS.test(raw)) throw new Error(`illegal XML character near offset ${where}`);
  return raw.replace(/&([^;&\s]*);?/g, (whole, body: string) => {
    if (!whole.endsWith(";")) throw new Error(`bare & near offset ${where}`);
    if (body.startsWith("#x")) return String.fromCodePoint(parseInt(body.slice(2), 16));
    if (body.startsWith("#")) return String.fromCodePoint(parseInt(body.slice(1), 10));
    if (!(body in ENTITIES)) throw new Error(`unknown entity &${body}; near offset ${where}`);
    return ENTITIES[body];
  });
}

const NAME = "[A-Za-z_][\\w.:-]*";
const TOKEN = new RegExp(
  `<!--[\\s\\S]*?-->|<\\/(${NAME})\\s*>|<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(\\/?)>|([^<]+)`,
  "y",
);
const ATTR = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "g");

/** Parses a whole document; throws on anything not well-formed. */
export function parseXml(xml: string): XmlElement {
  let pos = 0;
  const decl = /^<\?xml[^?]*\?>/.exec(xml);
  if (decl) pos = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (pos < xml.length) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(xml);
    if (!m) throw new Error(`malformed XML at offset ${pos}: ${xml.slice(pos, pos + 40)}`);
    const [whole, closing, opening, rawAttrs, selfClosing, text] = m;
    if (text !== undefined) {
      const decoded = decode(text, pos);
      if (stack.length) stack[stack.length - 1].text += decoded;
      else if (decoded.trim() !== "") throw new Error(`text outside the root at offset ${pos}`);
    } else if (closing !== undefined) {
      const open = stack.pop();
      if (open?.name !== closing) {
        throw new Error(`</${closing}> closes <${open?.name}> at offset ${pos}`);
      }
    } else if (opening !== undefined) {
      const attrs: Record<string, string> = {};
      for (const a of rawAttrs.matchAll(ATTR)) {
        const value = a[2] ?? a[3];
        if (a[1] in attrs) throw new Error(`duplicate attribute ${a[1]} at offset ${pos}`);
        if (value.includes("<")) throw new Error(`< in attribute ${a[1]} at offset ${pos}`);
        attrs[a[1]] = decode(value, pos);
      }
      const el: XmlElement = { name: opening, attrs, children: [], text: "" };
      if (stack.length) stack[stack.length - 1].children.push(el);
      else if (root) throw new Error(`a second root <${opening}> at offset ${pos}`);
      else root = el;
      if (!selfClosing) stack.push(el);
    }
    pos += whole.length;
  }
  if (stack.length) throw new Error(`<${stack[stack.length - 1].name}> is never closed`);
  if (!root) throw new Error("no root element");
  return root;
}

/** Descendants named `name`, in document order. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  return el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...findAll(c, name)]);
}

export interface KtapResult {
  ok: boolean;
  n: number;
  name: string;
  /** "SKIP", or null */
  directive: string | null;
  reason: string | null;
  /** the `# ` lines just before this result */
  diagnostics: string[];
}

export interface KtapDocument {
  plan: number;
  results: KtapResult[];
  /** `# ` lines after the last result, the totals line excepted */
  trailer: string[];
  totals: Record<string, number>;
}

/** Parses KTAP as kselftest writes it; every line must be a KTAP line. */
export function parseKtap(text: string): KtapDocument {
  const lines = text.replace(/\n$/, "").split("\n");
  if (lines[0] !== "TAP version 13") throw new Error(`no version line: ${lines[0]}`);
  const plan = /^1\.\.(\d+)$/.exec(lines[1] ?? "");
  if (!plan) throw new Error(`no plan line: ${lines[1]}`);
  const results: KtapResult[] = [];
  let pending: string[] = [];
  let totals: Record<string, number> | null = null;
  for (const line of lines.slice(2)) {
    if (totals) throw new Error(`a line after the totals: ${line}`);
    const result = /^(ok|not ok) (\d+) ([^#]*?)(?: # (SKIP)(?: (.*))?)?$/.exec(line);
    const total = /^# Totals: ((?:\w+:\d+ ?)+)$/.exec(line);
    if (result) {
      results.push({
        ok: result[1] === "ok",
        n: Number(result[2]),
        name: result[3],
        directive: result[4] ?? null,
        reason: result[5] ?? null,
        diagnostics: pending,
      });
      pending = [];
    } else if (total) {
      totals = Object.fromEntries(
        total[1].trim().split(" ").map((kv) => kv.split(":")).map(([k, v]) => [k, Number(v)]),
      );
    } else if (line.startsWith("# ") || line === "#") pending.push(line.slice(2));
    else throw new Error(`not a KTAP line: ${line}`);
  }
  if (!totals) throw new Error("no # Totals: line");
  results.forEach((r, i) => {
    if (r.n !== i + 1) throw new Error(`result ${r.n} where ${i + 1} was expected`);
  });
  return { plan: Number(plan[1]), results, trailer: pending, totals };
}
