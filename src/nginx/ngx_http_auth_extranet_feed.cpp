/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fleet's revocation feed: sessions ended and lockouts lifted on any
 * node (or by the support desk) reach this node's shared memory zone within
 * a poll interval, so that a proxied request still costs no database round
 * trip and no node accepts what another refused.
 *
 * One worker per node reads (worker 0): the zone is shared by the workers,
 * what one applies every worker sees, and N workers reading would cost
 * PostgreSQL N times as much for nothing. The read is a thread task of the
 * site's database pool: a pool thread is taken for one short statement,
 * never held, and the event loop never waits.
 *
 * A read starts when PostgreSQL notifies a new row (a trigger on the feed
 * NOTIFYs at commit), and every auth_extranet_feed_interval (250 ms) in
 * any case. The notifications come on a connection of the worker's own,
 * opened and told to LISTEN in a pool thread, then watched by the event
 * loop like any socket: reading what arrived on it is no round trip. The
 * poll stays, because a notification is lost with the connection that
 * was to carry it (a restart, a failover, a firewall), and because behind
 * PgBouncer in transaction mode (auth_extranet_db_prepared_statements off)
 * no connection can LISTEN: there the feed is polled only.
 *
 * The cursor (last id read, server clock of the last complete read) lives
 * in the zone: a reload's new workers go on from it; a new zone (a restart)
 * starts at 0 and reads every entry still in force. After a failed read
 * (database restarted, failover to the standby) the next read goes back by
 * time to the last complete read, so that nothing committed meanwhile and
 * no id handed out again by a promoted standby is missed.
 */

#include "nginx/ngx_http_auth_extranet.h"
#include "nginx/ngx_http_auth_extranet_shm.h"

#include <vector>

#include "core/storage/revocation_feed.h"


#define NGX_HTTP_AUTH_EXTRANET_FEED_PURGE     60000   /* ms between purges */
#define NGX_HTTP_AUTH_EXTRANET_FEED_RELISTEN  2000    /* ms before listening
                                                         again, doubled after
                                                         each failed attempt */
#define NGX_HTTP_AUTH_EXTRANET_FEED_RELISTEN_MAX  16000
#define NGX_HTTP_AUTH_EXTRANET_FEED_CHANNEL   "extranet_revocation_feed"


/* one per (database, zone) pair of this node's sites */
typedef struct {
    const extranet::Settings        *settings;   /* conninfo, timeout */
    ngx_shm_zone_t                  *zone;
    ngx_thread_pool_t               *pool;
    std::vector<std::string>         tags;       /* sites' counter prefixes */
    uint32_t                         db;
    ngx_event_t                      timer;
    ngx_thread_task_t               *task;
    ngx_log_t                       *log;
    ngx_msec_t                       interval;   /* ms between polls */
    bool                             busy;
    bool                             failing;
    bool                             again;      /* notified while reading */
    ngx_msec_t                       purged;     /* when last purged */

    /* the listening connection: its own libpq connection (NULL where the
     * feed is polled only), the task that opens it, nginx's connection on
     * its socket once it listens */
    extranet::Database              *listener;
    ngx_thread_task_t               *listen_task;
    ngx_connection_t                *listen_conn;
    ngx_event_t                      listen_timer;
    ngx_msec_t                       listen_at;  /* last attempt */
    ngx_msec_t                       listen_wait; /* ms between attempts */
    bool                             listen_busy;
    bool                             listen_failing;
    int                              listen_fd;  /* the task's output */
    std::string                      listen_error;

    /* the task's input and output, touched by the pool thread only while
     * busy */
    extranet::FeedCursor             cursor;
    bool                             purge;
    extranet::FeedRead               result;
    std::string                      error;
} ngx_http_auth_extranet_feed_t;


static ngx_int_t ngx_http_auth_extranet_feed_add(ngx_cycle_t *cycle,
    std::vector<ngx_http_auth_extranet_feed_t *> &feeds,
    ngx_http_auth_extranet_srv_conf_t *site);
static ngx_http_auth_extranet_feed_cursor_t *
    ngx_http_auth_extranet_feed_cursor(ngx_http_auth_extranet_feed_t *feed);
