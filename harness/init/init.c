// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 for the harness's guests.
 *
 * The same static binary serves the host-root guest (x86_64, root over
 * virtio-9p) and the initramfs guests (every other arch).  It mounts what a
 * guest needs, brings the loopback interface up, checks that clock reads are
 * served by the vDSO, runs the jobs of a job file, reports and calls
 * reboot(), which ends QEMU (-no-reboot).
 *
 * Job file: one directive per line, fields separated by TABs.
 *   tmpfs DIR                  mount a tmpfs on DIR (if DIR exists)
 *   env KEY=VALUE              set an environment variable
 *   cd DIR                     working directory for what follows
 *   tty DEV                    console device for "shell"
 *   run ARG0 ARG1 ...          run a command on the console; its status is
 *                              the guest's status
 *   shell ARG0 ...             like run, with DEV as controlling terminal
 *   test NAME SECS ARG0 ...    a test for the KTAP report: its output is
 *                              indented, exit 4 is a skip, SECS a timeout
 *
 * Everything the host reads starts with "harness: ".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock-filter.h"

#define MAX_JOBS	256
#define MAX_ARGS	64
#define KSFT_SKIP	4

struct job {
	char *kind;
	char *argv[MAX_ARGS + 1];
	int argc;
};

static struct job jobs[MAX_JOBS];
static int njobs;
static const char *tty_dev = "/dev/console";

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("harness: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

static void finish(int status)
{
	say("status %d", status);
	sync();
	reboot(RB_AUTOBOOT);
	/* Only reached when reboot() failed: let the kernel panic instead. */
	exit(status);
}

static void mount_fs(const char *src, const char *dir, const char *type,
		     const char *opts)
{
	struct stat st;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return;
	if (mount(src, dir, type, 0, opts) && errno != EBUSY)
		say("warning: mount %s on %s: %s", type, dir, strerror(errno));
}

/*
 * Mount a tmpfs on DIR.  On the host-root guest the harness's own files are
 * the host's, and the checkout may live under DIR (/tmp, /root, ...): keep
 * the part of DIR that holds the job file visible through the new tmpfs.
 */
static const char *jobfile = "/harness/jobs";

static void mount_tmpfs(const char *dir)
{
	static const char saved[] = "/dev/.harness-host";
	size_t len = strlen(dir);
	char keep[512], from[600];
	const char *end;

	if (strncmp(jobfile, dir, len) || jobfile[len] != '/') {
		mount_fs("tmpfs", dir, "tmpfs", "mode=1777");
		return;
	}
	end = strchr(jobfile + len + 1, '/');
	snprintf(keep, sizeof(keep), "%.*s",
		 (int)(end ? end - jobfile : (long)strlen(jobfile)), jobfile);
	snprintf(from, sizeof(from), "%s%s", saved, keep + len);
	mkdir(saved, 0755);
	if (mount(dir, saved, NULL, MS_BIND, NULL)) {
		say("warning: cannot keep %s: %s", keep, strerror(errno));
		return;
	}
	mount_fs("tmpfs", dir, "tmpfs", "mode=1777");
	mkdir(keep, 0755);
	if (mount(from, keep, NULL, MS_BIND | MS_REC, NULL))
		say("warning: cannot keep %s: %s", keep, strerror(errno));
	umount2(saved, MNT_DETACH);
}

static void setup_console(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/*
 * Bring the loopback interface up, as any init does: programs that talk to
 * themselves over 127.0.0.1 need it (CRIU's kernel probes bind a TCP socket
 * there).  A kernel without networking has none to bring up.
 */
static void loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			say("warning: cannot bring lo up: %s", strerror(errno));
	}
	close(fd);
}

