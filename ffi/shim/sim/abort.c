/*
 * abort.c: how the sim ends a process that misused the SPI, in the two ways
 * xnu does, with xnu's words:
 *  - libsyscall's SK_ABORT / SK_ABORT_WITH_CAUSE (bsd/skywalk/core/
 *    skywalk_common.h, xnu-11215): "<msg>\n" or "<msg>: cause 0x<cause>\n"
 *    on stderr, then a trap instruction;
 *  - the kernel's skywalk_kill_process (bsd/skywalk/core/skywalk.c): SIGABRT
 *    with an OS_REASON_SKYWALK exit reason whose code is a
 *    SKYWALK_KILL_REASON_* value or'ed with the sync kind. The kernel logs
 *    "<proc>(<pid>) aborted for reason 0x<code>"; the sim prints that line and
 *    the reason's names, since there is no crash report to read them from.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "sim.h"

_Noreturn void sim_abort(const char *msg)
{
	fprintf(stderr, "%s\n", msg);
	fflush(stderr);
	__builtin_trap();
}

_Noreturn void sim_abort_cause(const char *msg, uint32_t cause)
{
	fprintf(stderr, "%s: cause 0x%x\n", msg, cause);
	fflush(stderr);
	__builtin_trap();
}

/* enum in bsd/skywalk/core/skywalk_var.h, in order */
static const char *const kill_names[] = {
	"SKYWALK_KILL_REASON_GENERIC", "SKYWALK_KILL_REASON_HEAD_OOB",
	"SKYWALK_KILL_REASON_HEAD_OOB_WRAPPED", "SKYWALK_KILL_REASON_CUR_OOB",
	"SKYWALK_KILL_REASON_CUR_OOB_WRAPPED_1", "SKYWALK_KILL_REASON_CUR_OOB_WRAPPED_2",
	"SKYWALK_KILL_REASON_TAIL_MISMATCH", "SKYWALK_KILL_REASON_BASIC_SANITY",
	"SKYWALK_KILL_REASON_UNALLOCATED_PKT", "SKYWALK_KILL_REASON_SLOT_NOT_DETACHED",
	"SKYWALK_KILL_REASON_QUM_IDX_MISMATCH", "SKYWALK_KILL_REASON_SYNC_FAILED",
	"SKYWALK_KILL_REASON_INCONSISTENT_READY_BYTES", "SKYWALK_KILL_REASON_BAD_BUFLET_CHAIN",
	"SKYWALK_KILL_REASON_INTERNALIZE_FAILED",
};

static const char *sync_name(uint64_t code)
{
	switch (code & SIM_KILL_SYNC_MASK) {
	case SIM_KILL_EVENT_SYNC: return "SKYWALK_KILL_REASON_EVENT_SYNC";
	case SIM_KILL_FREE_SYNC: return "SKYWALK_KILL_REASON_FREE_SYNC";
	case SIM_KILL_ALLOC_SYNC: return "SKYWALK_KILL_REASON_ALLOC_SYNC";
	case SIM_KILL_RX_SYNC: return "SKYWALK_KILL_REASON_RX_SYNC";
	default: return "SKYWALK_KILL_REASON_TX_SYNC";
	}
}

_Noreturn void sim_kill(uint64_t code)
{
	uint64_t r = code & ~SIM_KILL_SYNC_MASK;
	fprintf(stderr, "skt(%d) aborted for reason 0x%llX (%s | %s)\n", (int)getpid(),
	    (unsigned long long)code, r < sizeof(kill_names) / sizeof(kill_names[0]) ?
	    kill_names[r] : "SKYWALK_KILL_REASON_?", sync_name(code));
	fflush(stderr);
	signal(SIGABRT, SIG_DFL);
	raise(SIGABRT);
	_exit(134);
}
