/** os_nexus_controller_create's handle, disposable. */
import type { NexusControllerPointer, ShimCore } from "./status.ts";

/** os_nexus_controller_create's handle. */
export class NexusController implements Disposable {
  #ptr: NexusControllerPointer | null;
  constructor(readonly shim: ShimCore, ptr: NexusControllerPointer) {
    this.#ptr = ptr;
  }
  /** __os_nexus_flow_add; returns the nexus port the kernel allocated. */
  flowAdd(
    nxUuid: Uint8Array,
    flags: number,
    ours: Uint8Array | null,
    peer: Uint8Array | null,
  ): number {
    return this.shim.check(
      this.shim.symbols.skt_nexus_flow_add(this.#ptr, nxUuid, flags, ours, peer),
      "__os_nexus_flow_add",
    );
  }
  close(): void {
    if (this.#ptr === null) return;
    this.shim.symbols.skt_nexus_controller_destroy(this.#ptr);
    this.#ptr = null;
  }
  [Symbol.dispose](): void {
    this.close();
  }
}
