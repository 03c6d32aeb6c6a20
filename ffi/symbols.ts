/**
 * The shim's symbols table: one entry per function of ffi/shim/skt_shim.h.
 *
 * Types follow the FFI hot-path rule: i32/u32 for status, indexes, lengths and
 * handles; bigint (u64/i64) only for times and addresses; "buffer" for
 * JS-owned memory C reads or writes during the call; "pointer" only for the
 * channel and nexus-controller handles, which are created once.
 */
export const symbols = {
  // identity and errors
  skt_abi_version: { parameters: [], result: "u32" },
  skt_backend_name: { parameters: ["buffer", "u32"], result: "i32" }, // (char *buf, len)
  skt_last_error: { parameters: ["buffer", "u32"], result: "i32" }, // (char *buf, len)

  // environment (sim domain)
  skt_env_create: { parameters: ["buffer"], result: "i32" }, // (const char *path)
  skt_env_attach: { parameters: ["buffer"], result: "i32" },
  skt_env_detach: { parameters: [], result: "i32" },
  skt_env_destroy: { parameters: ["buffer"], result: "i32" },

  // sysctlbyname(name, oldp, *oldlenp, newp, newlen)
  skt_sysctlbyname: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "u32"],
    result: "i32",
  },

  // interfaces
  skt_ifnet_create: { parameters: ["buffer"], result: "i32" }, // (ifname)
  skt_ifnet_destroy: { parameters: ["buffer"], result: "i32" },
  skt_ifnet_set_up: { parameters: ["buffer"], result: "i32" },
  skt_feth_set_peer: { parameters: ["buffer", "buffer"], result: "i32" }, // (ifname, peer)
  skt_ifnet_get_lladdr: { parameters: ["buffer", "buffer"], result: "i32" }, // (ifname, mac[6])
  skt_ifnet_get_netif_nexus: { parameters: ["buffer", "buffer"], result: "i32" }, // (ifname, uuid[16])
  skt_ifnet_get_stats: { parameters: ["buffer", "buffer", "u32"], result: "i32" }, // (ifname, u64 *out, n)

  // nexus
  skt_nexus_controller_create: { parameters: ["buffer"], result: "i32" }, // (u64 *out)
  skt_nexus_controller_destroy: { parameters: ["pointer"], result: "void" },
  // (ctl, nx_uuid[16], flags, saddr[16] | NULL, daddr[16] | NULL) -> port
  skt_nexus_flow_add: {
    parameters: ["pointer", "buffer", "u32", "buffer", "buffer"],
    result: "i32",
  },

  // channel: (nx_uuid, port, i64 attrs[2n], n, i64 effective[33], u64 *out)
  skt_channel_create: {
    parameters: ["buffer", "u32", "buffer", "u32", "buffer", "buffer"],
    result: "i32",
  },
  skt_channel_destroy: { parameters: ["pointer"], result: "void" },
  skt_channel_get_fd: { parameters: ["pointer"], result: "i32" },
  skt_channel_sync: { parameters: ["pointer", "u32"], result: "i32" }, // (ch, mode)

  // slots: (ch, ring, ...)
  skt_ring_get_next_slot: { parameters: ["pointer", "u32", "i32", "buffer"], result: "i32" },
  skt_ring_advance_slot: { parameters: ["pointer", "u32", "u32"], result: "i32" },
  skt_ring_set_slot_properties: {
    parameters: ["pointer", "u32", "u32", "buffer"],
    result: "i32",
  },
  skt_ring_slot_get_packet: { parameters: ["pointer", "u32", "u32"], result: "i32" },
  skt_ring_slot_attach_packet: { parameters: ["pointer", "u32", "u32", "u32"], result: "i32" },
  skt_ring_slot_detach_packet: { parameters: ["pointer", "u32", "u32", "u32"], result: "i32" },
  skt_ring_available_slots: { parameters: ["pointer", "u32"], result: "i32" },

  // user packet pool
  skt_packet_alloc: { parameters: ["pointer"], result: "i32" },
  skt_packet_free: { parameters: ["pointer", "u32"], result: "i32" },

  // packets: (ch, pkt, ...)
  skt_packet_get_next_buflet: { parameters: ["pointer", "u32", "i32"], result: "i32" },
  skt_packet_get_buflet_count: { parameters: ["pointer", "u32"], result: "i32" },
  skt_packet_set_link_header_length: { parameters: ["pointer", "u32", "u32"], result: "i32" },
  skt_packet_get_link_header_length: { parameters: ["pointer", "u32"], result: "i32" },
  skt_packet_get_data_length: { parameters: ["pointer", "u32"], result: "i32" },
  skt_packet_set_packetid: { parameters: ["pointer", "u32", "buffer"], result: "i32" },
  skt_packet_get_packetid: { parameters: ["pointer", "u32", "buffer"], result: "i32" },
  skt_packet_set_expire_time: { parameters: ["pointer", "u32", "u64"], result: "i32" },
  skt_packet_get_expire_time: { parameters: ["pointer", "u32", "buffer"], result: "i32" }, // (ch, pkt, u64 *ts)
  skt_packet_set_expiry_action: { parameters: ["pointer", "u32", "u32"], result: "i32" },
  skt_packet_finalize: { parameters: ["pointer", "u32"], result: "i32" },

  // buflets: (ch, pkt, buflet, ...)
  skt_buflet_set_data_offset: { parameters: ["pointer", "u32", "u32", "u32"], result: "i32" },
  skt_buflet_get_data_offset: { parameters: ["pointer", "u32", "u32"], result: "i32" },
  skt_buflet_set_data_length: { parameters: ["pointer", "u32", "u32", "u32"], result: "i32" },
  skt_buflet_get_data_length: { parameters: ["pointer", "u32", "u32"], result: "i32" },
  skt_buflet_get_data_limit: { parameters: ["pointer", "u32", "u32"], result: "i32" },
  skt_buflet_get_object_address: { parameters: ["pointer", "u32", "u32"], result: "u64" },
  // (ch, pkt, buflet, off, bytes, len)
  skt_buflet_write: {
    parameters: ["pointer", "u32", "u32", "u32", "buffer", "u32"],
    result: "i32",
  },
  skt_buflet_read: {
    parameters: ["pointer", "u32", "u32", "u32", "buffer", "u32"],
    result: "i32",
  },

  // the packet pool's memory: (ch, u64 out[2]) base and size; (ch, host, off, size) alias
  skt_channel_get_pool: { parameters: ["pointer", "buffer"], result: "i32" },
  skt_channel_alias_pool: { parameters: ["pointer", "buffer", "u32", "u32"], result: "i32" },
  skt_channel_unalias_pool: { parameters: ["pointer"], result: "i32" },
  // fused runs of upstream's SPI calls (ffi/shim/common/fused.c), values in io (i32[48])
  skt_tx_begin: { parameters: ["pointer", "i32", "buffer"], result: "i32" }, // (ch, prev, io)
  // (ch, slot, pkt, buflet, l2len, frame_len, phases, io)
  skt_tx_end: {
    parameters: ["pointer", "u32", "u32", "u32", "u32", "u32", "u32", "buffer"],
    result: "i32",
  },
  // (ch, prev, free_pkt, frame_max, io)
  skt_rx_next: { parameters: ["pointer", "i32", "u32", "u32", "buffer"], result: "i32" },

  // interface advisory and channel events
  skt_channel_configure_interface_advisory: { parameters: ["pointer", "u32"], result: "i32" },
  skt_channel_get_interface_advisory: { parameters: ["pointer", "buffer"], result: "i32" },
  skt_channel_get_next_event_handle: { parameters: ["pointer", "buffer"], result: "i32" }, // u32 out[3]
  skt_channel_event_get_next_event: { parameters: ["pointer", "u32", "i32"], result: "i32" },
  skt_channel_event_get_event_data: {
    parameters: ["pointer", "u32", "u32", "buffer"],
    result: "i32",
  },
  skt_channel_event_free: { parameters: ["pointer", "u32"], result: "i32" },

  // kevent stand-in and time
  skt_kqueue: { parameters: [], result: "i32" },
  skt_kqueue_close: { parameters: ["i32"], result: "i32" },
  // (kq, changes, nchanges, events, nevents, timeout_ns)
  skt_kevent: {
    parameters: ["i32", "buffer", "u32", "buffer", "u32", "i64"],
    result: "i32",
  },
  skt_mach_absolute_time: { parameters: [], result: "u64" },
  skt_mach_timebase_info: { parameters: ["buffer"], result: "i32" }, // u32 out[2]
  skt_usleep: { parameters: ["u32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The ABI version this table describes; the loader refuses any other. */
export const SHIM_ABI_VERSION = 3;

export type ShimSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];
