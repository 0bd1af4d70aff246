/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The revocation feed's notifications. A trigger on the feed NOTIFYs at the
 * commit of each transaction that adds rows; worker 0 keeps one libpq
 * connection of its own per feed that LISTENs, opened and told to listen in
 * a pool thread, then watched by the event loop like any socket (reading a
 * notification that arrived is no round trip). A notification starts a
 * read at once, or right after the read under way. The poll stays: a
 * notification is lost with the connection that was to carry it.
 */

#include "nginx/ngx_http_auth_extranet.h"
#include "nginx/ngx_http_auth_extranet_feed.h"


#define NGX_HTTP_AUTH_EXTRANET_FEED_RELISTEN  2000    /* ms before listening
                                                         again, doubled after
                                                         each failed attempt */
#define NGX_HTTP_AUTH_EXTRANET_FEED_RELISTEN_MAX  16000
#define NGX_HTTP_AUTH_EXTRANET_FEED_CHANNEL   "extranet_revocation_feed"


static void ngx_http_auth_extranet_feed_listen(
    ngx_http_auth_extranet_feed_t *feed);
static void ngx_http_auth_extranet_feed_listen_timer(ngx_event_t *ev);
static void ngx_http_auth_extranet_feed_listen_thread(void *data,
    ngx_log_t *log);
static void ngx_http_auth_extranet_feed_listen_done(ngx_event_t *ev);
static void ngx_http_auth_extranet_feed_notified(ngx_event_t *rev);
static void ngx_http_auth_extranet_feed_no_write(ngx_event_t *wev);


ngx_int_t
ngx_http_auth_extranet_feed_listen_init(ngx_cycle_t *cycle,
    ngx_http_auth_extranet_feed_t *feed)
{
    feed->listener = ngx_http_auth_extranet_pool_new<extranet::Database>(
                         cycle->pool, feed->settings->conninfo,
                         feed->settings->db_timeout, false);
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
    feed->listen_task->event.handler = ngx_http_auth_extranet_feed_listen_done;
    feed->listen_fd = -1;
    feed->listen_wait = NGX_HTTP_AUTH_EXTRANET_FEED_RELISTEN;

    feed->listen_timer.handler = ngx_http_auth_extranet_feed_listen_timer;
    feed->listen_timer.data = feed;
    feed->listen_timer.log = cycle->log;
    /* a worker that is shutting down does not wait for it */
    feed->listen_timer.cancelable = 1;

    ngx_add_timer(&feed->listen_timer, 1);

    return NGX_OK;
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

void
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
