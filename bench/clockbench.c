// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of time namespaces, as make bench measures it in a guest.
 *
 *   clockbench [OPTION...] [GROUP...]  GROUPs: reads timers lifecycle memory
 *                                      settime (all when none is given)
 *   --faketime=LABEL   the vDSO reads only, in the root namespace, as LABEL:
 *                      for a run under libfaketime's LD_PRELOAD
 *   --loops=N          vDSO reads per run (100000); syscalls get a quarter,
 *                      timers a hundredth (a thousandth for the late ones)
 *   --repeats=N        runs per figure after the warm-up (7)
 *   --list             the groups
 *
 * Namespaces ("where"):
 *   root   the root time namespace
 *   ns     a child time namespace with monotonic and boottime offsets
 *   rtns   the same plus a realtime offset (the series' "realtime" record of
 *          /proc/PID/timens_offsets; a kernel without it says EINVAL)
 *
 * Each figure is measured after a warm-up run, REPEATS times, and printed as
 *
 *   bench: GROUP WHERE NAME MEDIAN MIN MAX UNIT
 *
 * A figure that cannot be had here is "bench-na: GROUP WHERE NAME reason";
 * what the host should know of the run is "bench-info: KEY VALUE"; anything
 * that makes the figures wrong is "bench-error: reason" and a non-zero exit.
 *
 * Times are read with the clock_gettime syscall, never the vDSO, so that
 * libfaketime (which wraps the libc calls) cannot distort the timing itself.
 * Under QEMU -icount shift=0 with one vCPU, guest nanoseconds are executed
 * instructions, so the figures are instruction counts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif

/* Offsets of the child namespaces: one day each, as libfaketime's +1d. */
#define DAY		86400LL
#define NS_OFFSETS	"monotonic 86400 0\nboottime 86400 0\n"
#define RT_RECORD	"realtime 86400 0\n"

static long loops = 100000;	/* vDSO reads per run; syscalls get a quarter */
static int repeats = 7;

/* --- output --------------------------------------------------------------- */

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench-error: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
	_exit(1);
}

/* --- clocks ---------------------------------------------------------------- */

/* A clock read by the syscall: 64-bit time on every ABI. */
static long long sys_ns(clockid_t clk)
{
	long long kts[2];	/* struct __kernel_timespec */

#ifdef SYS_clock_gettime64
	if (syscall(SYS_clock_gettime64, clk, kts))
#else
	if (syscall(SYS_clock_gettime, clk, kts))
#endif
		fail("clock_gettime syscall on clock %d: %s", (int)clk, strerror(errno));
	return kts[0] * 1000000000LL + kts[1];
}

/* The timing clock: an offset of the namespace cancels out. */
static long long now(void)
{
	return sys_ns(CLOCK_MONOTONIC);
}

static long long libc_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		fail("clock_gettime(%d): %s", (int)clk, strerror(errno));
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* fn(arg) returns one sample; a warm-up, then REPEATS samples. */
static void figure(const char *group, const char *where, const char *name,
		   const char *unit, double (*fn)(const void *), const void *arg)
{
	double r[64];
	int i;

	fn(arg);
	for (i = 0; i < repeats; i++)
		r[i] = fn(arg);
	qsort(r, repeats, sizeof(r[0]), cmp);
	out("bench: %s %s %s %.1f %.1f %.1f %s\n", group, where, name,
	    r[repeats / 2], r[0], r[repeats - 1], unit);
}

/* --- reads ----------------------------------------------------------------- */

enum how { LIBC_CLOCK, SYS_CLOCK, LIBC_GTOD, SYS_GTOD, LIBC_TIME, SYS_TIME };

struct read {
	const char *name;
	clockid_t clk;
	enum how how;
};

static const struct read reads[] = {
	{ "vdso-realtime", CLOCK_REALTIME, LIBC_CLOCK },
	{ "vdso-monotonic", CLOCK_MONOTONIC, LIBC_CLOCK },
	{ "vdso-boottime", CLOCK_BOOTTIME, LIBC_CLOCK },
	{ "vdso-tai", CLOCK_TAI, LIBC_CLOCK },
	{ "vdso-realtime-coarse", CLOCK_REALTIME_COARSE, LIBC_CLOCK },
	{ "vdso-monotonic-coarse", CLOCK_MONOTONIC_COARSE, LIBC_CLOCK },
	{ "vdso-gettimeofday", CLOCK_REALTIME, LIBC_GTOD },
	{ "vdso-time", CLOCK_REALTIME, LIBC_TIME },
	{ "syscall-realtime", CLOCK_REALTIME, SYS_CLOCK },
	{ "syscall-monotonic", CLOCK_MONOTONIC, SYS_CLOCK },
	{ "syscall-boottime", CLOCK_BOOTTIME, SYS_CLOCK },
	{ "syscall-tai", CLOCK_TAI, SYS_CLOCK },
	{ "syscall-realtime-coarse", CLOCK_REALTIME_COARSE, SYS_CLOCK },
	{ "syscall-monotonic-coarse", CLOCK_MONOTONIC_COARSE, SYS_CLOCK },
	{ "syscall-gettimeofday", CLOCK_REALTIME, SYS_GTOD },
	{ "syscall-time", CLOCK_REALTIME, SYS_TIME },
};
#define NREADS	(sizeof(reads) / sizeof(reads[0]))

