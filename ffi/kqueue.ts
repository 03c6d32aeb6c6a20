/** The kevent stand-in of the shim over channel fds, disposable. */
import type { ShimCore } from "./status.ts";

/** One kevent record (struct skt_kevent). */
export interface KEvent {
  ident: number;
  filter: number;
  flags: number;
  fflags: number;
  data: bigint;
}

const KEVENT_SIZE = 24;

/** A kqueue of the shim: kevent over channel fds. */
export class KQueue implements Disposable {
  readonly #changes = new Uint8Array(KEVENT_SIZE * 8);
  readonly #changeView = new DataView(this.#changes.buffer);
  readonly #events: Uint8Array;
  readonly #eventView: DataView;
  #kq: number;

  constructor(readonly shim: ShimCore, kq: number, maxEvents = 8) {
    this.#kq = kq;
    this.#events = new Uint8Array(KEVENT_SIZE * maxEvents);
    this.#eventView = new DataView(this.#events.buffer);
  }

  /** Applies changes (EV_ADD, EV_DELETE...) without waiting. */
  change(changes: readonly Omit<KEvent, "data">[]): void {
    for (const [i, c] of changes.entries()) {
      const o = i * KEVENT_SIZE;
      this.#changeView.setUint32(o, c.ident, true);
      this.#changeView.setInt16(o + 4, c.filter, true);
      this.#changeView.setUint16(o + 6, c.flags, true);
      this.#changeView.setUint32(o + 8, c.fflags, true);
      this.#changeView.setBigInt64(o + 16, 0n, true);
    }
    this.shim.check(
      this.shim.symbols.skt_kevent(this.#kq, this.#changes, changes.length, null, 0, 0n),
      "kevent",
    );
  }

  /** Waits up to timeoutNs (negative: forever); returns how many events are ready. */
  wait(timeoutNs: bigint): number {
    const rc = this.shim.symbols.skt_kevent(
      this.#kq,
      null,
      0,
      this.#events,
      this.#events.length / KEVENT_SIZE,
      timeoutNs,
    );
    return this.shim.check(rc, "kevent");
  }

  /** Event i's filter, read without building the record (the loop's per-turn path). */
  filterOf(i: number): number {
    return this.#eventView.getInt16(i * KEVENT_SIZE + 4, true);
  }
  /** Event i's flags (EV_ERROR...), read without building the record. */
  flagsOf(i: number): number {
    return this.#eventView.getUint16(i * KEVENT_SIZE + 6, true);
  }
  /** Event i's fflags (NOTE_*), read without building the record. */
  fflagsOf(i: number): number {
    return this.#eventView.getUint32(i * KEVENT_SIZE + 8, true);
  }

  /** Event i of the last wait. */
  event(i: number): KEvent {
    const o = i * KEVENT_SIZE;
    const v = this.#eventView;
    return {
      ident: v.getUint32(o, true),
      filter: v.getInt16(o + 4, true),
      flags: v.getUint16(o + 6, true),
      fflags: v.getUint32(o + 8, true),
      data: v.getBigInt64(o + 16, true),
    };
  }

  close(): void {
    if (this.#kq < 0) return;
    this.shim.symbols.skt_kqueue_close(this.#kq);
    this.#kq = -1;
  }
  [Symbol.dispose](): void {
    this.close();
  }
}
