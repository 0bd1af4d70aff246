/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The module's shared memory zone: session keys revoked on this node (so a
 * logged-out cookie is refused at once, before its next refresh) and the
 * brute-force counters, in one red-black tree with an LRU queue.
 *
 * A flood of new identifiers must not flush what protects owners: counters
 * may take at most half of the zone; to make room, only expired entries and
 * then counters that neither lock anything out nor count an attempt in
 * flight are dropped, never a revocation or an active lockout. When no room
 * can be made, a new counter is refused and so is its request. Revocations
 * too take at most half: past that, one that finds no room has the node's
 * sessions checked against their rows (_entries.cpp).
 */

#include "nginx/ngx_http_auth_extranet.h"
#include "nginx/ngx_http_auth_extranet_shm.h"


static ngx_int_t ngx_http_auth_extranet_shm_resized(ngx_shm_zone_t *shm_zone);
static void ngx_http_auth_extranet_shm_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static bool ngx_http_auth_extranet_shm_protected(
    ngx_http_auth_extranet_shm_node_t *n, time_t now);
static bool ngx_http_auth_extranet_shm_expire(ngx_slab_pool_t *shpool,
    ngx_http_auth_extranet_shm_sh_t *sh, bool force);


ngx_int_t
ngx_http_auth_extranet_shm_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t                  *shpool;
    ngx_http_auth_extranet_shm_sh_t  *sh;

    if (data) {
        /* reload: keep the running zone */
        shm_zone->data = data;
        return NGX_OK;
    }

    if (ngx_http_auth_extranet_shm_resized(shm_zone) != NGX_OK) {
        return NGX_ERROR;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = static_cast<ngx_http_auth_extranet_shm_sh_t *>(
             ngx_slab_calloc(shpool, sizeof(ngx_http_auth_extranet_shm_sh_t)));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    shpool->data = sh;
    shm_zone->data = sh;

    ngx_rbtree_init(&sh->rbtree, &sh->sentinel,
                    ngx_http_auth_extranet_shm_insert);
    ngx_queue_init(&sh->queue);

    /* a new zone knows nothing of earlier revocations: sessions refreshed
     * before it are checked against their row once (see _access.cpp) */
    sh->created = ngx_time();

    /* the other half stays for revocations, whatever a flood does, and
     * the other way round */
    sh->counters = 0;
    sh->max_counters = shm_zone->shm.size / 2
                       / NGX_HTTP_AUTH_EXTRANET_SHM_COUNTER_SIZE;
    sh->revocations_kept = 0;
    sh->max_revocations = sh->max_counters;

    shpool->log_ctx = (u_char *) " in auth_extranet zone";

    return NGX_OK;
}


/*
 * A reload that changes the zone's size would start it empty: the sessions
 * revoked on this node would pass again and lockouts would be lifted. The
 * reload is refused (the running configuration goes on); a restart or a
 * binary upgrade resizes it.
 */