static int is_syscall(const struct read *r)
{
	return r->how == SYS_CLOCK || r->how == SYS_GTOD || r->how == SYS_TIME;
}

/* Why a read has no syscall of its own here, or NULL. */
static const char *no_syscall(const struct read *r)
{
#ifndef SYS_gettimeofday
	if (r->how == SYS_GTOD)
		return "this ABI has no gettimeofday syscall";
#endif
#ifndef SYS_time
	if (r->how == SYS_TIME)
		return "this ABI has no time syscall";
#endif
	(void)r;
	return NULL;
}

static double read_run(const void *arg)
{
	const struct read *r = arg;
	long n = is_syscall(r) ? (loops / 4 ? loops / 4 : 1) : loops;
	long long kts[2];
	struct timespec ts;
	struct timeval tv;
	long long t0 = now();
	long i;

	for (i = 0; i < n; i++) {
		switch (r->how) {
		case LIBC_CLOCK:
			clock_gettime(r->clk, &ts);
			break;
		case SYS_CLOCK:
#ifdef SYS_clock_gettime64
			syscall(SYS_clock_gettime64, r->clk, kts);
#else
			syscall(SYS_clock_gettime, r->clk, kts);
#endif
			break;
		case LIBC_GTOD:
			gettimeofday(&tv, NULL);
			break;
		case SYS_GTOD:
#ifdef SYS_gettimeofday
			syscall(SYS_gettimeofday, &tv, NULL);
#endif
			break;
		case LIBC_TIME:
			time(NULL);
			break;
		case SYS_TIME:
#ifdef SYS_time
			syscall(SYS_time, NULL);
#endif
			break;
		}
	}
	return (double)(now() - t0) / n;
}

static void reads_in(const char *where, int vdso_only)
{
	unsigned int i;

	for (i = 0; i < NREADS; i++) {
		const struct read *r = &reads[i];

		if (vdso_only && is_syscall(r))
			continue;
		if (no_syscall(r))
			out("bench-na: reads %s %s %s\n", where, r->name, no_syscall(r));
		else
			figure("reads", where, r->name, "ns", read_run, r);
	}
}

/* --- timers ---------------------------------------------------------------- */

/*
 * arm:  arm an absolute deadline 1000 s ahead and disarm it (timerfd)
 * fire: arm an absolute deadline already past and wait for it to fire
 *       (timerfd: settime + read; clock_nanosleep: the sleep)
 * late: an absolute deadline 50 us ahead: how late the waiter wakes
 */
enum tkind { TFD_ARM, TFD_FIRE, TFD_LATE, SLEEP_FIRE, SLEEP_LATE };

struct timer {
	const char *name;
	clockid_t clk;
	enum tkind kind;
};

static const struct timer timers[] = {
	{ "timerfd-arm-monotonic", CLOCK_MONOTONIC, TFD_ARM },
	{ "timerfd-arm-realtime", CLOCK_REALTIME, TFD_ARM },
	{ "timerfd-fire-monotonic", CLOCK_MONOTONIC, TFD_FIRE },
	{ "timerfd-fire-realtime", CLOCK_REALTIME, TFD_FIRE },
	{ "timerfd-late-monotonic", CLOCK_MONOTONIC, TFD_LATE },
	{ "timerfd-late-realtime", CLOCK_REALTIME, TFD_LATE },
	{ "nanosleep-fire-monotonic", CLOCK_MONOTONIC, SLEEP_FIRE },
	{ "nanosleep-fire-realtime", CLOCK_REALTIME, SLEEP_FIRE },
	{ "nanosleep-late-monotonic", CLOCK_MONOTONIC, SLEEP_LATE },
	{ "nanosleep-late-realtime", CLOCK_REALTIME, SLEEP_LATE },
};
#define NTIMERS	(sizeof(timers) / sizeof(timers[0]))

