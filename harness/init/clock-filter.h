/* SPDX-License-Identifier: GPL-2.0 */
/*
 * forbid_clock_syscalls(ACTION): install a seccomp filter that answers every
 * syscall that reads a clock (clock_gettime, clock_gettime64, gettimeofday,
 * time) with ACTION, so that a later clock read works only when the vDSO
 * serves it.  Returns 0, or -1 with errno set.  Shared by the guests' init
 * (its vDSO check) and the CRIU test's clock-record.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static void deny_syscall(struct sock_filter **p, long nr, unsigned int action)
{
	*(*p)++ = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1);
	*(*p)++ = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action);
}

static int forbid_clock_syscalls(unsigned int action)
{
	struct sock_filter insns[16], *p = insns;
	struct sock_fprog prog;

	*p++ = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					    offsetof(struct seccomp_data, nr));
#ifdef __NR_clock_gettime
	deny_syscall(&p, __NR_clock_gettime, action);
#endif
#ifdef __NR_clock_gettime64
	deny_syscall(&p, __NR_clock_gettime64, action);
#endif
#ifdef __NR_gettimeofday
	deny_syscall(&p, __NR_gettimeofday, action);
#endif
#ifdef __NR_time
	deny_syscall(&p, __NR_time, action);
#endif
	*p++ = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = p - insns;
	prog.filter = insns;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -1;
	return 0;
}
