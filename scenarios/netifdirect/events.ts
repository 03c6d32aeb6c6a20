/** Reading what a channel reports: interface advisories and channel events (skywalk_test_common.c). */
import type { Channel } from "../../ffi/spi.ts";
import {
  CHANNEL_EVENT_MAX_PAYLOAD_LEN,
  ChannelEventType,
  PACKET_ID_SIZE,
  PKTID_VERSION_CURRENT,
  TRANSMIT_EXPIRED_EVENT_SIZE,
  TRANSMIT_STATUS_EVENT_SIZE,
} from "../../ffi/constants.ts";
import { errno, SpiError } from "../../ffi/errors.ts";
import { check } from "./assert.ts";
import { type Log, NETIF_PKTID_PAYLOAD_TYPE, NETIF_PKTID_STREAM_ID } from "./defs.ts";

/** After the run: the packet numbers of the events nobody read, freeing them. */
export function drainEvents(chan: Channel, view: DataView, out: Uint8Array): number[] {
  const seqs: number[] = [];
  for (;;) {
    let handle: number;
    try {
      handle = chan.getNextEventHandle().handle;
    } catch (e) {
      if (e instanceof SpiError && e.is("ENODATA")) break;
      throw e;
    }
    const event = chan.eventGetNextEvent(handle, -1);
    if (event >= 0) {
      chan.eventGetEventData(handle, event, out);
      seqs.push(view.getUint16(16 + 2, true));
    }
    chan.eventFree(handle);
  }
  return seqs;
}

/** skt_process_if_adv: read the advisory, retrying once on a torn read. */
export function processIfAdv(chan: Channel, out: Uint8Array, log: Log): void {
  let rc = chan.getInterfaceAdvisory(out);
  if (rc === -errno("EAGAIN")) {
    log.info("retrying interface advisory get");
    rc = chan.getInterfaceAdvisory(out);
  }
  if (rc < 0) chan.shim.check(rc, "os_channel_get_interface_advisory");
}

/** Each handler also gets the event's packet number (pktid_sequence_number). */
export interface ChannelEventHandlers {
  onStatus(status: number, seq: number): void;
  onExpired(status: number, deadline: bigint, timestamp: bigint, seq: number): void;
}

/** skt_process_channel_event: takes exactly one event per NOTE_CHANNEL_EVENT wake-up. */
export function processChannelEvent(
  chan: Channel,
  out: Uint8Array,
  view: DataView,
  handlers: ChannelEventHandlers,
): void {
  // skt_process_chan_event_common: fetch the event and its data, then check
  const { handle, type, nevents } = chan.getNextEventHandle();
  const event = chan.eventGetNextEvent(handle, -1);
  if (event < 0) chan.shim.check(event, "os_channel_event_get_next_event");
  chan.eventGetEventData(handle, event, out);
  const eventType = view.getUint32(0, true);
  const more = view.getUint32(4, true);
  const length = view.getUint32(8, true);
  const data = 16;
  // the event data starts with the sender's packet_id_t
  check(PACKET_ID_SIZE <= length, "sizeof(*packet_id) <= ed.event_data_length");
  check(nevents === 1, "nevents == 1");
  check(type === eventType, "etype == ed.event_type");
  check(
    view.getUint8(data + 1) === NETIF_PKTID_PAYLOAD_TYPE,
    "packet_id->pktid_payload_type == payload_type",
  );
  check(
    view.getUint32(data + 8, true) === NETIF_PKTID_STREAM_ID,
    "packet_id->pktid_stream_identifier == stream_id",
  );
  check(
    view.getUint8(data) === PKTID_VERSION_CURRENT,
    "packet_id->pktid_version == OS_PACKET_PKTID_VERSION_CURRENT",
  );
  check(more === 0, "!ed.event_more");
  check(length <= CHANNEL_EVENT_MAX_PAYLOAD_LEN, "ed.event_data_length <= max_event_dlen");
  chan.eventFree(handle);
  const seq = view.getUint16(data + 2, true);
  switch (eventType) {
    case ChannelEventType.transmitStatus:
      check(
        length === TRANSMIT_STATUS_EVENT_SIZE,
        "event_dlen == sizeof(os_channel_event_packet_transmit_status_t)",
      );
      handlers.onStatus(view.getInt32(data + 16, true), seq);
      break;
    case ChannelEventType.transmitExpired:
      check(
        length === TRANSMIT_EXPIRED_EVENT_SIZE,
        "event_dlen == sizeof(os_channel_event_packet_transmit_expired_t)",
      );
      handlers.onExpired(
        view.getUint16(data + 32, true),
        view.getBigUint64(data + 16, true),
        view.getBigUint64(data + 24, true),
        seq,
      );
      break;
    default:
      // netifdirect passes no wildcard handler
      check(false, `wildcard_handler != NULL (channel event type ${eventType})`);
  }
}