static struct timespec ts_of(long long ns)
{
	return (struct timespec){ .tv_sec = ns / 1000000000LL,
				  .tv_nsec = ns % 1000000000LL };
}

static double timer_run(const void *arg)
{
	const struct timer *t = arg;
	int late = t->kind == TFD_LATE || t->kind == SLEEP_LATE;
	/* 1000 and 100 with the default --loops; fewer where guests are slow. */
	long n = late ? (loops / 1000 ?: 1) : (loops / 100 ?: 1), i;
	long long t0, sum = 0, deadline;
	struct itimerspec its = { 0 }, off = { 0 };
	struct timespec ts;
	uint64_t ticks;
	int fd = -1;

	if (t->kind <= TFD_LATE) {
		fd = timerfd_create(t->clk, 0);
		if (fd < 0)
			fail("timerfd_create: %s", strerror(errno));
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		/* A namespace's clock: the deadline is in its time. */
		deadline = libc_ns(t->clk);
		switch (t->kind) {
		case TFD_ARM:
			its.it_value = ts_of(deadline + 1000 * 1000000000LL);
			if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) ||
			    timerfd_settime(fd, 0, &off, NULL))
				fail("timerfd_settime: %s", strerror(errno));
			break;
		case TFD_FIRE:
		case TFD_LATE:
			if (late)
				deadline += 50000;
			its.it_value = ts_of(deadline);
			if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL))
				fail("timerfd_settime: %s", strerror(errno));
			if (read(fd, &ticks, sizeof(ticks)) != sizeof(ticks))
				fail("read timerfd: %s", strerror(errno));
			break;
		case SLEEP_FIRE:
		case SLEEP_LATE:
			if (late)
				deadline += 50000;
			ts = ts_of(deadline);
			errno = clock_nanosleep(t->clk, TIMER_ABSTIME, &ts, NULL);
			if (errno)
				fail("clock_nanosleep: %s", strerror(errno));
			break;
		}
		if (late)
			sum += libc_ns(t->clk) - deadline;
	}
	if (fd >= 0)
		close(fd);
	return (double)(late ? sum : now() - t0) / n;
}

