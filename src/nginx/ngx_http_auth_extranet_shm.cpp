/*
 * The module's shared memory zone: session keys revoked on this node (so a
 * logged-out cookie is refused at once, before its next refresh) and the
 * brute-force counters, in one red-black tree with an LRU queue.
 *
 * A flood of new identifiers must not flush what protects owners: counters
 * may take at most half of the zone; to make room, only expired entries and
 * then counters that neither lock anything out nor count an attempt in
 * flight are dropped, never a revocation or an active lockout. When no room
 * can be made, a new counter is refused and so is its request.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include <unordered_map>


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


typedef struct {
    ngx_rbtree_t                 rbtree;
    ngx_rbtree_node_t            sentinel;
    ngx_queue_t                  queue;
    ngx_uint_t                   counters;
    ngx_uint_t                   max_counters;
    time_t                       created;
    ngx_http_auth_extranet_stats_t  stats;
} ngx_http_auth_extranet_shm_sh_t;


/* the size a counter takes in the slab (node and key, rounded up) */
#define NGX_HTTP_AUTH_EXTRANET_SHM_COUNTER_SIZE  256

/* entries looked at from the LRU end to make room */
#define NGX_HTTP_AUTH_EXTRANET_SHM_SCAN          64


static ngx_int_t ngx_http_auth_extranet_shm_resized(ngx_shm_zone_t *shm_zone);
static void ngx_http_auth_extranet_shm_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_auth_extranet_shm_node_t *ngx_http_auth_extranet_shm_lookup(
    ngx_shm_zone_t *zone, const std::string &key);
static ngx_http_auth_extranet_shm_node_t *ngx_http_auth_extranet_shm_get(
    ngx_shm_zone_t *zone, const std::string &key, bool counter);
static void ngx_http_auth_extranet_shm_revoke_locally(const std::string &k,
    time_t until);
static bool ngx_http_auth_extranet_shm_protected(
    ngx_http_auth_extranet_shm_node_t *n, time_t now);
static void ngx_http_auth_extranet_shm_free(ngx_slab_pool_t *shpool,
    ngx_http_auth_extranet_shm_sh_t *sh, ngx_http_auth_extranet_shm_node_t *n);
static bool ngx_http_auth_extranet_shm_peek(ngx_shm_zone_t *zone,
    const std::string &k, ngx_http_auth_extranet_shm_node_t *copy);
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

    /* the other half stays for revocations, whatever a flood does */
    sh->counters = 0;
    sh->max_counters = shm_zone->shm.size / 2
                       / NGX_HTTP_AUTH_EXTRANET_SHM_COUNTER_SIZE;

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


static ngx_http_auth_extranet_shm_node_t *
ngx_http_auth_extranet_shm_lookup(ngx_shm_zone_t *zone, const std::string &key)
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


static void
ngx_http_auth_extranet_shm_free(ngx_slab_pool_t *shpool,
    ngx_http_auth_extranet_shm_sh_t *sh, ngx_http_auth_extranet_shm_node_t *n)
{
    if (!n->revoked && sh->counters) {
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

static ngx_http_auth_extranet_shm_node_t *
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
    }

    ngx_rbtree_insert(&sh->rbtree, &n->node);
    ngx_queue_insert_head(&sh->queue, &n->queue);

    return n;
}


bool
ngx_http_auth_extranet_shm_revoke(ngx_shm_zone_t *zone, const std::string &key,
    time_t until)
{
    bool                                stored;
    std::string                         k;
    ngx_slab_pool_t                    *shpool;
    ngx_http_auth_extranet_shm_node_t  *n;

    if (key.size() > 512) {
        return false;
    }

    /* built before the lock: nothing throws while it is held */
    k = "r:" + key;
    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    n = ngx_http_auth_extranet_shm_get(zone, k, false);
    stored = (n != NULL);

    if (n) {
        n->expire = ngx_max(n->expire, until);
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (!stored) {
        /* the zone is full of revocations: this worker keeps it at least,
         * the session row refuses it at the next refresh on every node */
        ngx_log_error(NGX_LOG_CRIT, ngx_cycle->log, 0,
                      "auth extranet: no room in zone \"%V\" for a "
                      "revoked session; kept by this worker only, make the "
                      "zone larger", &zone->shm.name);

        try {
            ngx_http_auth_extranet_shm_revoke_locally(k, until);

        } catch (const std::exception &e) {
            ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                          "auth extranet: %s", e.what());
        }
    }

    return stored;
}


/* the revocations that found no room in the zone, per worker, bounded */

static std::unordered_map<std::string, time_t> &
ngx_http_auth_extranet_shm_local()
{
    static std::unordered_map<std::string, time_t>  revoked;

    return revoked;
}


static void
ngx_http_auth_extranet_shm_revoke_locally(const std::string &k, time_t until)
{
    time_t  now = ngx_time();
    auto   &revoked = ngx_http_auth_extranet_shm_local();

    if (revoked.size() >= 65536) {
        for (auto it = revoked.begin(); it != revoked.end(); ) {
            it = (it->second <= now) ? revoked.erase(it) : std::next(it);
        }
    }

    if (revoked.size() < 65536) {
        revoked[k] = until;
    }
}


