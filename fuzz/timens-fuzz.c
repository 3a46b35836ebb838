// SPDX-License-Identifier: GPL-2.0
/*
 * timens-fuzz: random sequences of calls on the whole time-namespace
 * surface, from a printed seed, so that a failure replays with the same
 * seed.  Runs in the harness's guests (make fuzz), as root.
 *
 *   timens-fuzz [--seed=N] [--iterations=N] [--seconds=N [--jobs=N]]
 *               [--iteration=N] [--verbose]
 *
 * First ITERATIONS scenarios one after the other (default 200), then, with
 * --seconds, a stress run: JOBS processes (default two per CPU) doing the
 * same for that many seconds, each from seed + its number.  A failure
 * names its seed and iteration: --seed=S --iteration=N replays it alone.
 *
 * Each iteration is a scenario in a child process of its own: it may make
 * a user namespace, unshare CLONE_NEWTIME, write random offsets records,
 * enter the namespace (setns by nsfd or pidfd, clone3, fork), then run a
 * random list of operations: clock reads of every clock id, vDSO and
 * syscall; offsets writes after entry and from other processes; absolute
 * and relative deadlines of every kind the series converts (posix timers,
 * timerfd, clock_nanosleep, futex, mqueue, io_uring), with extreme values; clock setting, only where the namespace owns its realtime; fork,
 * exec, threads and exit in the middle.
 *
 * It fails on an errno outside the documented set of a call, a clock that
 * must not go back going back, a scenario that hangs or dies of a signal,
 * and any change to the clock of the namespace it started in (the host's).
 * Kernel reports on the console are the harness's to judge.  Output is
 * KTAP, one result per kind of operation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/io_uring.h>
#include <linux/sched.h>
#include <mqueue.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME		0x00000080
#endif
#ifndef ADJ_SETOFFSET
#define ADJ_SETOFFSET		0x0100
#endif
#ifndef ADJ_NANO
#define ADJ_NANO		0x2000
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef SYS_clone3
#define SYS_clone3		435
#endif

/*
 * Built with a 64-bit time_t everywhere (make fuzz passes _TIME_BITS=64):
 * a namespace's clocks reach past 2038.  Raw calls then take the time64
 * syscalls on 32-bit; the time32 ones are called on their own, below.
 */
#ifdef SYS_clock_gettime64
#define SYS_gettime		SYS_clock_gettime64
#define SYS_futex_any		SYS_futex_time64
#else
#define SYS_gettime		SYS_clock_gettime
#define SYS_futex_any		SYS_futex
#endif

#define NSEC_PER_SEC		1000000000LL
#define SCENARIO_TIMEOUT	30	/* seconds; a scenario sleeps 5 ms at most */
#define MAX_OPS			12

/* The kinds of operation: one KTAP result each */
enum kind {
	K_SETUP,	/* user and time namespaces, offsets before entry, entry */
	K_READ,		/* clock_gettime() of every id, vDSO and syscall */
	K_OFFSETS,	/* offsets writes after entry and from elsewhere */
	K_NS,		/* unshare, setns (nsfd, pidfd), clone3, threads */
	K_TIMER,	/* posix timers */
	K_TIMERFD,
	K_SLEEP,	/* clock_nanosleep */
	K_FUTEX,
	K_MQUEUE,
	K_URING,	/* io_uring timeouts */
	K_SET,		/* setters, in a namespace that owns its realtime */
	K_LIFE,		/* fork, exec, exit in the middle */
	K_HOST,		/* the starting namespace's clock did not move */
	K_HANG,		/* no scenario hung or died of a signal */
	NR_KINDS
};

static const char *const kind_name[NR_KINDS] = {
	"setup", "clock-reads", "offsets-writes", "namespaces", "posix-timers",
	"timerfd", "nanosleep", "futex", "mqueue", "io_uring", "clock-setting",
	"fork-exec-exit", "host-clock", "no-hang",
};

/* Counters shared by every process of a run */
struct shared {
	unsigned long calls[NR_KINDS];
	unsigned long failures[NR_KINDS];
	unsigned long skipped_set;
	/* distinct (kind, errno) pairs seen: a bitmap of 4096 errnos */
	unsigned char seen[NR_KINDS][512];
};

static struct shared *sh;
static uint64_t rng;
static unsigned long long seed;
static unsigned long iteration;
static int verbose;
static long long only = -1;	/* --iteration=N: that scenario alone */
static int guest;		/* setters allowed: this is a harness guest */
static int owns_realtime;	/* the current namespace owns its realtime */

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static unsigned int pick(unsigned int n)
{
	return rnd() % n;
}

