/**
 * Micro-benchmarks of the binding layer (`deno task bench:micro`): the port's
 * per-frame TX and RX paths (netifdirect/send.ts Sender, receive.ts Receiver) over a sim pair
 * in this one process, and the cost of single FFI crossings for scale.
 * The path benchmarks move 64 frames per iteration, as 8 batches of 8 (upstream's
 * batch), so that each timed section is long enough for Deno.bench to time it alone:
 * divide by 64 for one frame.
 */
import { simPair } from "../sim_helpers.ts";
import { loopback } from "./loopback.ts";
import { IO_WORDS } from "../../ffi/channel.ts";

const BATCH = 8;
const BATCHES = 8;
const pair = simPair();
// the domain lives in /dev/shm: remove it however the bench ends
globalThis.addEventListener("unload", () => pair[Symbol.dispose]());

const { tx, rx, kq } = loopback(pair);
const NO_LIMIT = 2 ** 32 - 1;

/** RX on channel 1: kevent publishes what arrived, then the port's receive loop. */
function receiveAll(): void {
  if (kq.wait(0n) > 0) rx.receive(NO_LIMIT, false);
}

function sendBatches(): void {
  for (let i = 0; i < BATCHES; i++) tx.send(tx.packetNumber + BATCH, null);
}

Deno.bench({
  name:
    "TX path, 64 frames: 8 x (8 x skt_tx_end (+ next slot's run), frame built in the pool; TX sync)",
  group: "per-frame paths",
  baseline: true,
  fn(b) {
    b.start();
    sendBatches();
    b.end();
    receiveAll();
  },
});

Deno.bench({
  name:
    "RX path, 64 frames: kevent, 64 x (skt_rx_next: free + next slot's run, verify in the pool), RX sync",
  group: "per-frame paths",
  fn(b) {
    sendBatches();
    b.start();
    receiveAll();
    b.end();
  },
});

const pkt = pair.ch0.packetAlloc();
const frame = new Uint8Array(2048);
const pktid = new Uint8Array(16);

Deno.bench({
  name: "one FFI crossing: packetGetDataLength (u32 in, i32 out)",
  group: "single crossings",
  baseline: true,
  fn() {
    pair.ch0.packetGetDataLength(pkt);
  },
});
Deno.bench({
  name: "one FFI crossing: bufletGetObjectAddress (u64 out as bigint)",
  group: "single crossings",
  fn() {
    pair.ch0.bufletGetObjectAddress(pkt, 0);
  },
});
Deno.bench({
  name: "one FFI crossing: packetSetPacketId (16-byte buffer in)",
  group: "single crossings",
  fn() {
    pair.ch0.packetSetPacketId(pkt, pktid);
  },
});
Deno.bench({
  name: "one FFI crossing: bufletWrite 1514 bytes",
  group: "single crossings",
  fn() {
    pair.ch0.bufletWrite(pkt, 0, 0, frame, 1514);
  },
});
Deno.bench({
  name: "one FFI crossing: bufletRead 1514 bytes",
  group: "single crossings",
  fn() {
    pair.ch0.bufletRead(pkt, 0, 0, frame, 1514);
  },
});
const io = new Int32Array(IO_WORDS);
Deno.bench({
  name: "one FFI crossing: skt_rx_next finding the ring empty (io words buffer)",
  group: "single crossings",
  fn() {
    pair.ch0.rxNext(-1, 0, 1514, io);
  },
});