static void ngx_http_auth_extranet_feed_timer(ngx_event_t *ev);
static void ngx_http_auth_extranet_feed_thread(void *data, ngx_log_t *log);
static void ngx_http_auth_extranet_feed_done(ngx_event_t *ev);
static void ngx_http_auth_extranet_feed_apply(
    ngx_http_auth_extranet_feed_t *feed);
static void ngx_http_auth_extranet_feed_listen(
    ngx_http_auth_extranet_feed_t *feed);
static void ngx_http_auth_extranet_feed_listen_timer(ngx_event_t *ev);
static void ngx_http_auth_extranet_feed_listen_thread(void *data,
    ngx_log_t *log);
static void ngx_http_auth_extranet_feed_listen_done(ngx_event_t *ev);
static void ngx_http_auth_extranet_feed_notified(ngx_event_t *rev);
static void ngx_http_auth_extranet_feed_unlisten(
    ngx_http_auth_extranet_feed_t *feed);
static void ngx_http_auth_extranet_feed_no_write(ngx_event_t *wev);

static std::vector<ngx_http_auth_extranet_feed_t *>
    *ngx_http_auth_extranet_feeds;


/* called from the module's init_process: starts the reads in worker 0 */

ngx_int_t
ngx_http_auth_extranet_feed_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                          s;
    ngx_http_core_srv_conf_t          **cscfp;
    ngx_http_core_main_conf_t          *cmcf;
    ngx_http_auth_extranet_srv_conf_t  *site;

    if ((ngx_process != NGX_PROCESS_WORKER
         && ngx_process != NGX_PROCESS_SINGLE)
        || ngx_worker != 0)
    {
        return NGX_OK;
    }

    cmcf = static_cast<ngx_http_core_main_conf_t *>(
               ngx_http_cycle_get_module_main_conf(cycle, ngx_http_core_module));
    if (cmcf == NULL) {
        return NGX_OK;
    }

    try {
        std::vector<ngx_http_auth_extranet_feed_t *>  *feeds;

        feeds = ngx_http_auth_extranet_pool_new<
                    std::vector<ngx_http_auth_extranet_feed_t *>>(cycle->pool);
        if (feeds == NULL) {
            return NGX_ERROR;
        }

        ngx_http_auth_extranet_feeds = feeds;

        cscfp = static_cast<ngx_http_core_srv_conf_t **>(cmcf->servers.elts);

        for (s = 0; s < cmcf->servers.nelts; s++) {
            site = static_cast<ngx_http_auth_extranet_srv_conf_t *>(
                     cscfp[s]->ctx->srv_conf[ngx_http_auth_extranet_module.ctx_index]);

            if (!site->used || site->settings == NULL || site->shm_zone == NULL
                || site->thread_pool == NULL || site->db.len == 0)
            {
                continue;
            }

            if (ngx_http_auth_extranet_feed_add(cycle, *feeds, site)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0, "auth extranet: %s",
                      e.what());
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* called from the module's exit_process: the listening connections are
 * closed before nginx looks for sockets left open */

void
ngx_http_auth_extranet_feed_exit_process(ngx_cycle_t *cycle)
{
    if (ngx_http_auth_extranet_feeds == NULL) {
        return;
    }

    for (ngx_http_auth_extranet_feed_t *feed : *ngx_http_auth_extranet_feeds) {
        if (feed->listener) {
            ngx_http_auth_extranet_feed_unlisten(feed);
        }
    }

    ngx_http_auth_extranet_feeds = NULL;
}


static ngx_int_t
ngx_http_auth_extranet_feed_add(ngx_cycle_t *cycle,
    std::vector<ngx_http_auth_extranet_feed_t *> &feeds,
    ngx_http_auth_extranet_srv_conf_t *site)
{
    uint32_t                        db;
    ngx_http_auth_extranet_feed_t  *feed;

    db = ngx_crc32_long(site->db.data, site->db.len);

    for (ngx_http_auth_extranet_feed_t *f : feeds) {
        if (f->zone == site->shm_zone && f->db == db
            && f->settings->conninfo == site->settings->conninfo)
        {
            /* another site on the same database and zone: its lockout
             * counters are cleared too */
            f->tags.push_back(*site->tag);
            f->interval = ngx_min(f->interval, site->feed_interval);
            return NGX_OK;
        }
    }

    feed = ngx_http_auth_extranet_pool_new<ngx_http_auth_extranet_feed_t>(
               cycle->pool);
    if (feed == NULL) {
        return NGX_ERROR;
    }

    feed->task = ngx_thread_task_alloc(cycle->pool, 0);
    if (feed->task == NULL) {
        return NGX_ERROR;
    }

    feed->settings = site->settings;
    feed->zone = site->shm_zone;
    feed->pool = site->thread_pool;
    feed->tags.push_back(*site->tag);
    feed->db = db;
    feed->log = cycle->log;
    feed->interval = site->feed_interval;
    feed->purged = ngx_current_msec;

    /* behind a pooler in transaction mode no connection can LISTEN */
    if (site->settings->db_prepared_statements) {
        feed->listener = ngx_http_auth_extranet_pool_new<extranet::Database>(
                             cycle->pool, site->settings->conninfo,
                             site->settings->db_timeout, false);
        if (feed->listener == NULL) {
            return NGX_ERROR;
        }

        feed->listen_task = ngx_thread_task_alloc(cycle->pool, 0);
        if (feed->listen_task == NULL) {
            return NGX_ERROR;
        }

        feed->listen_task->ctx = feed;
        feed->listen_task->handler = ngx_http_auth_extranet_feed_listen_thread;
        feed->listen_task->event.data = feed;
        feed->listen_task->event.handler =
            ngx_http_auth_extranet_feed_listen_done;
        feed->listen_fd = -1;
        feed->listen_wait = NGX_HTTP_AUTH_EXTRANET_FEED_RELISTEN;

        feed->listen_timer.handler = ngx_http_auth_extranet_feed_listen_timer;
        feed->listen_timer.data = feed;
        feed->listen_timer.log = cycle->log;
        feed->listen_timer.cancelable = 1;

        ngx_add_timer(&feed->listen_timer, 1);
    }

    feed->task->ctx = feed;
    feed->task->handler = ngx_http_auth_extranet_feed_thread;
    feed->task->event.data = feed;
    feed->task->event.handler = ngx_http_auth_extranet_feed_done;

    feed->timer.handler = ngx_http_auth_extranet_feed_timer;
    feed->timer.data = feed;
    feed->timer.log = cycle->log;
    /* a worker that is shutting down does not wait for the next read */
    feed->timer.cancelable = 1;

    ngx_add_timer(&feed->timer, 1);

    feeds.push_back(feed);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, cycle->log, 0,
                   "auth extranet feed: reading into zone \"%V\"",
                   &site->shm_zone->shm.name);

    return NGX_OK;
}


/* the feed's cursor in the zone, taken on first use; called with the mutex
 * held; NULL when the zone's table is full (the feed then keeps its cursor
 * in this worker only) */

static ngx_http_auth_extranet_feed_cursor_t *
ngx_http_auth_extranet_feed_cursor(ngx_http_auth_extranet_feed_t *feed)
{
    ngx_uint_t                        i;
    ngx_http_auth_extranet_shm_sh_t  *sh;

    sh = static_cast<ngx_http_auth_extranet_shm_sh_t *>(feed->zone->data);

    for (i = 0; i < NGX_HTTP_AUTH_EXTRANET_FEEDS; i++) {
        if (sh->feeds[i].db == feed->db) {
            return &sh->feeds[i];
        }

        if (sh->feeds[i].db == 0) {
            sh->feeds[i].db = feed->db;
            sh->feeds[i].last_id = 0;
            sh->feeds[i].since = 0;
            return &sh->feeds[i];
        }
    }

    return NULL;
}


static void
ngx_http_auth_extranet_feed_timer(ngx_event_t *ev)
{
    ngx_slab_pool_t                       *shpool;
    ngx_http_auth_extranet_feed_t         *feed;
    ngx_http_auth_extranet_feed_cursor_t  *c;

    feed = static_cast<ngx_http_auth_extranet_feed_t *>(ev->data);

    if (ngx_exiting || ngx_terminate || ngx_quit || feed->busy) {
        return;
    }

    shpool = (ngx_slab_pool_t *) feed->zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    c = ngx_http_auth_extranet_feed_cursor(feed);
    if (c) {
        feed->cursor.last_id = c->last_id;
        feed->cursor.since = c->since;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    feed->purge = ngx_current_msec - feed->purged
                  >= NGX_HTTP_AUTH_EXTRANET_FEED_PURGE;
    if (feed->purge) {
        feed->purged = ngx_current_msec;
    }

    feed->error.clear();
    feed->again = false;

    if (ngx_thread_task_post(feed->pool, feed->task) != NGX_OK) {
        /* the pool's queue is full: the next tick tries again */
        ngx_add_timer(&feed->timer, feed->interval);

    } else {
        feed->busy = true;
    }
}


/* runs in a pool thread: touches nothing but the feed's task fields */

static void
ngx_http_auth_extranet_feed_thread(void *data, ngx_log_t *log)
{
    ngx_http_auth_extranet_feed_t *feed =
        static_cast<ngx_http_auth_extranet_feed_t *>(data);

    try {
        extranet::Database &db = extranet::site_database(*feed->settings);
        db.check_connection();

        feed->result = extranet::read_feed(db, feed->cursor);

        if (feed->purge) {
            extranet::purge_feed(db);
        }

    } catch (const std::exception &e) {
        feed->result = extranet::FeedRead();
        feed->error = e.what();

        if (feed->error.empty()) {
            feed->error = "unknown error";
        }

    } catch (...) {
        feed->result = extranet::FeedRead();
        feed->error = "unknown error";
    }
}


static void
ngx_http_auth_extranet_feed_done(ngx_event_t *ev)
{
    ngx_msec_t                      next;
    ngx_http_auth_extranet_feed_t  *feed;

    feed = static_cast<ngx_http_auth_extranet_feed_t *>(ev->data);
    feed->busy = false;
    next = feed->interval;

    if (!feed->error.empty()) {
        /* said once per outage: cookies keep working meanwhile, and the
         * next read after it goes back to the last complete one */
        if (!feed->failing) {
            ngx_log_error(NGX_LOG_ERR, feed->log, 0,
                          "auth extranet: the revocation feed cannot be "
                          "read, sessions ended on other nodes pass here "
                          "until it can: %s", feed->error.c_str());
        }

        feed->failing = true;

    } else {
        if (feed->failing) {
            ngx_log_error(NGX_LOG_NOTICE, feed->log, 0,
                          "auth extranet: the revocation feed is read again");
        }

        feed->failing = false;

        try {
            ngx_http_auth_extranet_feed_apply(feed);

        } catch (const std::exception &e) {
            ngx_log_error(NGX_LOG_ALERT, feed->log, 0, "auth extranet: %s",
                          e.what());
        }

        /* a page was full, or a notification came during the read: the
         * rows it announced may have committed after the read began */
        if (!feed->result.complete || feed->again) {
            next = 1;
        }
    }

    feed->result.entries.clear();

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    ngx_add_timer(&feed->timer, next);
}


/* applies what was read, then moves the zone's cursor on */

static void
ngx_http_auth_extranet_feed_apply(ngx_http_auth_extranet_feed_t *feed)
{
    time_t                                 now;
    ngx_uint_t                             revoked, unlocked;
    ngx_slab_pool_t                       *shpool;
    ngx_http_auth_extranet_feed_cursor_t  *c;

    now = ngx_time();
    revoked = 0;
    unlocked = 0;

    for (const extranet::FeedEntry &e : feed->result.entries) {

        if (e.kind == extranet::FeedEntry::Kind::session) {
            if ((time_t) e.until <= now) {
                continue;
            }

            /* idempotent: an entry read twice changes nothing */
            (void) ngx_http_auth_extranet_shm_revoke(feed->zone, e.key,
                                                     (time_t) e.until);
            revoked++;
            continue;
        }

        for (const std::string &tag : feed->tags) {
            ngx_http_auth_extranet_shm_clear(feed->zone, tag + e.key);
        }

        unlocked++;
    }

    shpool = (ngx_slab_pool_t *) feed->zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    c = ngx_http_auth_extranet_feed_cursor(feed);
    if (c) {
        c->last_id = feed->result.next.last_id;
        c->since = feed->result.next.since;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (c == NULL) {
        feed->cursor = feed->result.next;
    }

    if (revoked || unlocked) {
        ngx_log_debug3(NGX_LOG_DEBUG_HTTP, feed->log, 0,
                       "auth extranet feed: %ui revoked, %ui unlocked, "
                       "up to id %L", revoked, unlocked,
                       (int64_t) feed->result.next.last_id);
    }
}


/* opens the listening connection when there is none; after a loss, not
 * before NGX_HTTP_AUTH_EXTRANET_FEED_RELISTEN ms, doubled up to a limit
 * while attempts fail (a server that is down or frozen is not asked at
 * every tick, each attempt holding a pool thread up to the connect
 * timeout): sooner is put off to a timer */

static void
ngx_http_auth_extranet_feed_listen(ngx_http_auth_extranet_feed_t *feed)
{
    ngx_msec_t  since;

    if (feed->listener == NULL || feed->listen_busy
        || feed->listen_conn != NULL || feed->listen_timer.timer_set
        || ngx_exiting || ngx_terminate || ngx_quit)
    {
        return;
    }

    since = ngx_current_msec - feed->listen_at;

    if (feed->listen_at != 0 && since < feed->listen_wait) {
        ngx_add_timer(&feed->listen_timer, feed->listen_wait - since);
        return;
    }

    feed->listen_at = ngx_current_msec;
    feed->listen_fd = -1;
    feed->listen_error.clear();

    if (ngx_thread_task_post(feed->pool, feed->listen_task) != NGX_OK) {
        /* the pool's queue is full */
        ngx_add_timer(&feed->listen_timer, feed->listen_wait);
        return;
    }

    feed->listen_busy = true;
}


static void
ngx_http_auth_extranet_feed_listen_timer(ngx_event_t *ev)
{
    ngx_http_auth_extranet_feed_listen(
        static_cast<ngx_http_auth_extranet_feed_t *>(ev->data));
}


/* runs in a pool thread: connects and sends LISTEN; the event loop takes
 * the socket from there */

static void
ngx_http_auth_extranet_feed_listen_thread(void *data, ngx_log_t *log)
{
    ngx_http_auth_extranet_feed_t *feed =
        static_cast<ngx_http_auth_extranet_feed_t *>(data);

    try {
        feed->listen_fd = feed->listener->listen(
                              NGX_HTTP_AUTH_EXTRANET_FEED_CHANNEL);

    } catch (const std::exception &e) {
        feed->listener->close();
        feed->listen_error = e.what();

    } catch (...) {
        feed->listener->close();
        feed->listen_error = "unknown error";
    }
}


static void
ngx_http_auth_extranet_feed_listen_done(ngx_event_t *ev)
{
    ngx_connection_t               *c;
    ngx_http_auth_extranet_feed_t  *feed;

    feed = static_cast<ngx_http_auth_extranet_feed_t *>(ev->data);
    feed->listen_busy = false;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        feed->listener->close();
        return;
    }

    if (feed->listen_fd < 0) {
        /* said once per outage: the poll goes on meanwhile */
        if (!feed->listen_failing) {
            ngx_log_error(NGX_LOG_WARN, feed->log, 0,
                          "auth extranet: no notification of the revocation "
                          "feed, it is read every %M ms until there are: %s",
                          feed->interval,
                          feed->listen_error.empty()
                              ? "no socket" : feed->listen_error.c_str());
        }

        feed->listen_failing = true;
        feed->listener->close();
        feed->listen_wait = ngx_min(feed->listen_wait * 2,
                                    NGX_HTTP_AUTH_EXTRANET_FEED_RELISTEN_MAX);
        ngx_http_auth_extranet_feed_listen(feed);
        return;
    }

    c = ngx_get_connection(feed->listen_fd, feed->log);
    if (c == NULL) {
        feed->listener->close();
        ngx_http_auth_extranet_feed_listen(feed);
        return;
    }

    c->data = feed;
    c->log = feed->log;
    c->read->log = feed->log;
    c->write->log = feed->log;
    c->read->handler = ngx_http_auth_extranet_feed_notified;
    c->write->handler = ngx_http_auth_extranet_feed_no_write;

    /* a worker that is shutting down closes it (ngx_close_idle_connections)
     * rather than wait for it */
    c->idle = 1;

    /* level-triggered: libpq reads what it wants of the socket, not
     * necessarily all of it */
    if (ngx_add_event(c->read, NGX_READ_EVENT, NGX_LEVEL_EVENT) != NGX_OK) {
        ngx_free_connection(c);
        c->fd = (ngx_socket_t) -1;
        feed->listener->close();
        ngx_http_auth_extranet_feed_listen(feed);
        return;
    }

    feed->listen_conn = c;
    feed->listen_wait = NGX_HTTP_AUTH_EXTRANET_FEED_RELISTEN;

    if (feed->listen_failing) {
        ngx_log_error(NGX_LOG_NOTICE, feed->log, 0,
                      "auth extranet: the revocation feed notifies again");
        feed->listen_failing = false;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, feed->log, 0,
                   "auth extranet feed: listening on socket %d",
                   feed->listen_fd);

    /* what was notified before LISTEN took effect, and while it was being
     * set up, is read now */
    ngx_http_auth_extranet_feed_notified(c->read);

    if (feed->listen_conn) {
        if (feed->busy) {
            feed->again = true;

        } else if (!ngx_exiting && !ngx_terminate && !ngx_quit) {
            if (feed->timer.timer_set) {
                ngx_del_timer(&feed->timer);
            }

            ngx_add_timer(&feed->timer, 1);
        }
    }
}


/* the listening connection is readable: a notification, or the server
 * going away */

static void
ngx_http_auth_extranet_feed_notified(ngx_event_t *rev)
{
    bool                            notified;
    ngx_connection_t               *c;
    ngx_http_auth_extranet_feed_t  *feed;

    c = static_cast<ngx_connection_t *>(rev->data);
    feed = static_cast<ngx_http_auth_extranet_feed_t *>(c->data);

    if (c->close) {
        ngx_http_auth_extranet_feed_unlisten(feed);
        return;
    }

    try {
        notified = feed->listener->notified();

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_WARN, feed->log, 0,
                      "auth extranet: the revocation feed's notifications "
                      "stopped, it is read every %M ms until they come "
                      "again: %s", feed->interval, e.what());
        feed->listen_failing = true;
        ngx_http_auth_extranet_feed_unlisten(feed);
        ngx_http_auth_extranet_feed_listen(feed);
        return;
    }

    if (!notified) {
        return;
    }

    if (feed->busy) {
        /* the read under way may have begun before the row committed */
        feed->again = true;
        return;
    }

    if (feed->timer.timer_set) {
        ngx_del_timer(&feed->timer);
    }

    ngx_http_auth_extranet_feed_timer(&feed->timer);
}


/* nginx forgets the socket, then libpq closes it (the order matters: the
 * event is dropped without a system call because the close follows) */

static void
ngx_http_auth_extranet_feed_unlisten(ngx_http_auth_extranet_feed_t *feed)
{
    ngx_connection_t  *c;

    c = feed->listen_conn;

    if (c) {
        if (c->read->active) {
            ngx_del_event(c->read, NGX_READ_EVENT, NGX_CLOSE_EVENT);
        }

        if (c->read->posted) {
            ngx_delete_posted_event(c->read);
        }

        if (c->write->posted) {
            ngx_delete_posted_event(c->write);
        }

        ngx_free_connection(c);
        c->fd = (ngx_socket_t) -1;
        feed->listen_conn = NULL;
    }

    feed->listener->close();
}


static void
ngx_http_auth_extranet_feed_no_write(ngx_event_t *wev)
{
}