static char *read_line_of(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f || !fgets(buf, len, f)) {
		if (f)
			fclose(f);
		snprintf(buf, len, "unknown");
		return buf;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static const char *clocksource(void)
{
	static char buf[64];

	return read_line_of("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			    buf, sizeof(buf));
}

/*
 * An "-early" clocksource (x86's tsc-early) is replaced once its refined
 * calibration is done, about a second into the boot.  Wait for that, so
 * that the clocksource reported is the one the tests run on.
 */
static void settle_clocksource(void)
{
	const struct timespec pause = { .tv_nsec = 50 * 1000 * 1000 };
	int i;

	for (i = 0; i < 200; i++) {
		const char *cs = clocksource();
		size_t len = strlen(cs);

		if (len < 6 || strcmp(cs + len - 6, "-early"))
			return;
		nanosleep(&pause, NULL);
	}
}

/*
 * A child forbids itself the clock syscalls with seccomp and reads the clock.
 * The read succeeds only when the vDSO served it: a clocksource the vDSO
 * cannot use makes it fall back to the forbidden syscall.
 */
static int vdso_child(void)
{
	struct timespec ts;

	if (forbid_clock_syscalls(SECCOMP_RET_ERRNO | EPERM))
		return 2;
	return clock_gettime(CLOCK_MONOTONIC, &ts) ? 1 : 0;
}

static void check_vdso(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(vdso_child());
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
		say("vdso unknown (the check did not run)");
		return;
	}
	switch (WEXITSTATUS(status)) {
	case 0:
		say("vdso live");
		break;
	case 1:
		say("vdso NOT live: clock_gettime fell back to a syscall");
		break;
	default:
		say("vdso unknown (no seccomp filter support)");
	}
}

static int parse_jobs(const char *path)
{
	static char text[65536];
	char *line, *save;
	size_t len;
	FILE *f = fopen(path, "r");

	if (!f) {
		say("cannot open job file %s: %s", path, strerror(errno));
		return -1;
	}
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct job *j = &jobs[njobs];
		char *field, *fsave;

		if (!*line || *line == '#')
			continue;
		if (njobs == MAX_JOBS) {
			say("too many jobs in %s", path);
			return -1;
		}
		j->kind = strtok_r(line, "\t", &fsave);
		while ((field = strtok_r(NULL, "\t", &fsave)) && j->argc < MAX_ARGS)
			j->argv[j->argc++] = field;
		j->argv[j->argc] = NULL;
		njobs++;
	}
	return 0;
}

static void child_exec(char **argv)
{
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	fprintf(stderr, "harness: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * PID 1 inherits every orphan and has to reap it: a zombie keeps its PID,
 * and CRIU restores a tree only into the PIDs it had (criu dump kills the
 * tree, and the children of its root die orphans).  Reap every child that
 * has ended, but KEEP, whose status the caller will want.
 */
static void reap_orphans(pid_t keep)
{
	siginfo_t info;

	for (;;) {
		info.si_pid = 0;
		if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) ||
		    !info.si_pid || info.si_pid == keep)
			return;
		waitpid(info.si_pid, NULL, 0);
	}
}

/* Wait for PID; orphans that end meanwhile are reaped on the way. */
static int wait_status(pid_t pid)
{
	int status;
	pid_t got;

	while ((got = waitpid(-1, &status, 0)) != pid)
		if (got < 0 && errno != EINTR)
			return 127;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int run_cmd(char **argv, int with_tty)
{
	pid_t pid = fork();

	if (pid < 0)
		return 127;
	if (pid == 0) {
		if (with_tty) {
			int fd;

			setsid();
			fd = open(tty_dev, O_RDWR);
			if (fd >= 0) {
				ioctl(fd, TIOCSCTTY, 1);
				dup2(fd, 0);
				dup2(fd, 1);
				dup2(fd, 2);
			}
		}
		child_exec(argv);
	}
	return wait_status(pid);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Copy the test's output to the console as KTAP diagnostics ("# ...").
 * Meanwhile reap the orphans the test leaves (never the test, PID), every
 * fifth of a second at most.
 */
static int relay(int fd, long deadline, pid_t pid)
{
	static char buf[4096];
	static int at_bol = 1;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		long left = deadline - now_ms();
		ssize_t n;
		int i;

		if (left <= 0)
			return -1;
		reap_orphans(pid);
		if (poll(&pfd, 1, left < 200 ? left : 200) < 0 && errno != EINTR)
			return 0;
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			if (!at_bol)
				putchar('\n');
			at_bol = 1;
			return 0;
		}
		for (i = 0; i < n; i++) {
			if (at_bol)
				fputs("# ", stdout);
			putchar(buf[i]);
			at_bol = buf[i] == '\n';
		}
		fflush(stdout);
	}
}