static void fail(enum kind k, const char *fmt, ...)
{
	va_list ap;

	__atomic_add_fetch(&sh->failures[k], 1, __ATOMIC_RELAXED);
	printf("# FAIL seed %llu iteration %lu [%s]: ", seed, iteration,
	       kind_name[k]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/*
 * note: count a call of kind K that returned RET (errno if -1), and fail
 * unless the errno is in the zero-terminated ALLOWED list.
 */
static int note(enum kind k, const char *call, long ret, const int *allowed)
{
	int e = ret < 0 ? errno : 0;

	__atomic_add_fetch(&sh->calls[k], 1, __ATOMIC_RELAXED);
	if (e < 4096)
		__atomic_or_fetch(&sh->seen[k][e / 8], 1 << (e % 8),
				  __ATOMIC_RELAXED);
	if (!e)
		return 0;
	for (; *allowed; allowed++) {
		if (*allowed == e)
			return e;
	}
	fail(k, "%s: unexpected errno %d (%s)", call, e, strerror(e));
	return e;
}

#define ERRS(...)	((const int []){ __VA_ARGS__, 0 })

static long long now_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return 0;
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Random values, from the boundaries as often as from the middle */
static long long rnd_sec(long long now)
{
	switch (pick(12)) {
	case 0: return 0;
	case 1: return -1;
	case 2: return LLONG_MAX;
	case 3: return LLONG_MIN;
	case 4: return (long long)INT_MAX + pick(3) - 1;
	case 5: return (long long)INT_MIN + pick(3) - 1;
	case 6: return now + 86400;
	case 7: return now - 86400;
	case 8: return 253402300799LL + pick(3) - 1;	/* 9999-12-31 */
	case 9: return (long long)(rnd() >> 1) - (long long)(rnd() >> 1);
	case 10: return now + pick(3) - 1;
	default: return pick(1000);
	}
}

static long rnd_nsec(void)
{
	switch (pick(8)) {
	case 0: return -1;
	case 1: return NSEC_PER_SEC;
	case 2: return NSEC_PER_SEC - 1;
	case 3: return 0;
	case 4: return LONG_MAX;
	default: return pick(NSEC_PER_SEC);
	}
}

static clockid_t rnd_clock(void)
{
	static const clockid_t odd[] = { -1, 12, 15, 16, 100, INT_MAX, INT_MIN,
					 -6 /* a CPU clock of pid 0 */ };

	if (pick(4))
		return pick(12);
	return odd[pick(sizeof(odd) / sizeof(odd[0]))];
}

/* ---- clock reads ------------------------------------------------------ */

static const clockid_t steady[] = { CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW,
				    CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME };
static long long last_steady[4];

static void forget_readings(void)
{
	memset(last_steady, 0, sizeof(last_steady));
}

static void op_read(void)
{
	clockid_t clk = rnd_clock();
	struct timespec ts;
	long ret;
	int i;

	if (pick(2))
		ret = clock_gettime(clk, &ts);
	else
		ret = syscall(SYS_gettime, clk, &ts);
	note(K_READ, "clock_gettime", ret, ERRS(EINVAL));
#ifdef SYS_clock_gettime64
	if (pick(4) == 0) {
		/* The time32 syscall: its seconds wrap in 2038, as upstream */
		int32_t ts32[2];

		ret = syscall(SYS_clock_gettime, clk, ts32);
		note(K_READ, "clock_gettime (time32)", ret, ERRS(EINVAL));
	}
#endif
	if (!ret && (ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC))
		fail(K_READ, "clock %d: tv_nsec %ld", clk, ts.tv_nsec);
	if (pick(8) == 0) {
		ret = syscall(SYS_gettime, CLOCK_REALTIME, (void *)8);
		note(K_READ, "clock_gettime(bad pointer)", ret, ERRS(EFAULT));
	}
	if (pick(4) == 0) {
		struct timeval tv;

		note(K_READ, "gettimeofday", gettimeofday(&tv, NULL), ERRS(0));
		note(K_READ, "time", time(NULL) < 0 ? -1 : 0, ERRS(0));
	}

	/* The clocks that never go back, read both ways */
	for (i = 0; i < 4; i++) {
		long long t;

		if (pick(2))
			t = now_ns(steady[i]);
		else if (syscall(SYS_gettime, steady[i], &ts))
			t = 0;
		else
			t = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
		if (t < last_steady[i])
			fail(K_READ, "clock %d went back by %lld ns", steady[i],
			     last_steady[i] - t);
		last_steady[i] = t;
	}
}

/* ---- offsets ---------------------------------------------------------- */

/* ESPIPE: the file has no positions to write at (pwrite) */
static const int offsets_errs[] = { EINVAL, ERANGE, EACCES, EPERM, ESRCH,
				    EFAULT, ENOMEM, ESPIPE, 0 };

static int rnd_record(char *buf, size_t len, int *realtime)
{
	static const char *const names[] = { "monotonic", "boottime", "realtime",
		"1", "7", "0", "tai", "", "monotonicXX", "realtime\t", "-1",
		"boottime0123456789" };
	unsigned int n = pick(sizeof(names) / sizeof(names[0]));
	long long sec;

	switch (pick(4)) {
	case 0: sec = rnd_sec(0); break;
	case 1: sec = (long long)pick(200000) - 100000; break;
	default: sec = (long long)pick(4000) - 2000; break;
	}
	if (n == 2 || n == 5)
		*realtime = 1;
	switch (pick(10)) {
	case 0:	/* no nanoseconds */
		return snprintf(buf, len, "%s %lld\n", names[n], sec);
	case 1:	/* signs and spaces */
		return snprintf(buf, len, "  %s\t%+lld   -%ld\n", names[n], sec,
				rnd_nsec());
	case 2:	/* overflowing digits */
		return snprintf(buf, len, "%s 99999999999999999999999 %ld\n",
				names[n], rnd_nsec());
	default:
		return snprintf(buf, len, "%s %lld %ld\n", names[n], sec,
				pick(3) ? (long)pick(NSEC_PER_SEC) : rnd_nsec());
	}
}

/*
 * write_offsets: write random records to PID's timens_offsets; returns
 * whether the whole write was accepted with a realtime record in it.
 */
static int write_offsets(pid_t pid, enum kind k)
{
	char path[64], buf[4200];
	int fd, n, len = 0, realtime = 0, records;
	long ret;

	snprintf(path, sizeof(path), "/proc/%d/timens_offsets", (int)pid);
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		note(k, "open timens_offsets", -1, ERRS(ENOENT, EACCES, EPERM));
		return 0;
	}
	records = pick(5) ? 1 + pick(3) : pick(200);
	while (records-- && len < (int)sizeof(buf) - 128)
		len += rnd_record(buf + len, sizeof(buf) - len, &realtime);
	switch (pick(10)) {
	case 0:	/* a long line */
		n = 1 + pick(sizeof(buf) - 1);
		memset(buf, 'x', n);
		len = n;
		break;
	case 1:	/* part of a record */
		len = pick(len + 1);
		break;
	case 2:	/* at an offset */
		ret = pwrite(fd, buf, len, 1 + pick(100));
		note(k, "pwrite timens_offsets", ret, offsets_errs);
		close(fd);
		return 0;
	case 3:	/* from a bad buffer */
		ret = syscall(SYS_write, fd, (void *)16, 1 + pick(64));
		note(k, "write timens_offsets(bad buffer)", ret, offsets_errs);
		close(fd);
		return 0;
	}
	ret = write(fd, buf, len);
	note(k, "write timens_offsets", ret, offsets_errs);
	if (verbose && ret < 0)
		printf("# offsets %.*s -> %s\n", len > 60 ? 60 : len, buf,
		       strerror(errno));
	close(fd);
	return ret == len && realtime;
}

/* Offsets that a namespace can take, a realtime one among them */
static int write_valid_offsets(void)
{
	char buf[160];
	int fd, len;
	long ret;

	len = snprintf(buf, sizeof(buf), "realtime %lld %u\n",
		       (long long)pick(4 * 86400 * 365) - 86400 * 365,
		       pick(NSEC_PER_SEC));
	if (pick(2))
		len += snprintf(buf + len, sizeof(buf) - len, "%s %u %u\n",
				pick(2) ? "monotonic" : "boottime",
				pick(100000), pick(NSEC_PER_SEC));
	fd = open("/proc/self/timens_offsets", O_WRONLY);
	ret = write(fd, buf, len);
	/* EINVAL: a kernel without realtime offsets */
	note(K_SETUP, "write timens_offsets (valid)", ret, ERRS(EINVAL, EPERM));
	close(fd);
	return ret == len;
}

static void op_offsets(void)
{
	pid_t target = pick(3) ? getpid() : pick(2) ? getppid() : 1;

	write_offsets(target, K_OFFSETS);
}

/* ---- namespaces ------------------------------------------------------- */

/* After a setns: another namespace, whose realtime we do not own */
static void entered_other(void)
{
	forget_readings();
	owns_realtime = 0;
}

static void *thread_reader(void *arg)
{
	struct timespec ts;
	int i;

	for (i = 0; i < 50; i++)
		clock_gettime(i % 12, &ts);
	return arg;
}

static void op_ns(void)
{
	pthread_t th;
	long ret;
	int fd, threaded = 0;

	if (pick(4) == 0 && !pthread_create(&th, NULL, thread_reader, NULL))
		threaded = 1;
	switch (pick(5)) {
	case 0:
		ret = unshare(CLONE_NEWTIME);
		note(K_NS, "unshare(CLONE_NEWTIME)", ret, ERRS(EPERM, ENOMEM));
		break;
	case 1:
		fd = open(pick(2) ? "/proc/self/ns/time_for_children" :
			  "/proc/self/ns/time", O_RDONLY);
		ret = setns(fd, pick(4) ? CLONE_NEWTIME : 0);
		/* EUSERS: a multithreaded process cannot change its time */
		note(K_NS, "setns(nsfd)", ret, ERRS(EUSERS, EPERM, EINVAL));
		if (!ret)
			entered_other();
		if (fd >= 0)
			close(fd);
		break;
	case 2:
		fd = syscall(SYS_pidfd_open, pick(2) ? getppid() : getpid(), 0);
		ret = setns(fd, CLONE_NEWTIME);
		note(K_NS, "setns(pidfd)", ret,
		     ERRS(EUSERS, EPERM, EINVAL, EBADF, ESRCH));
		if (!ret)
			entered_other();
		if (fd >= 0)
			close(fd);
		break;
	case 3: {
		struct clone_args ca = {
			.flags = CLONE_NEWTIME | (pick(4) ? 0 : CLONE_VFORK),
			.exit_signal = SIGCHLD,
		};
		pid_t pid = syscall(SYS_clone3, &ca, sizeof(ca));

		if (pid == 0) {
			thread_reader(NULL);
			_exit(0);
		}
		note(K_NS, "clone3(CLONE_NEWTIME)", pid, ERRS(EPERM, EUSERS));
		if (pid > 0)
			waitpid(pid, NULL, 0);
		break;
	}
	default:
		ret = unshare(CLONE_NEWTIME | CLONE_NEWUSER);
		note(K_NS, "unshare(CLONE_NEWTIME|CLONE_NEWUSER)", ret,
		     ERRS(EPERM, EINVAL, EUSERS, ENOSPC));
		break;
	}
	if (threaded)
		pthread_join(th, NULL);
}

/* ---- deadlines -------------------------------------------------------- */

static const clockid_t deadline_clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC,
	CLOCK_BOOTTIME, CLOCK_TAI, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM };

