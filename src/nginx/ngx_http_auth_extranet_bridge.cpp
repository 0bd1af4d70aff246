/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The thread-pool bridge: one business operation, copied into the task, runs
 * in a pool thread; the request waits with r->main->blocked raised and
 * resumes on the event loop, as nginx's own thread handlers do.
 */

#include "nginx/ngx_http_auth_extranet.h"

#if (NGX_LINUX)
#include <sys/resource.h>
#include <sys/syscall.h>
#endif


/* pool threads run below the event loop's priority: a burst of logins
 * (each hash is tens of milliseconds of CPU) must not slow proxied traffic */
#define NGX_HTTP_AUTH_EXTRANET_THREAD_NICE  10


typedef struct {
    ngx_http_request_t          *request;
    std::function<void()>        work;
    void                       (*done)(ngx_http_request_t *r, bool failed);
    ngx_http_auth_extranet_stats_t  *stats;   /* the site zone's metrics */
    ngx_msec_t                   posted;
    bool                         failed;

    /*
     * armed while the task runs: a worker that is shutting down (a reload,
     * a graceful stop) exits once no timer is left, and would drop the
     * waiting request; this one keeps it until the answer went out
     */
    ngx_event_t                  wait;
} ngx_http_auth_extranet_task_t;


/* the wait timer's period; it only re-arms itself */
#define NGX_HTTP_AUTH_EXTRANET_TASK_WAIT  1000


/* task latency histogram: upper bounds in milliseconds */
static const ngx_msec_t  ngx_http_auth_extranet_bounds[] = {
    1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};


static void ngx_http_auth_extranet_thread_handler(void *data, ngx_log_t *log);
static void ngx_http_auth_extranet_thread_event_handler(ngx_event_t *ev);
static void ngx_http_auth_extranet_task_wait_handler(ngx_event_t *ev);
static void ngx_http_auth_extranet_metric(extranet::Metric m, void *data);


ngx_int_t
ngx_http_auth_extranet_post(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, ngx_thread_pool_t *pool,
    std::function<void()> work,
    void (*done)(ngx_http_request_t *r, bool failed))
{
    ngx_thread_task_t              *task;
    ngx_http_auth_extranet_task_t  *t;

    task = ngx_thread_task_alloc(r->pool, 0);
    if (task == NULL) {
        return NGX_ERROR;
    }

    t = ngx_http_auth_extranet_pool_new<ngx_http_auth_extranet_task_t>(r->pool);
    if (t == NULL) {
        return NGX_ERROR;
    }

    t->request = r;
    t->work = std::move(work);
    t->done = done;
    t->stats = ngx_http_auth_extranet_shm_stats(site->shm_zone);
    t->posted = ngx_current_msec;
    t->failed = false;

    task->ctx = t;
    task->handler = ngx_http_auth_extranet_thread_handler;
    task->event.data = t;
    task->event.handler = ngx_http_auth_extranet_thread_event_handler;

    if (ngx_thread_task_post(pool, task) != NGX_OK) {
        return NGX_ERROR;
    }

    r->main->blocked++;
    r->aio = 1;

    ngx_memzero(&t->wait, sizeof(ngx_event_t));
    t->wait.handler = ngx_http_auth_extranet_task_wait_handler;
    t->wait.data = t;
    t->wait.log = r->connection->log;
    ngx_add_timer(&t->wait, NGX_HTTP_AUTH_EXTRANET_TASK_WAIT);

    ngx_http_auth_extranet_count(t->stats, tasks_queued);

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth extranet: task posted");

    return NGX_OK;
}


/* runs in a pool thread: touches nothing but its own task */

static void
ngx_http_auth_extranet_thread_handler(void *data, ngx_log_t *log)
{
    ngx_http_auth_extranet_task_t  *t = static_cast<ngx_http_auth_extranet_task_t *>(data);

#if (NGX_LINUX)
    static thread_local bool  niced;

    if (!niced) {
        niced = true;
        (void) setpriority(PRIO_PROCESS, (id_t) syscall(SYS_gettid),
                           NGX_HTTP_AUTH_EXTRANET_THREAD_NICE);
    }
#endif

    /* the metrics are atomics in the shared zone: no lock, no pool, no log */
    if (t->stats) {
        (void) ngx_atomic_fetch_add(&t->stats->tasks_queued, -1);
        (void) ngx_atomic_fetch_add(&t->stats->tasks_running, 1);
    }

    ngx_http_auth_extranet_thread_stats(t->stats);

    try {
        t->work();

    } catch (...) {
        /* the core answers its own failures; this is the last guard */
        t->failed = true;
    }

    ngx_http_auth_extranet_thread_stats(NULL);

    if (t->stats) {
        (void) ngx_atomic_fetch_add(&t->stats->tasks_running, -1);
    }
}


static void
ngx_http_auth_extranet_metric(extranet::Metric m, void *data)
{
    ngx_http_auth_extranet_stats_t *stats =
        static_cast<ngx_http_auth_extranet_stats_t *>(data);

    if (stats && m < extranet::Metric::count_) {
        (void) ngx_atomic_fetch_add(&stats->metrics[(size_t) m], 1);
    }
}


/*
 * What the core counts in this pool thread goes to stats from now on (NULL:
 * nowhere), for the tasks posted without the bridge (the feed's reads): a
 * connection one of them opens serves the thread's later tasks too, and
 * must be counted once, when it is opened.
 */

void
ngx_http_auth_extranet_thread_stats(ngx_http_auth_extranet_stats_t *stats)
{
    extranet::set_thread_metric_sink(
        stats ? ngx_http_auth_extranet_metric : nullptr, stats);
}


static void
ngx_http_auth_extranet_thread_event_handler(ngx_event_t *ev)
{
    ngx_connection_t               *c;
    ngx_http_request_t             *r;
    ngx_http_auth_extranet_task_t  *t;

    t = static_cast<ngx_http_auth_extranet_task_t *>(ev->data);
    r = t->request;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "auth extranet: task done \"%V?%V\"", &r->uri, &r->args);

    r->main->blocked--;
    r->aio = 0;

    if (t->wait.timer_set) {
        ngx_del_timer(&t->wait);
    }

    if (t->stats) {
        ngx_uint_t  i;
        ngx_msec_t  ms = ngx_current_msec - t->posted;

        for (i = 0; i < NGX_HTTP_AUTH_EXTRANET_BUCKETS; i++) {
            if (ms <= ngx_http_auth_extranet_bounds[i]) {
                break;
            }
        }

        (void) ngx_atomic_fetch_add(&t->stats->task_buckets[i], 1);
        (void) ngx_atomic_fetch_add(&t->stats->task_ms_sum, ms);
    }

    if (t->failed) {
        ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                      "auth extranet: operation failed in the thread pool");
    }

    if (r->done) {
        /* the request ended while the task ran: let the connection close */
        c->write->handler(c->write);
        return;
    }

    if (c->error) {
        /*
         * the client went away (an HTTP/2 stream reset, a closed
         * connection, a terminated request): nothing will finalize the
         * request but us
         */
        ngx_http_finalize_request(r, NGX_ERROR);
        ngx_http_run_posted_requests(c);
        return;
    }

    t->done(r, t->failed);

    ngx_http_run_posted_requests(c);
}


static void
ngx_http_auth_extranet_task_wait_handler(ngx_event_t *ev)
{
    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "auth extranet: task still running");

    ngx_add_timer(ev, NGX_HTTP_AUTH_EXTRANET_TASK_WAIT);
}