static int run_test(int num, struct job *j)
{
	const char *name = j->argv[0];
	long secs = j->argc > 1 ? atol(j->argv[1]) : 0;
	int fds[2], status, timed_out;
	long start = now_ms();
	pid_t pid;

	if (j->argc < 3 || secs <= 0) {
		printf("not ok %d %s # malformed test line\n", num, name ? name : "?");
		return 1;
	}
	printf("# selftests: %s\n", name);
	fflush(stdout);
	if (pipe(fds))
		return 1;
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		close(fds[0]);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[1]);
		child_exec(&j->argv[2]);
	}
	close(fds[1]);
	timed_out = relay(fds[0], now_ms() + secs * 1000, pid) < 0;
	close(fds[0]);
	if (timed_out)
		kill(-pid, SIGKILL);
	status = wait_status(pid);
	/* Whatever the test left behind in its process group goes too. */
	kill(-pid, SIGKILL);
	/* Where a guest's time goes, for CI's budget */
	printf("# selftests: %s: %ld ms\n", name, now_ms() - start);

	if (timed_out) {
		printf("not ok %d selftests: %s # TIMEOUT %ld seconds\n", num, name, secs);
		return 1;
	}
	if (status == KSFT_SKIP) {
		printf("ok %d selftests: %s # SKIP\n", num, name);
		return 0;
	}
	if (status) {
		printf("not ok %d selftests: %s # exit=%d\n", num, name, status);
		return 1;
	}
	printf("ok %d selftests: %s\n", num, name);
	return 0;
}

static int run_jobs(void)
{
	int i, ntests = 0, num = 0, failed = 0, status = 0;

	for (i = 0; i < njobs; i++)
		ntests += !strcmp(jobs[i].kind, "test");
	if (ntests)
		printf("TAP version 13\n1..%d\n", ntests);

	for (i = 0; i < njobs; i++) {
		struct job *j = &jobs[i];

		if (!strcmp(j->kind, "tmpfs") && j->argc == 1) {
			mount_tmpfs(j->argv[0]);
		} else if (!strcmp(j->kind, "env") && j->argc == 1) {
			putenv(j->argv[0]);
		} else if (!strcmp(j->kind, "cd") && j->argc == 1) {
			if (chdir(j->argv[0]))
				say("warning: cd %s: %s", j->argv[0], strerror(errno));
		} else if (!strcmp(j->kind, "tty") && j->argc == 1) {
			tty_dev = j->argv[0];
		} else if (!strcmp(j->kind, "run") && j->argc >= 1) {
			say("begin");
			status = run_cmd(j->argv, 0);
			say("end");
		} else if (!strcmp(j->kind, "shell") && j->argc >= 1) {
			status = run_cmd(j->argv, 1);
		} else if (!strcmp(j->kind, "test")) {
			failed += run_test(++num, j);
		} else {
			say("unknown job '%s'", j->kind);
			status = 2;
		}
	}
	return failed ? 1 : status;
}

int main(int argc, char **argv)
{
	char cs_start[64], release[128];
	int status;

	mount_fs("proc", "/proc", "proc", NULL);
	mount_fs("sysfs", "/sys", "sysfs", NULL);
	mount_fs("devtmpfs", "/dev", "devtmpfs", NULL);
	setup_console();
	if (argc > 1)
		jobfile = argv[1];
	mount_fs("tmpfs", "/run", "tmpfs", "mode=755");
	mount_tmpfs("/tmp");
	mkdir("/dev/pts", 0755);
	mount_fs("devpts", "/dev/pts", "devpts", NULL);
	mkdir("/dev/mqueue", 0755);
	mount_fs("mqueue", "/dev/mqueue", "mqueue", NULL);
	sethostname("guest", 5);
	loopback_up();
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	setenv("TERM", "linux", 0);

	say("kernel %s", read_line_of("/proc/sys/kernel/osrelease", release,
				       sizeof(release)));
	settle_clocksource();
	snprintf(cs_start, sizeof(cs_start), "%s", clocksource());
	say("clocksource %s", cs_start);
	check_vdso();

	if (parse_jobs(jobfile))
		finish(2);
	status = run_jobs();

	say("clocksource-end %s", clocksource());
	finish(status);
	return 0;
}