static clockid_t rnd_deadline_clock(void)
{
	if (pick(8) == 0)
		return rnd_clock();
	return deadline_clocks[pick(6)];
}

/* A deadline that never holds a call for long: past, now, or 5 ms ahead */
static struct timespec short_deadline(clockid_t clk, int abs)
{
	long long t = abs ? now_ns(clk) : 0;
	struct timespec ts;

	switch (pick(4)) {
	case 0: t -= (long long)pick(100000) * NSEC_PER_SEC; break;
	case 1: t += pick(5000000); break;
	default: break;
	}
	if (t < 0)
		t = 0;
	ts.tv_sec = t / NSEC_PER_SEC;
	ts.tv_nsec = t % NSEC_PER_SEC;
	return ts;
}

/* Any deadline at all: for calls that arm and return */
static struct timespec any_deadline(clockid_t clk)
{
	struct timespec ts;

	ts.tv_sec = rnd_sec(now_ns(clk) / NSEC_PER_SEC);
	ts.tv_nsec = pick(3) ? (long)pick(NSEC_PER_SEC) : rnd_nsec();
	return ts;
}

static void op_timer(void)
{
	clockid_t clk = rnd_deadline_clock();
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	struct itimerspec its = { 0 }, old;
	timer_t t;
	long ret;

	if (pick(2)) {
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = SIGURG;	/* ignored by default */
	}
	ret = timer_create(clk, &sev, &t);
	/* ENOTSUP: the alarm clocks without an RTC; EPERM: without CAP_WAKE_ALARM */
	if (note(K_TIMER, "timer_create", ret, ERRS(EINVAL, ENOTSUP, EPERM, EAGAIN)))
		return;
	its.it_value = any_deadline(clk);
	if (pick(3) == 0)
		its.it_interval = short_deadline(clk, 0);
	ret = timer_settime(t, pick(3) ? TIMER_ABSTIME : 0, &its, &old);
	note(K_TIMER, "timer_settime", ret, ERRS(EINVAL));
	ret = timer_gettime(t, &its);
	note(K_TIMER, "timer_gettime", ret, ERRS(EINVAL));
	if (pick(2)) {
		its.it_value = short_deadline(clk, 1);
		its.it_interval.tv_sec = 0;
		its.it_interval.tv_nsec = pick(2) ? 0 : 1000000;
		ret = timer_settime(t, TIMER_ABSTIME, &its, NULL);
		note(K_TIMER, "timer_settime(rearm)", ret, ERRS(EINVAL));
	}
	if (pick(4))	/* else leave it armed, for exit to reap */
		note(K_TIMER, "timer_delete", timer_delete(t), ERRS(EINVAL));
}