static void timers_in(const char *where)
{
	unsigned int i;

	/* Wake at the deadline, not up to 50 us after it. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	for (i = 0; i < NTIMERS; i++)
		figure("timers", where, timers[i].name, "ns", timer_run, &timers[i]);
}

/* --- namespaces ------------------------------------------------------------ */

/*
 * Write offset records to /proc/self/timens_offsets, one write() per record
 * with the realtime one last and alone: upstream takes at most two records
 * per write and silently stops after them, while a realtime record alone
 * gets its EINVAL from a kernel without it.
 */
static char bad_record[64];	/* the record a failed write_offsets() stopped at */

static int write_offsets(const char *recs)
{
	int fd = open("/proc/self/timens_offsets", O_WRONLY), ret = 0;
	const char *p = recs;

	if (fd < 0)
		return -1;
	while (*p && !ret) {
		size_t len = strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n');
		ssize_t n = write(fd, p, len);

		if (n != (ssize_t)len) {
			if (n >= 0)
				errno = EIO;
			snprintf(bad_record, sizeof(bad_record), "%.*s",
				 (int)strcspn(p, "\n"), p);
			ret = -1;
		}
		p += len;
	}
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return ret;
}

static int wait_child(pid_t pid)
{
	int status;

	if (pid < 0)
		fail("fork: %s", strerror(errno));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fail("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		fail("a benchmark process died of signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

struct where {
	const char *name;
	const char *offsets;	/* NULL for the root namespace */
	long long mono, real;	/* offsets the clocks must show */
};

static const struct where wheres[] = {
	{ "root", NULL, 0, 0 },
	{ "ns", NS_OFFSETS, DAY, 0 },
	{ "rtns", NS_OFFSETS RT_RECORD, DAY, DAY },
};

/*
 * A figure is only what it claims if the namespace's clocks show its
 * offsets, through the vDSO and through the syscall alike.  The child in
 * the namespace reads its clocks between two readings of the root
 * namespace's by its parent: with the offsets taken off, each must fall
 * between them.  Elapsed time cannot fool that: on the instruction clock
 * an idle guest's time jumps ahead, by minutes at a time.
 */
struct reading {
	long long mono_vdso, mono_sys, real_vdso, real_sys;
};

static struct reading read_clocks(void)
{
	return (struct reading){ libc_ns(CLOCK_MONOTONIC), sys_ns(CLOCK_MONOTONIC),
				 libc_ns(CLOCK_REALTIME), sys_ns(CLOCK_REALTIME) };
}

static int bracket(const char *where, const char *what, long long before,
		   long long got, long long after, long long off)
{
	const long long slack = 1000000;	/* 1 ms: the vDSO and the syscall */

	got -= off * 1000000000LL;
	if (got >= before - slack && got <= after + slack)
		return 0;
	out("bench-error: %s: %s is %+.3f s from the root namespace's, not %+lld s\n",
	    where, what, (got + off * 1000000000LL - before) / 1e9, off);
	return -1;
}

/* In the child: its readings to the parent, the verdict back. */
static void check_child(const struct where *w, int go, int back)
{
	struct reading r;
	char c;

	if (read(go, &c, 1) != 1)
		fail("%s: no word from the parent", w->name);
	r = read_clocks();
	if (write(back, &r, sizeof(r)) != sizeof(r) || read(go, &c, 1) != 1 || c != 'y')
		_exit(1);
	/* TAI follows realtime: the same distance through vDSO and syscall. */
	if (llabs(libc_ns(CLOCK_TAI) - libc_ns(CLOCK_REALTIME) -
		  (sys_ns(CLOCK_TAI) - sys_ns(CLOCK_REALTIME))) > 1000000000LL)
		fail("%s: CLOCK_TAI - CLOCK_REALTIME differs between the vDSO and the syscall",
		     w->name);
}

/* In the parent, which stays in the root namespace. */
static int check_parent(const struct where *w, int go, int back)
{
	long long mono0, real0, mono1, real1;
	struct reading r;
	int bad = 0;

	mono0 = sys_ns(CLOCK_MONOTONIC);
	real0 = sys_ns(CLOCK_REALTIME);
	if (write(go, "g", 1) != 1 || read(back, &r, sizeof(r)) != sizeof(r))
		return -1;
	mono1 = sys_ns(CLOCK_MONOTONIC);
	real1 = sys_ns(CLOCK_REALTIME);
	bad |= bracket(w->name, "vDSO CLOCK_MONOTONIC", mono0, r.mono_vdso, mono1, w->mono);
	bad |= bracket(w->name, "syscall CLOCK_MONOTONIC", mono0, r.mono_sys, mono1, w->mono);
	bad |= bracket(w->name, "vDSO CLOCK_REALTIME", real0, r.real_vdso, real1, w->real);
	bad |= bracket(w->name, "syscall CLOCK_REALTIME", real0, r.real_sys, real1, w->real);
	if (write(go, bad ? "n" : "y", 1) != 1)
		return -1;
	return bad;
}

typedef void (*body_fn)(const char *where);

/*
 * Run body in a process of namespace w.  The namespace's offsets are written
 * after unshare() and before the fork whose child enters it.  When the kernel
 * cannot make the namespace, every figure of the group is n/a with the
 * reason (the base kernel has no realtime record; a TIME_NS=n kernel no time
 * namespaces at all).
 */
static void in_namespace(const struct where *w, const char *group, body_fn body,
			 void (*na)(const char *where, const char *why))
{
	pid_t pid = fork();

	if (pid == 0) {
		int go[2], back[2];
		char why[160];

		if (w->offsets && unshare(CLONE_NEWTIME)) {
			snprintf(why, sizeof(why), "unshare(CLONE_NEWTIME): %s", strerror(errno));
			na(w->name, why);
			_exit(0);
		}
		if (w->offsets && write_offsets(w->offsets)) {
			snprintf(why, sizeof(why), "writing \"%s\" to /proc/self/timens_offsets: %s",
				 bad_record, strerror(errno));
			na(w->name, why);
			_exit(0);
		}
		if (pipe(go) || pipe(back))
			fail("pipe: %s", strerror(errno));
		pid = fork();
		if (pid == 0) {
			check_child(w, go[0], back[1]);
			body(w->name);
			_exit(0);
		}
		if (pid < 0)
			fail("fork: %s", strerror(errno));
		if (check_parent(w, go[1], back[0])) {
			wait_child(pid);
			fail("%s: the namespace's clocks do not show its offsets", w->name);
		}
		_exit(wait_child(pid));
	}
	if (wait_child(pid))
		fail("%s %s: the benchmark failed", group, w->name);
}

static void reads_na_of(const char *where, const char *why, int vdso_only)
{
	unsigned int i;

	for (i = 0; i < NREADS; i++)
		if (!vdso_only || !is_syscall(&reads[i]))
			out("bench-na: reads %s %s %s\n", where, reads[i].name, why);
}

static void reads_na(const char *where, const char *why)
{
	reads_na_of(where, why, 0);
}

static void timers_na(const char *where, const char *why)
{
	unsigned int i;

	for (i = 0; i < NTIMERS; i++)
		out("bench-na: timers %s %s %s\n", where, timers[i].name, why);
}

static void reads_body(const char *where)
{
	reads_in(where, 0);
}

/* --- lifecycle ------------------------------------------------------------- */

static const char *life_offsets;

/* A child that exits at once; its status. */
static int child_exits(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	return wait_child(pid);
}

/* fork + exit + wait: what creating a namespace adds to. */
static double life_fork(const void *arg)
{
	long n = 200, i;
	long long t0 = now();

	(void)arg;
	for (i = 0; i < n; i++)
		if (child_exits())
			fail("fork child failed");
	return (double)(now() - t0) / n;
}

/* unshare + the offsets + the first child, which enters, exits, is reaped. */
static double life_create(const void *arg)
{
	long n = 200, i;
	long long t0 = now();

	(void)arg;
	for (i = 0; i < n; i++) {
		if (unshare(CLONE_NEWTIME))
			fail("unshare(CLONE_NEWTIME): %s", strerror(errno));
		if (write_offsets(life_offsets))
			fail("writing \"%s\" to timens_offsets: %s", bad_record, strerror(errno));
		if (child_exits())
			fail("first child failed");
	}
	return (double)(now() - t0) / n;
}

static int ns_fd, root_fd;

/* setns into an existing namespace and back to the root one, per pair. */
static double life_setns(const void *arg)
{
	long n = 200, i;
	long long t0 = now();

	(void)arg;
	for (i = 0; i < n; i++)
		if (setns(ns_fd, CLONE_NEWTIME) || setns(root_fd, CLONE_NEWTIME))
			fail("setns: %s", strerror(errno));
	return (double)(now() - t0) / n;
}

static void lifecycle(void)
{
	char why[160];
	pid_t pid;
	int st;

	figure("lifecycle", "root", "fork-exit-wait", "ns", life_fork, NULL);

	/* Each in a process of its own: unshare changes its children's namespace. */
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWTIME)) {
			snprintf(why, sizeof(why), "unshare(CLONE_NEWTIME): %s", strerror(errno));
			out("bench-na: lifecycle ns create %s\n", why);
			out("bench-na: lifecycle ns setns-pair %s\n", why);
			out("bench-na: lifecycle rtns create %s\n", why);
			_exit(0);
		}
		life_offsets = NS_OFFSETS;
		figure("lifecycle", "ns", "create", "ns", life_create, NULL);

		/* A namespace held by a child that entered it, and the root one. */
		root_fd = open("/proc/self/ns/time", O_RDONLY);
		if (unshare(CLONE_NEWTIME) || write_offsets(NS_OFFSETS))
			fail("unshare/offsets: %s", strerror(errno));
		ns_fd = open("/proc/self/ns/time_for_children", O_RDONLY);
		if (root_fd < 0 || ns_fd < 0)
			fail("open /proc/self/ns/time*: %s", strerror(errno));
		figure("lifecycle", "ns", "setns-pair", "ns", life_setns, NULL);

		life_offsets = NS_OFFSETS RT_RECORD;
		if (unshare(CLONE_NEWTIME))
			fail("unshare(CLONE_NEWTIME): %s", strerror(errno));
		if (write_offsets(life_offsets)) {
			out("bench-na: lifecycle rtns create writing \"%s\" to /proc/self/timens_offsets: %s\n",
			    bad_record, strerror(errno));
			_exit(0);
		}
		figure("lifecycle", "rtns", "create", "ns", life_create, NULL);
		_exit(0);
	}
	st = wait_child(pid);
	if (st)
		fail("lifecycle: the benchmark failed");
}

