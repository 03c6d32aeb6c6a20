/* Stand-in for the macOS SDK header of the same name, for the syntax-only
 * check of ffi/shim/darwin (tests/darwin_shim_test.ts); never shipped.
 * Only what the shim uses (darwin/poolmem.c), after osfmk/mach/ in xnu:
 * vm_types.h, vm_prot.h, vm_inherit.h, vm_region.h, vm_statistics.h. */
#pragma once
#include <stdint.h>
typedef int kern_return_t;
#define KERN_SUCCESS 0
typedef unsigned int mach_port_t;
typedef mach_port_t vm_map_t;
typedef mach_port_t vm_map_read_t;
#define MACH_PORT_NULL 0
typedef unsigned int mach_msg_type_number_t;
typedef int boolean_t;
#ifndef FALSE
#define FALSE 0   /* mach/boolean.h */
#define TRUE 1
#endif
typedef int vm_prot_t;
typedef unsigned int vm_inherit_t;
typedef int vm_behavior_t;
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_size_t;
typedef uint64_t mach_vm_offset_t;
typedef unsigned long long memory_object_offset_t;
typedef int vm_region_flavor_t;
typedef int *vm_region_info_t;
#define VM_INHERIT_NONE 2
#define VM_FLAGS_FIXED 0x0000
#define VM_FLAGS_OVERWRITE 0x4000
#define VM_REGION_BASIC_INFO_64 9
#pragma pack(push, 4)
struct vm_region_basic_info_64 {
	vm_prot_t protection;
	vm_prot_t max_protection;
	vm_inherit_t inheritance;
	boolean_t shared;
	boolean_t reserved;
	memory_object_offset_t offset;
	vm_behavior_t behavior;
	unsigned short user_wired_count;
};
#pragma pack(pop)
typedef struct vm_region_basic_info_64 vm_region_basic_info_data_64_t;
#define VM_REGION_BASIC_INFO_COUNT_64 \
	((mach_msg_type_number_t)(sizeof(vm_region_basic_info_data_64_t) / sizeof(int)))
mach_port_t mach_task_self(void);
