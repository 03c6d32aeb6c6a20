/** The feth pair's names and addresses, as xnu's skywalk_test_common.h gives them. */

export const FETH0_NAME = "feth0";
export const FETH1_NAME = "feth1";

/** Used only as flow and frame values, never configured on the interfaces (as upstream). */
export const FETH0_INET6_ADDR = "ff02::1:ff00:101";
export const FETH1_INET6_ADDR = "ff02::1:ff00:202";

export const FETH0_UDP_PORT = 0x1234;
export const FETH1_UDP_PORT = 0x5678;

/** inet_pton(AF_INET6, ...) for the literal forms used here (with at most one "::"). */
export function inet6Pton(text: string): Uint8Array {
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const groups = (part: string | undefined) => part ? part.split(":").filter((g) => g !== "") : [];
  const left = groups(head);
  const right = groups(tail);
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  const all = [...left, ...Array(zeros).fill("0"), ...right];
  if (all.length !== 8 || all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) {
    throw new Error(`not an IPv6 address: ${text}`);
  }
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    const v = parseInt(g, 16);
    bytes[2 * i] = v >> 8;
    bytes[2 * i + 1] = v & 0xff;
  });
  return bytes;
}

/** inet_ntop(AF_INET6, ...), compressing the longest run of zero groups. */
export function inet6Ntop(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { start: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(":");
  const left = hex.slice(0, best.start).join(":");
  const right = hex.slice(best.start + best.len).join(":");
  return `${left}::${right}`;
}

/** uuid_unparse (lower case). */
export function uuidUnparse(uuid: Uint8Array): string {
  const hex = Array.from(uuid, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`.toUpperCase();
}
