// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The process around the loop: the state directory and its locks, the pid
 * file, detaching, protection from the OOM killer and reclaim, the
 * capabilities kept, the vmscan tracepoints and the emergency reserve.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "reserve.h"
#include "daemon/daemon.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * The state directory holds the pid file, the events socket and the reserve
 * state, written as root: anyone else able to write in it could plant a
 * symlink there. It must be a directory owned by us and
 * writable by no one else.
 */
int state_dir_check(const char *dir)
{
	struct stat st;

	if (stat(dir, &st)) {
		int e = errno;

		fprintf(stderr, "lifelined: state_dir %s: %s\n", dir, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "lifelined: state_dir %s: not a directory\n", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		fprintf(stderr, "lifelined: state_dir %s: owned by uid %u, mode %04o; it must be "
			"owned by uid %u and writable by no one else (chmod go-w)\n", dir,
			(unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)geteuid());
		return -EPERM;
	}
	return 0;
}

/* One daemon per state directory: the pid file is also a lock. */
int lock_pidfile(struct lld *d)
{
	struct lld_proc *p = &d->proc;
	char buf[32];
	ssize_t n;

	if (snprintf(p->pid_path, sizeof(p->pid_path), "%s/lifelined.pid", d->cfg.state_dir) >=
	    (int)sizeof(p->pid_path))
		return -ENAMETOOLONG;
	/* never through a symlink planted there: it would truncate its target */
	p->lock_fd = open(p->pid_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (p->lock_fd < 0)
		return -errno;
	if (flock(p->lock_fd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		n = pread(p->lock_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fprintf(stderr, "lifelined: another lifelined (pid %s) uses %s; stop it first\n",
			buf[0] ? buf : "?", d->cfg.state_dir);
		close(p->lock_fd);
		p->lock_fd = -1;
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	return 0;
}

/* Takes the pin lock at p->pin_lock_path: 0, -EBUSY (said), -EAGAIN (unlinked) or -errno. */
static int pin_lock_take(struct lld *d)
{
	struct lld_proc *p = &d->proc;
	char buf[PATH_MAX + 32];
	struct stat a, b;
	ssize_t n;
	int err;

	p->pin_lock_fd = open(p->pin_lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (p->pin_lock_fd < 0)
		return -errno;
	if (flock(p->pin_lock_fd, LOCK_EX | LOCK_NB)) {
		err = errno;
		n = pread(p->pin_lock_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, " \n")] = '\0';
		close(p->pin_lock_fd);
		p->pin_lock_fd = -1;
		if (err != EWOULDBLOCK)
			return -err;
		fprintf(stderr, "lifelined: another lifelined (pid %s) uses pin path %s "
			"(lock %s); stop it first\n", buf[0] ? buf : "?", d->pin, p->pin_lock_path);
		return -EBUSY;
	}
	if (!fstat(p->pin_lock_fd, &a) && !stat(p->pin_lock_path, &b) && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return 0;
	close(p->pin_lock_fd);	/* unlinked by a daemon that stopped: again */
	p->pin_lock_fd = -1;
	return -EAGAIN;
}

/*
 * One daemon per pin path too: two on one pin path (other state dirs)
 * would overwrite each other's vote every tick. The lock is a file under
 * LL_STATE_DIR_DEFAULT named by a hash of the pin path, not the pin
 * directory itself: the CLI flocks that directory for each change, and
 * would wait forever on a daemon that held it. A lock file unlinked by a
 * daemon that stops is detected (its inode no longer at the path) and
 * taken again.
 */
int pin_lock(struct lld *d)
{
	__u64 h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	int err;

	for (const char *c = d->pin; *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
	err = mkdir_p(LL_STATE_DIR_DEFAULT, 0755);
	if (err)
		return err;
	snprintf(d->proc.pin_lock_path, sizeof(d->proc.pin_lock_path), "%s/pin-%016llx.lock",
		 LL_STATE_DIR_DEFAULT, (unsigned long long)h);
	for (int tries = 0; tries < 10; tries++) {
		err = pin_lock_take(d);
		if (err != -EAGAIN)
			return err;
	}
	return -EAGAIN;
}

/* pid and pin path, for the refusal of the next one and for people */
void pin_lock_write(struct lld *d)
{
	char buf[PATH_MAX + 32];
	int n = snprintf(buf, sizeof(buf), "%d %s\n", (int)getpid(), d->pin);

	if (n >= (int)sizeof(buf) || ftruncate(d->proc.pin_lock_fd, 0) ||
	    pwrite(d->proc.pin_lock_fd, buf, (size_t)n, 0) != n)
		dlog(&d->log, LOG_WARNING, "cannot write %s: %s", d->proc.pin_lock_path,
		     strerror(errno));
}

void write_pidfile(struct lld *d)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (ftruncate(d->proc.lock_fd, 0) || pwrite(d->proc.lock_fd, buf, (size_t)n, 0) != n)
		dlog(&d->log, LOG_WARNING, "cannot write %s: %s", d->proc.pid_path,
		     strerror(errno));
}

void self_protect(struct lld *d)
{
	int fd;

#ifdef __SANITIZE_ADDRESS__
	/* the sanitizer's shadow memory is terabytes of reservations */
	dlog(&d->log, LOG_INFO, "built with AddressSanitizer: memory is not locked");
#else
	/* on fault: a mapping made later (the flow table, to count it) is not prefaulted */
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT))
		dlog(&d->log, LOG_WARNING, "mlockall: %s; memory is not locked (needs CAP_IPC_LOCK "
		     "or LimitMEMLOCK=infinity)", strerror(errno));
#endif
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "-1000", 5) != 5)
		dlog(&d->log, LOG_WARNING,
		     "oom_score_adj -1000: %s; the OOM killer may pick lifelined "
		     "(needs CAP_SYS_RESOURCE, or OOMScoreAdjust=-1000 in the unit)",
		     strerror(errno));
	else
		d->proc.oom_protected = 1;
	if (fd >= 0)
		close(fd);
	d->hook.oom_protected = d->proc.oom_protected;
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0))
		dlog(&d->log, LOG_WARNING, "PR_SET_IO_FLUSHER: %s; reclaim may recurse into I/O "
		     "from lifelined (needs CAP_SYS_RESOURCE)", strerror(errno));
}