static int timerfds[8];

static void op_timerfd(void)
{
	clockid_t clk = rnd_deadline_clock();
	struct itimerspec its = { 0 };
	uint64_t ticks;
	int fd, flags;
	long ret;

	fd = timerfd_create(clk, TFD_NONBLOCK | (pick(2) ? TFD_CLOEXEC : 0));
	if (note(K_TIMERFD, "timerfd_create", fd, ERRS(EINVAL, EPERM, ENOTSUP)))
		return;
	flags = pick(3) ? TFD_TIMER_ABSTIME : 0;
	if (flags && pick(2))
		flags |= TFD_TIMER_CANCEL_ON_SET;
	if (pick(5) == 0)
		flags |= 1 << pick(8);
	its.it_value = pick(2) ? any_deadline(clk) : short_deadline(clk, flags & 1);
	if (pick(4) == 0)
		its.it_interval = short_deadline(clk, 0);
	ret = timerfd_settime(fd, flags, &its, NULL);
	note(K_TIMERFD, "timerfd_settime", ret, ERRS(EINVAL));
	ret = read(fd, &ticks, sizeof(ticks));
	/* ECANCELED: the clock was set with cancel-on-set armed */
	note(K_TIMERFD, "read timerfd", ret, ERRS(EAGAIN, ECANCELED));
	ret = timerfd_gettime(fd, &its);
	note(K_TIMERFD, "timerfd_gettime", ret, ERRS(EINVAL));
	/* Keep a few armed across what follows: sets, forks and exit */
	ret = pick(8);
	if (timerfds[ret] > 0)
		close(timerfds[ret]);
	timerfds[ret] = fd;
}

