// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of clock reads, in the root time namespace and in a child time
 * namespace with offsets.  For each read it prints
 *
 *   bench: NAMESPACE READ MEDIAN MIN MAX
 *
 * in nanoseconds per call, over REPEATS runs of LOOPS calls each, after a
 * warm-up run.  Under QEMU -icount shift=0 with one vCPU, guest nanoseconds
 * are executed instructions, so the figures are instruction counts.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif

#define REPEATS	7

static long loops = 200000;

struct bench {
	const char *name;
	clockid_t clock;
	int kind;	/* 0 vDSO clock_gettime, 1 syscall, 2 gettimeofday, 3 time */
};

static const struct bench benches[] = {
	{ "vdso-realtime", CLOCK_REALTIME, 0 },
	{ "vdso-monotonic", CLOCK_MONOTONIC, 0 },
	{ "vdso-boottime", CLOCK_BOOTTIME, 0 },
	{ "vdso-tai", CLOCK_TAI, 0 },
	{ "vdso-realtime-coarse", CLOCK_REALTIME_COARSE, 0 },
	{ "vdso-monotonic-coarse", CLOCK_MONOTONIC_COARSE, 0 },
	{ "vdso-gettimeofday", CLOCK_REALTIME, 2 },
	{ "vdso-time", CLOCK_REALTIME, 3 },
	{ "syscall-realtime", CLOCK_REALTIME, 1 },
	{ "syscall-monotonic", CLOCK_MONOTONIC, 1 },
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double run(const struct bench *b)
{
	struct timespec ts;
	struct timeval tv;
	long long kts[2];	/* struct __kernel_timespec */
	double t0 = now_ns();
	long i;

	for (i = 0; i < loops; i++) {
		switch (b->kind) {
		case 0:
			clock_gettime(b->clock, &ts);
			break;
		case 1:
#ifdef SYS_clock_gettime64
			syscall(SYS_clock_gettime64, b->clock, kts);
#else
			syscall(SYS_clock_gettime, b->clock, kts);
#endif
			break;
		case 2:
			gettimeofday(&tv, NULL);
			break;
		default:
			time(NULL);
		}
	}
	return (now_ns() - t0) / loops;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void measure(const char *ns, const char *only)
{
	double r[REPEATS];
	unsigned int i, j;

	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		const struct bench *b = &benches[i];

		if (only && strcmp(only, b->name))
			continue;
		run(b);		/* warm up */
		for (j = 0; j < REPEATS; j++)
			r[j] = run(b);
		qsort(r, REPEATS, sizeof(r[0]), cmp);
		printf("bench: %s %s %.1f %.1f %.1f\n", ns, b->name,
		       r[REPEATS / 2], r[0], r[REPEATS - 1]);
		fflush(stdout);
	}
}

static int set_offsets(void)
{
	const char rec[] = "monotonic 86400 0\nboottime 86400 0\n";
	int fd = open("/proc/self/timens_offsets", O_WRONLY);
	int ok = fd >= 0 && write(fd, rec, strlen(rec)) == (ssize_t)strlen(rec);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	int status;
	pid_t pid;

	if (getenv("BENCH_LOOPS"))
		loops = atol(getenv("BENCH_LOOPS"));
	if (only) {
		for (unsigned int i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
			if (!strcmp(only, benches[i].name))
				goto known;
		fprintf(stderr, "unknown benchmark '%s'; valid:", only);
		for (unsigned int i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
			fprintf(stderr, " %s", benches[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
known:
	measure("root", only);

	if (unshare(CLONE_NEWTIME) || set_offsets()) {
		printf("bench: timens unavailable (%m)\n");
		return 0;
	}
	pid = fork();
	if (pid == 0) {
		measure("timens", only);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
		return 1;
	return 0;
}