/* Detaches; the parent exits only once the child says it started (or failed). */
int daemonize(struct lld *d)
{
	int pfd[2], null;
	char ok = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(pfd[1]);
		if (read(pfd[0], &ok, 1) != 1)
			ok = 0;
		_exit(ok == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	close(pfd[0]);
	d->proc.ready_fd = pfd[1];
	if (setsid() < 0)
		return -errno;
	if (chdir("/"))
		return -errno;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	d->log.use_syslog = 1;
	return 0;
}

void ready(struct lld *d)
{
	char ok = 1;

	if (d->proc.ready_fd >= 0) {
		if (write(d->proc.ready_fd, &ok, 1) != 1)
			dlog(&d->log, LOG_DEBUG, "cannot tell the parent: %s", strerror(errno));
		close(d->proc.ready_fd);
		d->proc.ready_fd = -1;
	}
	notify_send(&d->notify, "READY=1\nSTATUS=level %s", ll_level_name(d->eng.eff_level));
}

int signals_open(struct lld *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->proc.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return d->proc.sigfd < 0 ? -errno : 0;
}

/*
 * Once started, keep only what the loop needs: CAP_BPF (map syscalls, pins
 * recreated), CAP_PERFMON (tracing programs' maps), CAP_IPC_LOCK (new
 * mappings stay locked), CAP_SYS_RESOURCE (PSI triggers on reload) and
 * CAP_NET_ADMIN (BPF_PROG_QUERY on the tc hooks: is lifeline's program
 * still first, on this namespace's device). Writing the reserve sysctls
 * back needs none (root owns the files); the hook inherits no more.
 */
void drop_capabilities(struct lld *d)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	__u64 keep = (1ULL << CAP_BPF) | (1ULL << CAP_PERFMON) | (1ULL << CAP_IPC_LOCK) |
		     (1ULL << CAP_SYS_RESOURCE) | (1ULL << CAP_NET_ADMIN);
	__u64 perm;

	if (syscall(SYS_capget, &hdr, data)) {
		dlog(&d->log, LOG_WARNING, "capget: %s; capabilities kept as they are",
		     strerror(errno));
		return;
	}
	perm = (data[0].permitted | ((__u64)data[1].permitted << 32)) & keep;
	for (int i = 0; i < 2; i++) {
		data[i].effective = data[i].permitted = (__u32)(perm >> (32 * i));
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data))
		dlog(&d->log, LOG_WARNING, "capset: %s; capabilities kept as they are",
		     strerror(errno));
	else
		dlog(&d->log, LOG_INFO, "capabilities dropped but bpf, perfmon, ipc_lock, "
		     "sys_resource, net_admin");
}

