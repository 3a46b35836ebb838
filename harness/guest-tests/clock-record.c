// SPDX-License-Identifier: GPL-2.0
/*
 * clock-record DIR [INTERVAL_MS]: the process tree that the CRIU test
 * checkpoints and restores.
 *
 * It makes itself a session leader (so that the tree holds its own session
 * and process group, and CRIU needs no --shell-job), sends its stdout and
 * stderr to DIR/log (a file of its own: CRIU refuses to restore a file that
 * changed size, which one shared with its starter may), forbids itself every
 * syscall that reads a clock, forks one child, and then both processes
 * append one line per INTERVAL_MS (default 50) to DIR/rec.PID:
 *
 *	CLOCK_MONOTONIC CLOCK_BOOTTIME CLOCK_REALTIME	(nanoseconds)
 *
 * The seccomp filter kills the process on clock_gettime, gettimeofday and
 * time, so every line was read through the vDSO: a read that fell back to
 * the kernel (say, a restored process whose time namespace page is missing
 * or wrong) ends the tree with SIGSYS instead of writing a line.  CRIU
 * restores the filter (the test checks /proc/PID/status), so the lines
 * written after a restore carry the same proof.
 *
 * The parent writes "PARENT CHILD" to DIR/pids once both run.  If its child
 * dies it says so in its own file and exits.  Only the test's SIGKILL ends
 * the tree otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../init/clock-filter.h"

static void die(const char *what)
{
	fprintf(stderr, "clock-record: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long ns(clockid_t clock)
{
	struct timespec ts;

	/* Under the filter, a failing read is a killed process, not -1. */
	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int open_record(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/rec.%d", dir, (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path);
	return fd;
}

static void say(int fd, const char *line)
{
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		die("write");
}

/* The loop of both processes; the parent also watches its child. */
static void record(int fd, long interval_ms, pid_t child)
{
	struct timespec pause = {
		.tv_sec = interval_ms / 1000,
		.tv_nsec = interval_ms % 1000 * 1000000L,
	};
	char line[128];

	for (;;) {
		long long mono = ns(CLOCK_MONOTONIC);
		long long boot = ns(CLOCK_BOOTTIME);
		long long real = ns(CLOCK_REALTIME);
		int status;

		snprintf(line, sizeof(line), "%lld %lld %lld\n", mono, boot, real);
		say(fd, line);
		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			snprintf(line, sizeof(line), "child %d ended, status %#x\n",
				 (int)child, status);
			say(fd, line);
			exit(1);
		}
		/* A checkpoint may interrupt the sleep: the next line is late, no more. */
		nanosleep(&pause, NULL);
	}
}

int main(int argc, char **argv)
{
	long interval_ms = argc > 2 ? atol(argv[2]) : 50;
	char path[4096], tmp[4096], line[64];
	pid_t child;
	int fd;

	if (argc < 2 || interval_ms <= 0) {
		fprintf(stderr, "usage: clock-record DIR [INTERVAL_MS]\n");
		return 2;
	}
	if (setsid() < 0)
		die("setsid");
	snprintf(path, sizeof(path), "%s/log", argv[1]);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		die(path);
	close(fd);
	if (forbid_clock_syscalls(SECCOMP_RET_KILL_PROCESS))
		die("seccomp");

	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0)
		record(open_record(argv[1]), interval_ms, 0);

	/* Written, then renamed: the test never reads half a file. */
	snprintf(path, sizeof(path), "%s/pids", argv[1]);
	snprintf(tmp, sizeof(tmp), "%s/pids.tmp", argv[1]);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(tmp);
	snprintf(line, sizeof(line), "%d %d\n", (int)getpid(), (int)child);
	say(fd, line);
	close(fd);
	if (rename(tmp, path))
		die("rename");
	record(open_record(argv[1]), interval_ms, child);
	return 0;
}