/* --- settime --------------------------------------------------------------- */

/*
 * The cost of setting a clock: a namespace's own, with 0, 100 and 10,000
 * absolute deadlines armed in it and with 10,000 armed in a sibling; and the
 * host's, with 1, 100 and 10,000 namespaces that own their realtime alive,
 * each with deadlines armed.  A namespace's set must cost what it has armed;
 * the host's must not grow with the namespaces.
 */
#define SETS		20	/* sets per sample */
#define HOLD_MAX	10000

static const int set_counts[] = { 0, 100, 10000 };
static const int host_counts[] = { 1, 100, 10000 };
static int held_fds[3 * HOLD_MAX + 16], nr_held;

/* A realtime timerfd, armed a day from now on the caller's clock */
static void arm_timerfd(void)
{
	struct itimerspec its = { 0 };
	int fd = timerfd_create(CLOCK_REALTIME, 0);

	if (fd < 0)
		fail("timerfd_create: %s", strerror(errno));
	its.it_value.tv_sec = sys_ns(CLOCK_REALTIME) / 1000000000LL + DAY;
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL))
		fail("timerfd_settime: %s", strerror(errno));
	held_fds[nr_held++] = fd;
}

/*
 * A new namespace that owns its realtime, entered with setns(): 0, or -1
 * with errno when the kernel has no realtime record.
 */