static ngx_int_t
ngx_http_auth_extranet_shm_resized(ngx_shm_zone_t *shm_zone)
{
    ngx_uint_t        i;
    ngx_shm_zone_t   *old;
    ngx_list_part_t  *part;

    /* while the new cycle is being built, ngx_cycle is the running one */
    part = NULL;

    while ((old = ngx_http_auth_extranet_shm_next((ngx_cycle_t *) ngx_cycle,
                                                  &part, &i)))
    {
        if (old->shm.name.len != shm_zone->shm.name.len
            || ngx_strncmp(old->shm.name.data, shm_zone->shm.name.data,
                           shm_zone->shm.name.len) != 0
            || old->shm.size == shm_zone->shm.size)
        {
            continue;
        }

        ngx_log_error(NGX_LOG_EMERG, ngx_cycle->log, 0,
                      "auth_extranet_zone \"%V\" cannot change its size on "
                      "reload (%uz to %uz): it holds the sessions revoked "
                      "and the lockouts of this node; the reload is refused, "
                      "restart nginx to resize it", &shm_zone->shm.name,
                      old->shm.size, shm_zone->shm.size);

        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The cycle's zones of the module, one per call: start with *part NULL;
 * NULL at the end.
 */

ngx_shm_zone_t *
ngx_http_auth_extranet_shm_next(ngx_cycle_t *cycle, ngx_list_part_t **part,
    ngx_uint_t *i)
{
    ngx_shm_zone_t  *zone;

    if (cycle == NULL || cycle->shared_memory.part.elts == NULL) {
        return NULL;
    }

    if (*part == NULL) {
        *part = &cycle->shared_memory.part;
        *i = 0;

    } else {
        (*i)++;
    }

    for ( ;; ) {
        if (*i >= (*part)->nelts) {
            if ((*part)->next == NULL) {
                return NULL;
            }

            *part = (*part)->next;
            *i = 0;
            continue;
        }

        zone = static_cast<ngx_shm_zone_t *>((*part)->elts);

        if (zone[*i].tag == &ngx_http_auth_extranet_module) {
            return &zone[*i];
        }

        (*i)++;
    }
}


static void
ngx_http_auth_extranet_shm_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t                  **p;
    ngx_http_auth_extranet_shm_node_t   *n, *t;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            n = (ngx_http_auth_extranet_shm_node_t *) node;
            t = (ngx_http_auth_extranet_shm_node_t *) temp;

            p = (ngx_memn2cmp(n->data, t->data, n->len, t->len) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


ngx_http_auth_extranet_shm_node_t *
ngx_http_auth_extranet_shm_lookup(ngx_shm_zone_t *zone, std::string_view key)
{
    uint32_t                            hash;
    ngx_int_t                           rc;
    ngx_rbtree_node_t                  *node, *sentinel;
    ngx_http_auth_extranet_shm_sh_t    *sh;
    ngx_http_auth_extranet_shm_node_t  *n;

    sh = static_cast<ngx_http_auth_extranet_shm_sh_t *>(zone->data);
    /* the same CRC-32 as ngx_crc32_short() (entries an older build made
     * are found), one table lookup per byte instead of two: every
     * protected request looks its session up here */
    hash = ngx_crc32_long((u_char *) key.data(), key.size());

    node = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        n = (ngx_http_auth_extranet_shm_node_t *) node;

        rc = ngx_memn2cmp((u_char *) key.data(), n->data, key.size(), n->len);

        if (rc == 0) {
            return n;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


/* what is never dropped to make room: a revocation or a lockout still in
 * force, an attempt still in flight */

static bool
ngx_http_auth_extranet_shm_protected(ngx_http_auth_extranet_shm_node_t *n,
    time_t now)
{
    if (n->expire <= now && n->in_flight == 0) {
        return false;
    }

    return n->revoked || n->locked_until > now || n->in_flight;
}


void
ngx_http_auth_extranet_shm_free(ngx_slab_pool_t *shpool,
    ngx_http_auth_extranet_shm_sh_t *sh, ngx_http_auth_extranet_shm_node_t *n)
{
    if (n->revoked) {
        if (sh->revocations_kept) {
            sh->revocations_kept--;
        }

    } else if (sh->counters) {
        sh->counters--;
    }

    ngx_queue_remove(&n->queue);
    ngx_rbtree_delete(&sh->rbtree, &n->node);
    ngx_slab_free_locked(shpool, n);
}


/*
 * Makes room from the LRU end: drops the expired entries among the oldest;
 * with force, also the oldest counters that protect nothing. True when
 * something was dropped. Called with the mutex held.
 */

static bool
ngx_http_auth_extranet_shm_expire(ngx_slab_pool_t *shpool,
    ngx_http_auth_extranet_shm_sh_t *sh, bool force)
{
    bool                                dropped;
    time_t                              now;
    ngx_uint_t                          n;
    ngx_queue_t                        *q, *prev;
    ngx_http_auth_extranet_shm_node_t  *node;

    now = ngx_time();
    dropped = false;

    q = ngx_queue_last(&sh->queue);

    for (n = 0; n < NGX_HTTP_AUTH_EXTRANET_SHM_SCAN && q != ngx_queue_sentinel(&sh->queue); n++) {
        prev = ngx_queue_prev(q);
        node = ngx_queue_data(q, ngx_http_auth_extranet_shm_node_t, queue);

        if (node->expire <= now && node->in_flight == 0) {
            ngx_http_auth_extranet_shm_free(shpool, sh, node);
            dropped = true;

        } else if (force && !node->revoked
                   && !ngx_http_auth_extranet_shm_protected(node, now))
        {
            ngx_http_auth_extranet_shm_free(shpool, sh, node);
            dropped = true;
        }

        q = prev;
    }

    return dropped;
}


/*
 * The entry for key, created if missing (a counter, or a revocation);
 * NULL when no room can be made. Called with the mutex held.
 */

ngx_http_auth_extranet_shm_node_t *
ngx_http_auth_extranet_shm_get(ngx_shm_zone_t *zone, const std::string &key,
    bool counter)
{
    size_t                              size;
    ngx_slab_pool_t                    *shpool;
    ngx_http_auth_extranet_shm_sh_t    *sh;
    ngx_http_auth_extranet_shm_node_t  *n;

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    sh = static_cast<ngx_http_auth_extranet_shm_sh_t *>(zone->data);

    n = ngx_http_auth_extranet_shm_lookup(zone, key);
    if (n) {
        ngx_queue_remove(&n->queue);
        ngx_queue_insert_head(&sh->queue, &n->queue);
        return n;
    }

    (void) ngx_http_auth_extranet_shm_expire(shpool, sh, false);

    if (counter && sh->counters >= sh->max_counters
        && !ngx_http_auth_extranet_shm_expire(shpool, sh, true))
    {
        return NULL;
    }

    /* revocations are never dropped before their end */
    if (!counter && sh->revocations_kept >= sh->max_revocations) {
        return NULL;
    }

    size = offsetof(ngx_http_auth_extranet_shm_node_t, data) + key.size();

    n = static_cast<ngx_http_auth_extranet_shm_node_t *>(
            ngx_slab_alloc_locked(shpool, size));
    if (n == NULL) {
        if (!ngx_http_auth_extranet_shm_expire(shpool, sh, true)) {
            return NULL;
        }

        n = static_cast<ngx_http_auth_extranet_shm_node_t *>(
                ngx_slab_alloc_locked(shpool, size));
        if (n == NULL) {
            return NULL;
        }
    }

    ngx_memzero(n, size);
    n->node.key = ngx_crc32_long((u_char *) key.data(), key.size());
    n->len = (u_short) key.size();
    n->revoked = counter ? 0 : 1;
    ngx_memcpy(n->data, key.data(), key.size());

    if (counter) {
        sh->counters++;

    } else {
        sh->revocations_kept++;
    }

    ngx_rbtree_insert(&sh->rbtree, &n->node);
    ngx_queue_insert_head(&sh->queue, &n->queue);

    return n;
}


ngx_http_auth_extranet_stats_t *
ngx_http_auth_extranet_shm_stats(ngx_shm_zone_t *zone)
{
    if (zone == NULL || zone->data == NULL) {
        return NULL;
    }

    return &static_cast<ngx_http_auth_extranet_shm_sh_t *>(zone->data)->stats;
}


time_t
ngx_http_auth_extranet_shm_created(ngx_shm_zone_t *zone)
{
    if (zone == NULL || zone->data == NULL) {
        return 0;
    }

    return static_cast<ngx_http_auth_extranet_shm_sh_t *>(zone->data)->created;
}