/* a copy of the entry for key, read under the lock; false if none */

static bool
ngx_http_auth_extranet_shm_peek(ngx_shm_zone_t *zone, const std::string &k,
    ngx_http_auth_extranet_shm_node_t *copy)
{
    ngx_slab_pool_t                    *shpool;
    ngx_http_auth_extranet_shm_node_t  *n;

    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    n = ngx_http_auth_extranet_shm_lookup(zone, k);
    if (n) {
        ngx_memcpy(copy, n, offsetof(ngx_http_auth_extranet_shm_node_t, data));
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return n != NULL;
}


bool
ngx_http_auth_extranet_shm_revoked(ngx_shm_zone_t *zone, const std::string &key)
{
    ngx_http_auth_extranet_shm_node_t  n;

    std::string  k = "r:" + key;

    if (ngx_http_auth_extranet_shm_peek(zone, k, &n) && n.revoked) {
        return true;
    }

    auto &local = ngx_http_auth_extranet_shm_local();

    if (local.empty()) {
        return false;
    }

    auto it = local.find(k);

    return it != local.end() && it->second > ngx_time();
}


void
ngx_http_auth_extranet_shm_fail(ngx_shm_zone_t *zone, const std::string &key,
    ngx_uint_t max, time_t window, time_t lockout)
{
    time_t                              now;
    std::string                         k;
    ngx_slab_pool_t                    *shpool;
    ngx_http_auth_extranet_shm_node_t  *n;

    if (max == 0 || key.size() > 512) {
        return;
    }

    k = "l:" + key;
    now = ngx_time();
    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    n = ngx_http_auth_extranet_shm_get(zone, k, true);
    if (n) {
        if (n->window_start + window <= now) {
            n->window_start = now;
            n->failures = 0;
        }

        if (++n->failures >= max) {
            if (n->locked_until <= now) {
                ngx_http_auth_extranet_count(
                    &static_cast<ngx_http_auth_extranet_shm_sh_t *>(
                        zone->data)->stats, lockouts);
            }

            n->locked_until = now + lockout;
        }

        n->expire = ngx_max(n->window_start + window, n->locked_until);
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


bool
ngx_http_auth_extranet_shm_locked(ngx_shm_zone_t *zone, const std::string &key)
{
    ngx_http_auth_extranet_shm_node_t  n;

    return ngx_http_auth_extranet_shm_peek(zone, "l:" + key, &n)
           && n.locked_until > ngx_time();
}


/*
 * An attempt for key: refused (true) while the key is locked out or its
 * failures plus the attempts still in flight reach max; otherwise counted
 * in flight until ngx_http_auth_extranet_shm_release(). Parallel attempts
 * thus cannot overrun the limit before their failures are counted.
 */

bool
ngx_http_auth_extranet_shm_reserve(ngx_shm_zone_t *zone,
    const std::string &key, ngx_uint_t max, time_t window)
{
    bool                                refused;
    time_t                              now;
    std::string                         k;
    ngx_slab_pool_t                    *shpool;
    ngx_http_auth_extranet_shm_node_t  *n;

    if (max == 0 || key.size() > 512) {
        return false;
    }

    k = "l:" + key;
    now = ngx_time();
    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    n = ngx_http_auth_extranet_shm_get(zone, k, true);

    if (n == NULL) {
        /* no room for its counter: an attempt uncounted would be a way
         * around the limits, it is refused */
        refused = true;
        ngx_http_auth_extranet_count(
            &static_cast<ngx_http_auth_extranet_shm_sh_t *>(zone->data)->stats,
            zone_full);

    } else {
        if (n->window_start + window <= now) {
            n->window_start = now;
            n->failures = 0;
        }

        refused = (n->locked_until > now || n->failures + n->in_flight >= max);

        if (refused) {
            ngx_http_auth_extranet_count(
                &static_cast<ngx_http_auth_extranet_shm_sh_t *>(zone->data)->stats,
                limited);
        }

        if (!refused) {
            n->in_flight++;
            n->expire = ngx_max(n->expire, now + window);
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return refused;
}


void
ngx_http_auth_extranet_shm_release(ngx_shm_zone_t *zone, const std::string &key)
{
    std::string                         k;
    ngx_slab_pool_t                    *shpool;
    ngx_http_auth_extranet_shm_node_t  *n;

    k = "l:" + key;
    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    n = ngx_http_auth_extranet_shm_lookup(zone, k);
    if (n && n->in_flight) {
        n->in_flight--;
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


void
ngx_http_auth_extranet_shm_clear(ngx_shm_zone_t *zone, const std::string &key)
{
    std::string                         k;
    ngx_slab_pool_t                    *shpool;
    ngx_http_auth_extranet_shm_node_t  *n;

    k = "l:" + key;
    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    n = ngx_http_auth_extranet_shm_lookup(zone, k);
    if (n && n->in_flight == 0) {
        ngx_http_auth_extranet_shm_free(shpool,
            static_cast<ngx_http_auth_extranet_shm_sh_t *>(zone->data), n);

    } else if (n) {
        /* attempts still in flight keep their place: only the failures
         * and the lockout end with a success */
        n->failures = 0;
        n->locked_until = 0;
    }

    ngx_shmtx_unlock(&shpool->mutex);
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