static int enter_new_rtns(void)
{
	int fd;

	if (unshare(CLONE_NEWTIME) || write_offsets("realtime 0 0"))
		return -1;
	fd = open("/proc/self/ns/time_for_children", O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWTIME))
		fail("entering a new namespace: %s", strerror(errno));
	held_fds[nr_held++] = fd;
	return 0;
}

/* Room for 10,000 namespaces and their timerfds */
static void make_room(void)
{
	struct rlimit rl = { 4 * HOLD_MAX + 64, 4 * HOLD_MAX + 64 };

	int fd = open("/proc/sys/user/max_time_namespaces", O_WRONLY);

	if (setrlimit(RLIMIT_NOFILE, &rl))
		fail("setrlimit(RLIMIT_NOFILE): %s", strerror(errno));
	/* Without user namespaces there is no such limit to raise */
	if (fd >= 0) {
		if (write(fd, "100000", 6) != 6)
			fail("max_time_namespaces: %s", strerror(errno));
		close(fd);
	}
}

/* adjtimex(ADJ_SETOFFSET) by a second, forward then back: net nothing */
static double ns_set(const void *arg)
{
	struct timex tx = { .modes = ADJ_SETOFFSET };
	long long t0 = now();
	int i;

	(void)arg;
	for (i = 0; i < SETS; i++) {
		tx.time.tv_sec = i & 1 ? -1 : 1;
		if (adjtimex(&tx) < 0)
			fail("adjtimex(ADJ_SETOFFSET) in a namespace: %s", strerror(errno));
	}
	return (double)(now() - t0) / SETS;
}

/* The host's clock set to what it reads */
static double host_set(const void *arg)
{
	long long t0 = now();
	struct timespec ts;
	int i;

	(void)arg;
	for (i = 0; i < SETS; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		if (clock_settime(CLOCK_REALTIME, &ts))
			fail("clock_settime: %s", strerror(errno));
	}
	return (double)(now() - t0) / SETS;
}

static void settime_na(const char *where, const char *name)
{
	out("bench-na: settime %s %s writing \"realtime 0 0\" to /proc/self/timens_offsets: %s\n",
	    where, name, strerror(errno));
}

static void settime_own(void)
{
	char name[32];
	unsigned int i;
	int armed = 0;

	if (enter_new_rtns()) {
		for (i = 0; i < 3; i++) {
			snprintf(name, sizeof(name), "set-%d", set_counts[i]);
			settime_na("rtns", name);
		}
		return;
	}
	for (i = 0; i < 3; i++) {
		for (; armed < set_counts[i]; armed++)
			arm_timerfd();
		snprintf(name, sizeof(name), "set-%d", set_counts[i]);
		figure("settime", "rtns", name, "ns", ns_set, NULL);
	}
}

static void settime_sibling(void)
{
	int i;

	if (enter_new_rtns()) {
		settime_na("rtns", "set-0-sibling-10000");
		return;
	}
	for (i = 0; i < HOLD_MAX; i++)
		arm_timerfd();
	if (enter_new_rtns())
		fail("a second namespace: %s", strerror(errno));
	figure("settime", "rtns", "set-0-sibling-10000", "ns", ns_set, NULL);
}

static void settime_host(void)
{
	int root = open("/proc/self/ns/time", O_RDONLY), held = 0;
	char name[32];
	unsigned int i;

	for (i = 0; root < 0 && i < 3; i++)
		out("bench-na: settime root hostset-%d open /proc/self/ns/time: %s\n",
		    host_counts[i], strerror(errno));
	for (i = 0; root >= 0 && i < 3; i++) {
		snprintf(name, sizeof(name), "hostset-%d", host_counts[i]);
		for (; held < host_counts[i]; held++) {
			if (enter_new_rtns()) {
				settime_na("root", name);
				goto next;
			}
			arm_timerfd();
			arm_timerfd();
			if (setns(root, CLONE_NEWTIME))
				fail("setns back to the root namespace: %s", strerror(errno));
		}
		figure("settime", "root", name, "ns", host_set, NULL);
next:
		;
	}
}

static void settime_group(void)
{
	void (*parts[])(void) = { settime_own, settime_sibling, settime_host };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			make_room();
			parts[i]();
			_exit(0);
		}
		if (wait_child(pid))
			fail("settime: the benchmark failed");
	}
}

