/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hasher: a process each worker forks when its configuration hashes
 * passwords, that runs the hashes its pool threads would otherwise run.
 * In a session of its own it has a scheduling group (autogroup) of its
 * own, given a lower priority: the scheduler shares the CPU between such
 * groups before threads, so the hashes of a login storm no longer take
 * the worker's own share, and proxied requests do not queue behind them.
 * It ends with its worker; while it is missing, the threads hash
 * themselves (core/primitives/hash_process.h).
 */

#include "nginx/ngx_http_auth_extranet.h"

#include "core/primitives/hash_process.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>


/* the hasher's priority, and its group's where the kernel groups sessions */
#define NGX_HTTP_AUTH_EXTRANET_HASHER_NICE      10
#define NGX_HTTP_AUTH_EXTRANET_HASHER_NICE_STR  "10"


static void ngx_http_auth_extranet_hasher_fork(ngx_event_t *ev);
static void ngx_http_auth_extranet_hasher_run(ngx_cycle_t *cycle, int fd,
    ngx_pid_t parent);
static void ngx_http_auth_extranet_hasher_term(int signo);


/* how long after the worker starts its hasher is forked */
#define NGX_HTTP_AUTH_EXTRANET_HASHER_DELAY     1000


static ngx_pid_t    ngx_http_auth_extranet_hasher_pid = NGX_INVALID_PID;
static ngx_event_t  ngx_http_auth_extranet_hasher_event;


/*
 * called from the module's init_process, in each worker: the fork comes
 * from the event loop a moment later, once the thread pools (started by
 * their own init_process, just before) wait for work. A thread caught at
 * the fork inside a lock (starting up, it allocates) leaves that lock held
 * in the child for ever; until the fork, the threads hash themselves.
 */

void
ngx_http_auth_extranet_hasher_start(ngx_cycle_t *cycle)
{
    ngx_event_t  *ev;

    if (!ngx_http_auth_extranet_hashing
        || (ngx_process != NGX_PROCESS_WORKER
            && ngx_process != NGX_PROCESS_SINGLE))
    {
        return;
    }

    ev = &ngx_http_auth_extranet_hasher_event;

    ev->handler = ngx_http_auth_extranet_hasher_fork;
    ev->data = cycle;
    ev->log = cycle->log;
    ev->cancelable = 1;

    ngx_add_timer(ev, NGX_HTTP_AUTH_EXTRANET_HASHER_DELAY);
}


static void
ngx_http_auth_extranet_hasher_fork(ngx_event_t *ev)
{
    int           sv[2];
    ngx_pid_t     pid, parent;
    ngx_cycle_t  *cycle;

    cycle = static_cast<ngx_cycle_t *>(ev->data);

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
        ngx_log_error(NGX_LOG_CRIT, cycle->log, ngx_errno,
                      "auth extranet: socketpair() failed, the worker's "
                      "threads hash the passwords themselves");
        return;
    }

    parent = ngx_getpid();

    pid = fork();

    switch (pid) {

    case -1:
        ngx_log_error(NGX_LOG_CRIT, cycle->log, ngx_errno,
                      "auth extranet: fork() failed, the worker's threads "
                      "hash the passwords themselves");
        close(sv[0]);
        close(sv[1]);
        return;

    case 0:
        close(sv[0]);
        ngx_http_auth_extranet_hasher_run(cycle, sv[1], parent);
        _exit(0);

    default:
        break;
    }

    close(sv[1]);

    extranet::use_hash_process(sv[0]);
    ngx_http_auth_extranet_hasher_pid = pid;

    ngx_log_debug1(NGX_LOG_DEBUG_CORE, cycle->log, 0,
                   "auth extranet: hasher %P started", pid);
}


/* called from the module's exit_process, after the thread pools ended */

void
ngx_http_auth_extranet_hasher_stop(ngx_cycle_t *cycle)
{
    ngx_int_t  i;
    ngx_pid_t  pid;

    if (ngx_http_auth_extranet_hasher_event.timer_set) {
        ngx_del_timer(&ngx_http_auth_extranet_hasher_event);
    }

    pid = ngx_http_auth_extranet_hasher_pid;

    if (pid == NGX_INVALID_PID) {
        return;
    }

    ngx_http_auth_extranet_hasher_pid = NGX_INVALID_PID;

    /* its end of the socket closes: it exits at once */
    extranet::stop_using_hash_process();

    for (i = 0; i < 100; i++) {
        if (waitpid(pid, NULL, WNOHANG) != 0) {
            return;   /* reaped here, or by the SIGCHLD handler (ECHILD) */
        }

        ngx_msleep(5);
    }

    ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                  "auth extranet: hasher %P did not exit, killed", pid);

    (void) kill(pid, SIGKILL);
    (void) waitpid(pid, NULL, 0);
}


/* the child: never returns */

static void
ngx_http_auth_extranet_hasher_run(ngx_cycle_t *cycle, int fd, ngx_pid_t parent)
{
    int        s, ag, err;
    ssize_t    n;
    sigset_t   set;

    /* it ends with its worker, whatever way the worker ends */
    (void) prctl(PR_SET_PDEATHSIG, SIGKILL);

    if (getppid() != parent) {
        _exit(0);
    }

    /* nginx's handlers would act as a worker's: none of them here */
    for (s = 1; s < NSIG; s++) {
        (void) signal(s, SIG_DFL);
    }

    (void) signal(SIGPIPE, SIG_IGN);
    (void) signal(SIGTERM, ngx_http_auth_extranet_hasher_term);
    (void) signal(SIGINT, ngx_http_auth_extranet_hasher_term);
    (void) signal(SIGQUIT, ngx_http_auth_extranet_hasher_term);

    sigemptyset(&set);
    (void) sigprocmask(SIG_SETMASK, &set, NULL);

    /* a session, hence a scheduling group, of its own, at a lower priority */
    (void) setsid();

    /* the kernel takes one such change every 100 ms from an unprivileged
     * process, the other workers' hashers start at the same moment */
    for (s = 0; s < 100; s++) {
        ag = open("/proc/self/autogroup", O_WRONLY);
        if (ag == -1) {
            break;   /* no autogroups: a cgroup weighs the service */
        }

        n = write(ag, NGX_HTTP_AUTH_EXTRANET_HASHER_NICE_STR,
                  sizeof(NGX_HTTP_AUTH_EXTRANET_HASHER_NICE_STR) - 1);
        err = errno;
        (void) close(ag);

        if (n != -1 || err != EAGAIN) {
            break;
        }

        ngx_msleep(20);
    }

    (void) setpriority(PRIO_PROCESS, 0, NGX_HTTP_AUTH_EXTRANET_HASHER_NICE);

    /* only its socket: the listening sockets, logs and connections stay
     * the worker's */
    if (fd != 3) {
        if (dup2(fd, 3) == -1) {
            _exit(1);
        }

        fd = 3;
    }

    if (close_range(4, ~0U, 0) == -1) {
        for (s = 4; s < getdtablesize(); s++) {
            (void) close(s);
        }
    }

    ngx_setproctitle((char *) "auth extranet hasher");

    try {
        extranet::serve_password_jobs(fd);

    } catch (...) {
        _exit(1);
    }

    _exit(0);
}


static void
ngx_http_auth_extranet_hasher_term(int signo)
{
    _exit(0);
}
