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
#include "nginx/ngx_http_auth_extranet_feed.h"
#include "nginx/ngx_http_auth_extranet_shm.h"

#include <vector>

#include "core/storage/revocation_feed.h"


#define NGX_HTTP_AUTH_EXTRANET_FEED_PURGE     60000   /* ms between purges */




static ngx_int_t ngx_http_auth_extranet_feed_add(ngx_cycle_t *cycle,
    std::vector<ngx_http_auth_extranet_feed_t *> &feeds,
    ngx_http_auth_extranet_srv_conf_t *site);
static ngx_http_auth_extranet_feed_cursor_t *
    ngx_http_auth_extranet_feed_cursor(ngx_http_auth_extranet_feed_t *feed);
static void ngx_http_auth_extranet_feed_thread(void *data, ngx_log_t *log);
static void ngx_http_auth_extranet_feed_done(ngx_event_t *ev);
static void ngx_http_auth_extranet_feed_apply(
    ngx_http_auth_extranet_feed_t *feed);

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
            f->idle = ngx_max(f->idle,
                              (time_t) site->settings->timeouts.idle);
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
    feed->idle = (time_t) site->settings->timeouts.idle;
    feed->purged = ngx_current_msec;

    /* behind a pooler in transaction mode no connection can LISTEN */
    if (site->settings->db_prepared_statements
        && ngx_http_auth_extranet_feed_listen_init(cycle, feed) != NGX_OK)
    {
        return NGX_ERROR;
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
            sh->feeds[i].xmin = 0;
            return &sh->feeds[i];
        }
    }

    return NULL;
}


void
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
        feed->cursor.xmin = c->xmin;
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

    ngx_http_auth_extranet_thread_stats(
        ngx_http_auth_extranet_shm_stats(feed->zone));

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

    ngx_http_auth_extranet_thread_stats(NULL);
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
                                                     (time_t) e.until,
                                                     feed->idle);
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
        c->xmin = feed->result.next.xmin;
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