/* --- memory ---------------------------------------------------------------- */

static void write_file(const char *path, const char *text);

/* Per-CPU counter deltas folded into the totals that /proc shows. */
static void refresh(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	/* A uniprocessor kernel has no per-CPU deltas, and no such file. */
	if (fd < 0 && errno == ENOENT)
		return;
	if (fd < 0 || write(fd, "1", 1) != 1)
		fail("/proc/sys/vm/stat_refresh: %s", strerror(errno));
	close(fd);
}

/* A "Key: value kB" of /proc/meminfo. */
static long meminfo(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		fail("/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			v = atol(line + len + 1);
	fclose(f);
	if (v < 0)
		fail("/proc/meminfo has no %s", key);
	return v;
}

/*
 * Free memory in KiB: MemFree plus the pages on the per-CPU free lists
 * (/proc/zoneinfo's pageset "count"s).  MemFree alone moves only when those
 * lists go back to or refill from the buddy allocator, a batch of pages at
 * a time, which hides the page a namespace takes.
 */
static long free_kib(void)
{
	char line[256];
	long pcp = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		fail("/proc/zoneinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " ");

		if (!strncmp(p, "count:", 6))
			pcp += atol(p + 6);
	}
	fclose(f);
	return meminfo("MemFree") + pcp * (sysconf(_SC_PAGESIZE) / 1024);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		fail("%s: %s", path, strerror(errno));
	close(fd);
}

/*
 * Let what the last round freed reach the free lists (dentries and inodes go
 * after an RCU grace period) and empty the page cache, so that free memory
 * moves by what the namespaces take and little else.  The grace period is
 * waited out busy, yielding: on malta under -icount a CPU that goes idle
 * takes very long (in host time) to wake up.
 */
static void settle(void)
{
	long long end;

	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	end = now() + 200 * 1000000LL;
	while (now() < end)
		sched_yield();
	write_file("/proc/sys/vm/drop_caches", "3");
}

/*
 * Hold N namespaces, each with its offsets written and kept alive by an
 * open /proc/self/ns/time_for_children: the deltas of free memory and Slab
 * per namespace.  "pages" is the free memory lost beyond the slab: the
 * namespace's vvar page, mostly.  The fd that holds a namespace costs a struct file, a
 * dentry and an nsfs inode, which the slab figure includes.
 */
static void memory(void)
{
	static const long counts[] = { 1, 100, 1000, 10000 };
	static int fds[10000];
	struct rlimit rl = { 10100, 10100 };
	unsigned int c;
	int r;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		fail("setrlimit(RLIMIT_NOFILE, 10100): %s", strerror(errno));
	write_file("/proc/sys/user/max_time_namespaces", "20000");
	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		long n = counts[c], k;
		double pages[16], slab[16];
		char name[32], why[160];
		int reps = n >= 1000 ? 3 : 5;

		why[0] = '\0';
		for (r = 0; r < reps && !why[0]; r++) {
			long free0, slab0;

			settle();
			refresh();
			free0 = free_kib();
			slab0 = meminfo("Slab");
			for (k = 0; k < n; k++) {
				if (unshare(CLONE_NEWTIME) || write_offsets(NS_OFFSETS)) {
					snprintf(why, sizeof(why), "%s after %ld namespaces",
						 strerror(errno), k);
					break;
				}
				fds[k] = open("/proc/self/ns/time_for_children", O_RDONLY);
				if (fds[k] < 0) {
					snprintf(why, sizeof(why), "open: %s after %ld namespaces",
						 strerror(errno), k);
					break;
				}
			}
			if (!why[0]) {
				refresh();
				slab[r] = (double)(meminfo("Slab") - slab0) / n;
				pages[r] = (double)(free0 - free_kib()) / n - slab[r];
			}
			while (k > 0)
				close(fds[--k]);
			/* Let go of the last one, which time_for_children holds. */
			if (unshare(CLONE_NEWTIME) && !why[0])
				snprintf(why, sizeof(why), "unshare: %s", strerror(errno));
		}
		if (why[0]) {
			out("bench-na: memory ns pages-%ld %s\n", n, why);
			out("bench-na: memory ns slab-%ld %s\n", n, why);
			continue;
		}
		qsort(pages, reps, sizeof(pages[0]), cmp);
		qsort(slab, reps, sizeof(slab[0]), cmp);
		snprintf(name, sizeof(name), "pages-%ld", n);
		out("bench: memory ns %s %.2f %.2f %.2f KiB\n", name,
		    pages[reps / 2], pages[0], pages[reps - 1]);
		snprintf(name, sizeof(name), "slab-%ld", n);
		out("bench: memory ns %s %.2f %.2f %.2f KiB\n", name,
		    slab[reps / 2], slab[0], slab[reps - 1]);
	}
}

