/** skt's own wait for interface advisories after a short transfer (not upstream). */
import type { KQueue } from "../../ffi/spi.ts";
import { EvFlag, Note } from "../../ffi/constants.ts";
import { SpiError } from "../../ffi/errors.ts";
import type { ChannelPort } from "./defs.ts";

/**
 * skt, not upstream: keeps an ifadv child waiting for interface advisories until
 * `until` (performance.now() time), so that a short transfer still spans an
 * advisory interval. The TX/RX knotes still registered are deleted first, so
 * only advisories wake the wait. onAdvisory reads one report and says whether
 * the wait may end there (enabled: the first report is enough). Returns the ms
 * spent waiting, or null when the run already spanned enough or was satisfied.
 */
export function lingerForAdvisories(
  kq: KQueue,
  port: ChannelPort,
  until: number,
  staleFilters: number[],
  satisfied: boolean,
  onAdvisory: () => boolean,
): number | null {
  if (performance.now() >= until || satisfied) return null;
  const started = performance.now();
  kq.change(
    staleFilters.map((filter) => ({ ident: port.fd, filter, flags: EvFlag.delete, fflags: 0 })),
  );
  while (!satisfied && performance.now() < until) {
    const left = BigInt(Math.ceil((until - performance.now()) * 1e6));
    let n: number;
    try {
      n = kq.wait(left > 0n ? left : 0n);
    } catch (e) {
      if (e instanceof SpiError && e.is("EAGAIN")) continue;
      throw e;
    }
    for (let i = 0; i < n; i++) {
      if (kq.event(i).fflags & Note.ifAdvUpdate) satisfied = onAdvisory() || satisfied;
    }
    if (n === 0) break;
  }
  return performance.now() - started;
}