static void op_sleep(void)
{
	static const clockid_t invalid[] = { CLOCK_MONOTONIC_RAW,
		CLOCK_REALTIME_COARSE, CLOCK_THREAD_CPUTIME_ID, 16, -1 };
	/* Not a process CPU clock: a sleeper's own might never get there */
	clockid_t clk = pick(8) ? deadline_clocks[pick(6)] : invalid[pick(5)];
	int abs = pick(2) ? TIMER_ABSTIME : 0;
	struct timespec ts = short_deadline(clk, abs), rem;
	long ret;

	if (pick(6) == 0) {	/* invalid, refused before sleeping */
		ts.tv_sec = pick(2) ? -1 - (long long)pick(10) : 0;
		ts.tv_nsec = pick(2) ? NSEC_PER_SEC : -1;
		if (ts.tv_sec == 0 && ts.tv_nsec == NSEC_PER_SEC && pick(2))
			ts.tv_nsec = LONG_MAX;
	}
	ret = clock_nanosleep(clk, abs, &ts, &rem);
	/* clock_nanosleep returns the error number */
	errno = ret;
	note(K_SLEEP, "clock_nanosleep", ret ? -1 : 0,
	     ERRS(EINVAL, ENOTSUP, EPERM, EINTR));
}

static void op_futex(void)
{
	static uint32_t word;
	int op = FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG;
	uint32_t val = word;
	struct timespec ts;
	clockid_t clk;
	long ret;

	if (pick(2))
		op |= FUTEX_CLOCK_REALTIME;
	clk = op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	if (pick(2)) {
		ts = short_deadline(clk, 1);
	} else {
		/* Any deadline, with a value that does not match: no wait */
		ts = any_deadline(clk);
		val++;
	}
	if (pick(8) == 0) {
		/* FUTEX_WAIT takes a relative timeout */
		op = FUTEX_WAIT | (pick(2) ? FUTEX_CLOCK_REALTIME : 0);
		if (val == word)
			ts = short_deadline(clk, 0);
	}
	ret = syscall(SYS_futex_any, &word, op, val, &ts, NULL, FUTEX_BITSET_MATCH_ANY);
	note(K_FUTEX, "futex", ret, ERRS(ETIMEDOUT, EAGAIN, EINVAL, ENOSYS, EINTR));
}

static void op_mqueue(void)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 8 };
	char name[32], msg[8] = "x";
	struct timespec ts;
	mqd_t q;
	long ret;

	snprintf(name, sizeof(name), "/timens-fuzz-%d", (int)getpid());
	q = mq_open(name, O_RDWR | O_CREAT, 0600, &attr);
	if (note(K_MQUEUE, "mq_open", q == (mqd_t)-1 ? -1 : 0,
		 ERRS(ENOSYS, EMFILE, ENOSPC, EACCES)))
		return;
	mq_unlink(name);
	/* Only deadlines that come soon, or that are refused */
	ts = short_deadline(CLOCK_REALTIME, 1);
	if (pick(4) == 0) {
		ts.tv_sec = pick(2) ? -1 : ts.tv_sec;
		ts.tv_nsec = pick(2) ? NSEC_PER_SEC : -1;
	}
	if (pick(2)) {
		ret = mq_timedreceive(q, msg, sizeof(msg), NULL, &ts);
		note(K_MQUEUE, "mq_timedreceive", ret, ERRS(ETIMEDOUT, EINVAL, EINTR));
	} else {
		/* The first fits; a second waits for room */
		mq_send(q, msg, 1, 0);
		ret = mq_timedsend(q, msg, 1, 0, &ts);
		note(K_MQUEUE, "mq_timedsend", ret, ERRS(ETIMEDOUT, EINVAL, EINTR));
	}
	mq_close(q);
}

static void *ring_map(int fd, size_t len, off_t off)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		    fd, off);
}

