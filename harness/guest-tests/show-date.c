// SPDX-License-Identifier: GPL-2.0
/*
 * show-date: the UTC date as a statically linked program sees it, through
 * each way it can ask: clock_gettime(CLOCK_REALTIME) and gettimeofday() and
 * time() (the vDSO, which static glibc uses too), and clock_gettime as a
 * raw syscall.  One line each, "HOW YYYY-MM-DD HH:MM:SS".
 *
 * Built by the harness with gcc -static; the container-2038 test runs it in
 * a time namespace with a realtime offset, where every line must show the
 * namespace's date.  Built for i686 too it is a 32-bit time_t program.
 *
 * show-date -c prints "CLOCK_MONOTONIC CLOCK_BOOTTIME" in seconds instead,
 * for the util-linux tests: a static program starts in a moment where
 * python3 takes seconds under TCG.
 *
 * show-date -s SECONDS first sets CLOCK_REALTIME to SECONDS since the epoch
 * with clock_settime(), as a static program in a container would, for the
 * date-set test; it prints "clock_settime: ERROR" and fails if it cannot.
 */
#define _GNU_SOURCE
#include <linux/time_types.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void show(const char *how, time_t t)
{
	char buf[64];
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, sizeof(buf), "unrepresentable (%lld)", (long long)t);
	printf("%-14s %s\n", how, buf);
}

static int show_clocks(void)
{
	struct timespec mono, boot;

	if (clock_gettime(CLOCK_MONOTONIC, &mono) || clock_gettime(CLOCK_BOOTTIME, &boot))
		return 1;
	printf("%lld.%09ld %lld.%09ld\n", (long long)mono.tv_sec, mono.tv_nsec,
	       (long long)boot.tv_sec, boot.tv_nsec);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec ts;
	struct timeval tv;
	long ret;

	if (argc > 1 && !strcmp(argv[1], "-c"))
		return show_clocks();
	if (argc > 2 && !strcmp(argv[1], "-s")) {
		ts.tv_sec = strtoll(argv[2], NULL, 10);
		ts.tv_nsec = 0;
		if (clock_settime(CLOCK_REALTIME, &ts)) {
			printf("clock_settime: %s\n", strerror(errno));
			return 1;
		}
	}
	if (clock_gettime(CLOCK_REALTIME, &ts))
		return 1;
	show("clock_gettime", ts.tv_sec);
	if (gettimeofday(&tv, NULL))
		return 1;
	show("gettimeofday", tv.tv_sec);
	show("time", time(NULL));
	/* The kernel's own path, whatever the libc does with the vDSO. */
#if defined(__NR_clock_gettime64) && !defined(__LP64__)
	{
		struct __kernel_timespec ts64;

		ret = syscall(__NR_clock_gettime64, CLOCK_REALTIME, &ts64);
		if (ret)
			return 1;
		show("syscall", (time_t)ts64.tv_sec);
	}
#else
	ret = syscall(__NR_clock_gettime, CLOCK_REALTIME, &ts);
	if (ret)
		return 1;
	show("syscall", ts.tv_sec);
#endif
	return 0;
}
