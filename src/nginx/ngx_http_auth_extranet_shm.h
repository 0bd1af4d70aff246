/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: the shared zone's entries, for the zone's
 * two files (_shm.cpp: the zone, its tree and how room is made; _entries.cpp:
 * revocations and brute-force counters).
 */

#ifndef _NGX_HTTP_AUTH_EXTRANET_SHM_H_INCLUDED_
#define _NGX_HTTP_AUTH_EXTRANET_SHM_H_INCLUDED_

#include "nginx/ngx_http_auth_extranet.h"


typedef struct {
    ngx_rbtree_node_t            node;       /* key: crc32 of data */
    ngx_queue_t                  queue;      /* least recently used last */
    time_t                       expire;     /* may be dropped after */
    time_t                       window_start;
    time_t                       locked_until;
    ngx_uint_t                   failures;
    ngx_uint_t                   in_flight;  /* attempts not answered yet */
    unsigned                     revoked:1;
    u_short                      len;
    u_char                       data[1];
} ngx_http_auth_extranet_shm_node_t;


/* where the zone stands in one database's revocation feed (_feed.cpp):
 * kept in the zone so that a reload's new workers go on from there */
typedef struct {
    uint32_t                     db;         /* crc32 of the conninfo */
    int64_t                      last_id;
    double                       since;      /* the server's clock */
    uint64_t                     xmin;       /* oldest transaction running
                                                at the last read */
} ngx_http_auth_extranet_feed_cursor_t;

#define NGX_HTTP_AUTH_EXTRANET_FEEDS             16


typedef struct {
    ngx_rbtree_t                 rbtree;
    ngx_rbtree_node_t            sentinel;
    ngx_queue_t                  queue;
    ngx_uint_t                   counters;
    ngx_uint_t                   max_counters;
    /* cookies refreshed until then are checked against their row once:
     * the zone's start, or the last revocation it had no room for */
    time_t                       created;
    /* revocations stored since the zone began (in it or by a worker) */
    ngx_atomic_t                 revocations;
    ngx_http_auth_extranet_stats_t  stats;
    ngx_http_auth_extranet_feed_cursor_t  feeds[NGX_HTTP_AUTH_EXTRANET_FEEDS];
    /* revocations take at most half of the zone too: the refresh budgets
     * (counters) that the checks above need keep room */
    ngx_uint_t                   revocations_kept;
    ngx_uint_t                   max_revocations;
} ngx_http_auth_extranet_shm_sh_t;


/* the size a counter or a revocation takes in the slab (node and key,
 * rounded up) */
#define NGX_HTTP_AUTH_EXTRANET_SHM_COUNTER_SIZE  256

/* entries looked at from the LRU end to make room */
#define NGX_HTTP_AUTH_EXTRANET_SHM_SCAN          64



/* the entry for key, or NULL; called with the mutex held */
ngx_http_auth_extranet_shm_node_t *ngx_http_auth_extranet_shm_lookup(
    ngx_shm_zone_t *zone, std::string_view key);

/* the entry for key, created if missing (a counter, or a revocation); NULL
 * when no room can be made; called with the mutex held */
ngx_http_auth_extranet_shm_node_t *ngx_http_auth_extranet_shm_get(
    ngx_shm_zone_t *zone, const std::string &key, bool counter);

/* removes an entry; called with the mutex held */
void ngx_http_auth_extranet_shm_free(ngx_slab_pool_t *shpool,
    ngx_http_auth_extranet_shm_sh_t *sh, ngx_http_auth_extranet_shm_node_t *n);

#endif /* _NGX_HTTP_AUTH_EXTRANET_SHM_H_INCLUDED_ */