/* One IORING_OP_TIMEOUT, waited for or left armed at close */
static void op_uring(void)
{
	static const unsigned int flags[] = { 0, IORING_TIMEOUT_ABS,
		IORING_TIMEOUT_ABS | IORING_TIMEOUT_REALTIME,
		IORING_TIMEOUT_ABS | IORING_TIMEOUT_BOOTTIME,
		IORING_TIMEOUT_REALTIME, IORING_TIMEOUT_BOOTTIME,
		IORING_TIMEOUT_REALTIME | IORING_TIMEOUT_BOOTTIME };
	struct io_uring_params p = { 0 };
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct __kernel_timespec kts;
	unsigned int *tail, head, tf;
	char *sq, *cq;
	size_t sqlen, cqlen;
	struct timespec ts;
	clockid_t clk;
	int fd, wait;
	long ret;

	fd = syscall(__NR_io_uring_setup, 2, &p);
	if (note(K_URING, "io_uring_setup", fd, ERRS(ENOSYS, EPERM, ENOMEM)))
		return;
	sqlen = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cqlen = p.cq_off.cqes + p.cq_entries * sizeof(*cqe);
	sq = ring_map(fd, sqlen, IORING_OFF_SQ_RING);
	cq = ring_map(fd, cqlen, IORING_OFF_CQ_RING);
	sqe = ring_map(fd, p.sq_entries * sizeof(*sqe), IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqe == MAP_FAILED) {
		fail(K_URING, "io_uring mmap: %s", strerror(errno));
		goto out;
	}

	tf = flags[pick(7)];
	if (pick(10) == 0)
		tf |= 1U << pick(32);
	clk = tf & IORING_TIMEOUT_REALTIME ? CLOCK_REALTIME :
	      tf & IORING_TIMEOUT_BOOTTIME ? CLOCK_BOOTTIME : CLOCK_MONOTONIC;
	ts = short_deadline(clk, tf & IORING_TIMEOUT_ABS);
	kts.tv_sec = ts.tv_sec;
	kts.tv_nsec = pick(8) ? ts.tv_nsec : rnd_nsec();
	if (verbose)
		printf("# io_uring timeout flags %#x, %lld.%09lld\n", tf,
		       (long long)kts.tv_sec, (long long)kts.tv_nsec);
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_TIMEOUT;
	sqe->addr = (unsigned long)&kts;
	sqe->len = 1;
	sqe->timeout_flags = tf;
	((unsigned int *)(sq + p.sq_off.array))[0] = 0;
	tail = (unsigned int *)(sq + p.sq_off.tail);
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);

	/*
	 * Sometimes leave it armed: closing the ring cancels it.  Upstream's
	 * io_uring takes nanoseconds of a second and more as they are (its
	 * timeout then lasts that long): never wait for those.
	 */
	wait = pick(4) && kts.tv_nsec < NSEC_PER_SEC;
	ret = syscall(__NR_io_uring_enter, fd, 1, wait, IORING_ENTER_GETEVENTS,
		      NULL, 0);
	note(K_URING, "io_uring_enter", ret, ERRS(EINTR, EAGAIN, EBUSY));
	head = *(unsigned int *)(cq + p.cq_off.head);
	if (head != __atomic_load_n((unsigned int *)(cq + p.cq_off.tail),
				    __ATOMIC_ACQUIRE)) {
		cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes) +
		      (head & *(unsigned int *)(cq + p.cq_off.ring_mask));
		errno = -cqe->res;
		/* ETIME: the timeout expired, as a pure timeout does */
		note(K_URING, "IORING_OP_TIMEOUT", cqe->res < 0 ? -1 : 0,
		     ERRS(ETIME, EINVAL, ECANCELED, EINTR));
	}
out:
	if (sq != MAP_FAILED)
		munmap(sq, sqlen);
	if (cq != MAP_FAILED)
		munmap(cq, cqlen);
	if (sqe != MAP_FAILED)
		munmap(sqe, p.sq_entries * sizeof(*sqe));
	close(fd);
}

/* ---- clock setting ---------------------------------------------------- */

static void op_set(void)
{
	struct timespec ts;
	struct timeval tv;
	struct timex tx = { 0 };
	long ret;

	/* Never the host's clock: only a namespace's own realtime */
	if (!owns_realtime || !guest) {
		__atomic_add_fetch(&sh->skipped_set, 1, __ATOMIC_RELAXED);
		return;
	}
	switch (pick(5)) {
	case 0:
		ts.tv_sec = pick(2) ? rnd_sec(time(NULL)) : time(NULL) + pick(200) - 100;
		ts.tv_nsec = pick(3) ? (long)pick(NSEC_PER_SEC) : rnd_nsec();
		ret = clock_settime(pick(8) ? CLOCK_REALTIME : rnd_clock(), &ts);
		note(K_SET, "clock_settime", ret, ERRS(EINVAL, EPERM));
		break;
	case 1:
		tv.tv_sec = pick(2) ? rnd_sec(time(NULL)) : time(NULL) + pick(200) - 100;
		tv.tv_usec = pick(3) ? (long)pick(1000000) : rnd_nsec();
		ret = settimeofday(&tv, NULL);
		note(K_SET, "settimeofday", ret, ERRS(EINVAL, EPERM));
		break;
	case 2:
		tx.modes = ADJ_SETOFFSET | (pick(2) ? ADJ_NANO : 0);
		tx.time.tv_sec = pick(2) ? rnd_sec(0) : (long long)pick(200) - 100;
		tx.time.tv_usec = pick(3) ? (long)pick(1000000) : rnd_nsec();
		ret = adjtimex(&tx);
		note(K_SET, "adjtimex(ADJ_SETOFFSET)", ret < 0 ? -1 : 0,
		     ERRS(EINVAL, EPERM));
		break;
	case 3:	/* steering: refused in a namespace */
		tx.modes = 1 << pick(16);
		tx.freq = pick(2) ? 0 : (long)rnd();
		ret = adjtimex(&tx);
		note(K_SET, "adjtimex(steering)", ret < 0 ? -1 : 0,
		     ERRS(EINVAL, EPERM));
		break;
	default:
		tx.modes = 0;
		ret = adjtimex(&tx);
		note(K_SET, "adjtimex(read)", ret < 0 ? -1 : 0, ERRS(0));
		break;
	}
}

/* ---- the scenario ----------------------------------------------------- */

static void run_ops(int depth);

