/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fleet's revocation feed as a worker holds it: read on a poll
 * (ngx_http_auth_extranet_feed.cpp) and woken by PostgreSQL's
 * notifications on a listening connection (_feed_listen.cpp).
 */

#ifndef NGX_HTTP_AUTH_EXTRANET_FEED_H_INCLUDED_
#define NGX_HTTP_AUTH_EXTRANET_FEED_H_INCLUDED_

#include "nginx/ngx_http_auth_extranet.h"

#include <string>
#include <vector>

#include "core/storage/database.h"
#include "core/storage/revocation_feed.h"


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
    time_t                           idle;       /* the longest idle timeout
                                                    of the feed's sites */
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


/* the poll's timer handler: starts a read now unless one is under way */
void ngx_http_auth_extranet_feed_timer(ngx_event_t *ev);

/* sets up the listening connection of a feed (opened from the first tick) */
ngx_int_t ngx_http_auth_extranet_feed_listen_init(ngx_cycle_t *cycle,
    ngx_http_auth_extranet_feed_t *feed);

/* closes it, whatever its state */
void ngx_http_auth_extranet_feed_unlisten(ngx_http_auth_extranet_feed_t *feed);


#endif /* NGX_HTTP_AUTH_EXTRANET_FEED_H_INCLUDED_ */