/* The in-kernel path: the vmscan tracepoints, scoped to the memory cgroup if one is set. */
void vmscan_start(struct lld *d)
{
	const struct ll_memcg_cfg *mc = &d->cfg.src.memcg;
	char dir[2 * PATH_MAX + 16], err[256];
	__u64 ino = 0;

	if (!d->cfg.src.kernel.vmscan)
		return;
	if (mc->enable && mc->path[0]) {
		/* v2 directory first, then the v1 memory hierarchy, as the memcg source reads */
		snprintf(dir, sizeof(dir), "%s/%s", mc->root, mc->path);
		if (mc->version != 1)
			ino = ll_cgroup_ino(dir);
		if (!ino) {
			snprintf(dir, sizeof(dir), "%s/memory/%s", mc->root, mc->path);
			ino = ll_cgroup_ino(dir);
		}
	}
	if (ll_vmscan_attach(&d->vmscan, d->pin, ino, err, sizeof(err)))
		dlog(&d->log, LOG_WARNING, "in-kernel pressure path off: %s", err);
	else
		dlog(&d->log, LOG_INFO, "vmscan tracepoints attached (kswapd wake: elevated, "
		     "direct reclaim%s: critical)",
		     ino ? " and limit reclaim in the memory cgroup" : "");
}

/* ---- the emergency reserve ---- */

static struct ll_reserve_cfg reserve_cfg(const struct lld *d)
{
	const struct ll_config *c = &d->cfg;
	struct ll_reserve_cfg r = {
		.reserve_kb = c->reserve.bytes / 1024,
		.watermark_scale = c->reserve.watermark_scale,
		.max_share_pct = c->reserve.max_share > 0 ? (__u32)c->reserve.max_share : 5,
		.net_pct = { 0, (__u32)c->reserve.net_pct[0], (__u32)c->reserve.net_pct[1] },
		.state_dir = c->state_dir,
		.proc_root = d->opt.proc_root ? d->opt.proc_root : "",
	};

	return r;
}

/* At start: restore what a crashed run left, then raise the reserve. */
void reserve_start(struct lld *d)
{
	struct ll_reserve_cfg r = reserve_cfg(d);
	char err[256];

	if (d->cfg.reserve.restore_on_start) {
		if (ll_reserve_restore(&r, err, sizeof(err)))
			dlog(&d->log, LOG_ERR, "reserve: %s", err);
	}
	if (!r.reserve_kb && !r.watermark_scale)
		return;
	if (ll_reserve_apply(&r, err, sizeof(err)))
		dlog(&d->log, LOG_ERR, "reserve not raised: %s", err);
	else
		dlog(&d->log, LOG_INFO, "reserve raised by %llu kB (originals in %s/reserve.state)",
		     (unsigned long long)r.reserve_kb, r.state_dir);
}

void reserve_level(struct lld *d, __u32 level)
{
	struct ll_reserve_cfg r = reserve_cfg(d);
	char err[256];

	if (ll_reserve_net(&r, level, err, sizeof(err)))
		dlog(&d->log, LOG_ERR, "reserve: %s", err);
}

void reserve_stop(struct lld *d)
{
	struct ll_reserve_cfg r = reserve_cfg(d);
	char err[256];

	if (ll_reserve_restore(&r, err, sizeof(err)))
		dlog(&d->log, LOG_ERR, "reserve: %s", err);
}