/*
 * A child may sleep on a realtime deadline that a set of the clock has
 * just moved a year away: that is right, not a hang.  Wait for it a
 * little; what is left when the scenario ends is killed.
 */
static void wait_a_while(pid_t pid)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (waitpid(pid, NULL, WNOHANG))
			return;
		usleep(10000);
	}
}

static void op_life(int depth)
{
	pid_t pid;

	switch (pick(4)) {
	case 0:	/* a child that runs a few operations and may outlive us */
		if (depth > 2)
			return;
		pid = fork();
		note(K_LIFE, "fork", pid, ERRS(EAGAIN, ENOMEM));
		if (pid == 0) {
			forget_readings();
			owns_realtime = 0;	/* one setter per scenario */
			run_ops(depth + 1);
			_exit(0);
		}
		if (pid > 0 && pick(2))
			wait_a_while(pid);
		break;
	case 1:	/* exec with timers and namespaces in flight */
		if (depth > 0 || pick(4))
			return;
		pid = fork();
		if (pid == 0) {
			execl("/proc/self/exe", "timens-fuzz", "--exec-child", NULL);
			_exit(127);
		}
		note(K_LIFE, "fork+exec", pid, ERRS(EAGAIN, ENOMEM));
		if (pid > 0)
			waitpid(pid, NULL, 0);
		break;
	default:	/* exit in the middle */
		if (pick(4) == 0)
			_exit(0);
		break;
	}
}

static void run_ops(int depth)
{
	int n = 1 + pick(MAX_OPS);

	while (n--) {
		switch (pick(13)) {
		case 0: case 1: op_read(); break;
		case 2: op_offsets(); break;
		case 3: op_ns(); break;
		case 4: op_timer(); break;
		case 5: op_timerfd(); break;
		case 6: op_sleep(); break;
		case 7: op_futex(); break;
		case 8: op_mqueue(); break;
		case 9: case 10: op_set(); break;
		case 11: op_uring(); break;
		default: op_life(depth); break;
		}
	}
}

/* Make the scenario's namespaces, then enter one; returns nothing useful */
static void setup(void)
{
	int realtime = 0, fd;
	long ret;

	if (pick(4) == 0) {
		ret = unshare(CLONE_NEWUSER);
		note(K_SETUP, "unshare(CLONE_NEWUSER)", ret, ERRS(EPERM, ENOSPC, EUSERS));
	}
	if (pick(8) == 0)
		return;		/* stay in the starting namespace */
	ret = unshare(CLONE_NEWTIME);
	if (note(K_SETUP, "unshare(CLONE_NEWTIME)", ret, ERRS(EPERM, ENOSPC)))
		return;
	if (pick(2))
		realtime = write_valid_offsets();
	else if (pick(3))
		realtime = write_offsets(getpid(), K_SETUP);
	if (pick(4) == 0)	/* and a second write, before entry still */
		realtime |= write_offsets(getpid(), K_SETUP);
	switch (pick(3)) {
	case 0:	/* children only: the scenario enters through fork below */
		break;
	default:
		fd = open("/proc/self/ns/time_for_children", O_RDONLY);
		ret = setns(fd, CLONE_NEWTIME);
		note(K_SETUP, "setns(time_for_children)", ret, ERRS(EPERM));
		if (fd >= 0)
			close(fd);
		break;
	}
	/* Whether the namespace entered owns its realtime, as the file says */
	owns_realtime = 0;
	if (realtime) {
		pid_t pid = fork();

		if (pid == 0) {
			char line[128];
			FILE *f = fopen("/proc/self/timens_offsets", "r");
			int own = 0;

			while (f && fgets(line, sizeof(line), f))
				own |= !strncmp(line, "realtime", 8) ||
				       !strncmp(line, "0 ", 2);
			_exit(own ? 42 : 0);
		}
		if (pid > 0) {
			int st;

			waitpid(pid, &st, 0);
			/* The child is in time_for_children, which we enter now */
			owns_realtime = WIFEXITED(st) && WEXITSTATUS(st) == 42;
		}
	}
}

static void scenario(void)
{
	pid_t pid;
	int st;

	/* The scenario and what it forks: one group, killed at its end */
	setpgid(0, 0);
	alarm(SCENARIO_TIMEOUT);
	setup();
	/* Enter time_for_children if setns was not taken: a child of ours */
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid == 0) {
		forget_readings();
		run_ops(0);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) &&
	    WTERMSIG(st) != SIGURG)
		fail(K_HANG, "scenario child died of signal %d%s", WTERMSIG(st),
		     WTERMSIG(st) == SIGALRM ? " (hung)" : "");
	_exit(0);
}

static int host_moved(long long real0, long long mono0)
{
	long long dreal = now_ns(CLOCK_REALTIME) - real0;
	long long dmono = now_ns(CLOCK_MONOTONIC) - mono0;

	return llabs(dreal - dmono) > NSEC_PER_SEC / 2;
}