static void memory_group(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (unshare(CLONE_NEWTIME)) {
			static const long counts[] = { 1, 100, 1000, 10000 };
			unsigned int c;

			for (c = 0; c < 4; c++) {
				out("bench-na: memory ns pages-%ld unshare(CLONE_NEWTIME): %s\n",
				    counts[c], strerror(errno));
				out("bench-na: memory ns slab-%ld unshare(CLONE_NEWTIME): %s\n",
				    counts[c], strerror(errno));
			}
			_exit(0);
		}
		memory();
		_exit(0);
	}
	if (wait_child(pid))
		fail("memory: the benchmark failed");
}

/* --- main ------------------------------------------------------------------ */

static const char *const groups[] = { "reads", "timers", "lifecycle", "memory", "settime" };
#define NGROUPS	(sizeof(groups) / sizeof(groups[0]))

static void info(void)
{
	struct utsname u;
	char cs[64] = "unknown";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	if (f) {
		if (fgets(cs, sizeof(cs), f))
			cs[strcspn(cs, "\n")] = '\0';
		fclose(f);
	}
	uname(&u);
	out("bench-info: release %s\n", u.release);
	out("bench-info: version %s\n", u.version);
	out("bench-info: machine %s\n", u.machine);
	out("bench-info: cpus %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	out("bench-info: clocksource %s\n", cs);
	out("bench-info: loops %ld\n", loops);
	out("bench-info: repeats %d\n", repeats);
}

static void usage_groups(FILE *f)
{
	unsigned int i;

	for (i = 0; i < NGROUPS; i++)
		fprintf(f, "%s%s", i ? " " : "", groups[i]);
	fputc('\n', f);
}

int main(int argc, char **argv)
{
	const char *faketime = NULL;
	int want[NGROUPS] = { 0 }, any = 0, i;
	unsigned int g;
	cpu_set_t one;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--list")) {
			usage_groups(stdout);
			return 0;
		}
		if (!strncmp(argv[i], "--faketime=", 11)) {
			faketime = argv[i] + 11;
			continue;
		}
		if (!strncmp(argv[i], "--loops=", 8)) {
			loops = atol(argv[i] + 8);
			continue;
		}
		if (!strncmp(argv[i], "--repeats=", 10)) {
			repeats = atoi(argv[i] + 10);
			continue;
		}
		for (g = 0; g < NGROUPS && strcmp(argv[i], groups[g]); g++)
			;
		if (g == NGROUPS) {
			fprintf(stderr, "unknown benchmark '%s'; valid: ", argv[i]);
			usage_groups(stderr);
			return 2;
		}
		want[g] = any = 1;
	}
	if (loops < 4 || repeats < 1 || repeats > 15) {
		fprintf(stderr, "--loops must be 4 or more, --repeats 1 to 15\n");
		return 2;
	}

	/* One CPU: no migration in the middle of a run. */
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		fail("sched_setaffinity: %s", strerror(errno));
	info();

	if (faketime) {
		/*
		 * libfaketime wraps the libc calls: a read through them must be
		 * far from the syscall's.  Not exactly a day: on the instruction
		 * clock, where idle time warps, libfaketime's own arithmetic
		 * drifts from the kernel's by minutes.  A static program never
		 * loads it, and reads the same time both ways.
		 */
		long long d = libc_ns(CLOCK_REALTIME) - sys_ns(CLOCK_REALTIME);

		out("bench-info: %s-shift-seconds %.0f\n", faketime, d / 1e9);
		if (llabs(d) < 3600 * 1000000000LL) {
			reads_na_of(faketime, "libfaketime has no effect here (CLOCK_REALTIME unshifted: LD_PRELOAD does not reach a static program)", 1);
			out("bench-done\n");
			return 0;
		}
		reads_in(faketime, 1);
		out("bench-done\n");
		return 0;
	}

	for (g = 0; g < NGROUPS; g++) {
		if (any && !want[g])
			continue;
		switch (g) {
		case 0:
			for (i = 0; i < 3; i++)
				in_namespace(&wheres[i], "reads", reads_body, reads_na);
			break;
		case 1:
			for (i = 0; i < 3; i++)
				in_namespace(&wheres[i], "timers", timers_in, timers_na);
			break;
		case 2:
			lifecycle();
			break;
		case 3:
			memory_group();
			break;
		case 4:
			settime_group();
			break;
		}
	}
	out("bench-done\n");
	return 0;
}