static int job(unsigned long iterations, unsigned int seconds)
{
	long long real0 = now_ns(CLOCK_REALTIME), mono0 = now_ns(CLOCK_MONOTONIC);
	time_t end = time(NULL) + seconds;

	prctl(PR_SET_CHILD_SUBREAPER, 1);

	for (iteration = 0; seconds ? time(NULL) < end : iteration < iterations;
	     iteration++) {
		pid_t pid;
		int st;

		if (only >= 0 && iteration != (unsigned long)only)
			continue;
		/* Each iteration's randomness follows from the seed alone */
		rng = seed * 0x9E3779B97F4A7C15ULL + iteration + 1;
		rnd();
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			scenario();
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			return 1;
		__atomic_add_fetch(&sh->calls[K_HANG], 1, __ATOMIC_RELAXED);
		if (WIFSIGNALED(st))
			fail(K_HANG, "scenario died of signal %d", WTERMSIG(st));
		/* Kill and reap what outlived its scenario (we are its reaper) */
		kill(-pid, SIGKILL);
		while (waitpid(-1, NULL, 0) > 0)
			;
		__atomic_add_fetch(&sh->calls[K_HOST], 1, __ATOMIC_RELAXED);
		if (host_moved(real0, mono0)) {
			fail(K_HOST, "the starting namespace's realtime clock moved");
			real0 = now_ns(CLOCK_REALTIME);
			mono0 = now_ns(CLOCK_MONOTONIC);
		}
	}
	return 0;
}

static unsigned long distinct(void)
{
	unsigned long n = 0;
	int k, i;

	for (k = 0; k < NR_KINDS; k++)
		for (i = 0; i < 512; i++)
			n += __builtin_popcount(sh->seen[k][i]);
	return n;
}

static int arg(const char *a, const char *name, unsigned long long *val)
{
	size_t n = strlen(name);
	char *end;

	if (strncmp(a, name, n) || a[n] != '=')
		return 0;
	errno = 0;
	*val = strtoull(a + n + 1, &end, 0);
	if (errno || *end || end == a + n + 1) {
		fprintf(stderr, "timens-fuzz: %s: not a number\n", a);
		exit(2);
	}
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long long iterations = 200, seconds = 0, jobs = 0, val;
	struct timespec t0, t1;
	char cmdline[4096] = "";
	unsigned long total = 0, failed = 0;
	int i, fd;

	seed = (unsigned long long)time(NULL);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exec-child")) {
			/* exec'd in the middle of a scenario: read and go */
			thread_reader(NULL);
			return 0;
		}
		if (!strcmp(argv[i], "--verbose")) {
			verbose = 1;
			continue;
		}
		if (arg(argv[i], "--iteration", &val)) {
			only = val;
			continue;
		}
		if (!arg(argv[i], "--seed", &seed) &&
		    !arg(argv[i], "--iterations", &iterations) &&
		    !arg(argv[i], "--seconds", &seconds) &&
		    !arg(argv[i], "--jobs", &jobs)) {
			fprintf(stderr, "usage: timens-fuzz [--seed=N] [--iterations=N] [--seconds=N [--jobs=N]] [--iteration=N] [--verbose]\n");
			return 2;
		}
	}
	if (!jobs)
		jobs = 2 * sysconf(_SC_NPROCESSORS_ONLN);
	if (jobs < 1 || jobs > 256) {
		fprintf(stderr, "timens-fuzz: --jobs: 1 to 256\n");
		return 2;
	}

	/* Setters run only in the harness's guests, never on a workstation */
	fd = open("/proc/cmdline", O_RDONLY);
	if (fd >= 0) {
		if (read(fd, cmdline, sizeof(cmdline) - 1) < 0)
			cmdline[0] = 0;
		close(fd);
	}
	/* The harness's init: an initramfs's, or the host-root guest's */
	guest = strstr(cmdline, "/harness/jobs") || strstr(cmdline, "/out/init/init-");

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	signal(SIGURG, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	printf("# timens-fuzz: seed %llu, %llu iterations, then %llu s in %llu jobs%s\n",
	       seed, iterations, seconds, seconds ? jobs : 0,
	       guest ? "" : "; setters skipped (not a harness guest)");
	if (access("/proc/self/ns/time", F_OK)) {
		printf("1..0 # SKIP no time namespaces (CONFIG_TIME_NS)\n");
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (iterations && fork() == 0)
		_exit(job(iterations, 0));
	while (wait(NULL) > 0)
		;
	for (i = 0; seconds && i < (int)jobs; i++) {
		if (fork() == 0) {
			seed += 1 + i;
			_exit(job(0, seconds));
		}
	}
	while (wait(NULL) > 0)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);

	printf("1..%d\n", NR_KINDS);
	for (i = 0; i < NR_KINDS; i++) {
		total += sh->calls[i];
		failed += sh->failures[i];
		printf("%s %d %s # %lu calls, %lu failures%s\n",
		       sh->failures[i] ? "not ok" : "ok", i + 1, kind_name[i],
		       sh->calls[i], sh->failures[i],
		       i == K_SET && sh->skipped_set ? " (some skipped: namespace not owning realtime)" : "");
	}
	printf("# timens-fuzz: seed %llu: %lu calls, %lu distinct (call kind, errno) pairs, %.1f s, %lu failures\n",
	       seed, total, distinct(),
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, failed);
	return failed ? 1 : 0;
}
