/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: what the shared zone holds. Session keys
 * revoked on this node (a logged-out cookie is refused at once, before its
 * next refresh), the brute-force counters with the attempts in flight, and
 * the budgets of database work per client address.
 */

#include "nginx/ngx_http_auth_extranet_shm.h"

#include <unordered_map>


static std::unordered_map<std::string, time_t> &
    ngx_http_auth_extranet_shm_local();
static void ngx_http_auth_extranet_shm_revoke_locally(const std::string &k,
    time_t until);
static bool ngx_http_auth_extranet_shm_peek(ngx_shm_zone_t *zone,
    std::string_view k, ngx_http_auth_extranet_shm_node_t *copy);


/*
 * A revoked session's key, refused until the session's end: until, or
 * sooner. Its cookies cannot outlive idle: each expires idle seconds after
 * its last refresh (checked at every request), and no refresh comes after
 * the revocation (a refresh re-reads the row). So the entry is kept idle
 * seconds (30 minutes by default), not the session's absolute end (12
 * hours): a zone holds the revocations of the last half hour, not of the
 * last half day. The margin covers a refresh answered just as the row was
 * revoked and clocks of a fleet's nodes a few minutes apart.
 * by_refresh: found by a refresh, its row revoked. When the zone has no
 * room, the revocation that ended it (the feed's, the portal's) has
 * already had the node's sessions checked: that is not asked again.
 */

#define NGX_HTTP_AUTH_EXTRANET_REVOKED_MARGIN  300

static time_t  ngx_http_auth_extranet_full_said;

bool
ngx_http_auth_extranet_shm_revoke(ngx_shm_zone_t *zone, const std::string &key,
    time_t until, time_t idle, bool by_refresh)
{
    bool                                stored, changed, known;
    std::string                         k;
    ngx_slab_pool_t                    *shpool;
    ngx_http_auth_extranet_shm_node_t  *n;

    if (key.size() > 512) {
        return false;
    }

    until = ngx_min(until, ngx_time() + idle
                           + NGX_HTTP_AUTH_EXTRANET_REVOKED_MARGIN);

    /* built before the lock: nothing throws while it is held */
    k = "r:" + key;
    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    /* found no room before and kept by this worker: the feed's reads
     * overlap and bring it again, its sessions were checked once */
    known = by_refresh
            || ngx_http_auth_extranet_shm_local().count(k) != 0;

    ngx_shmtx_lock(&shpool->mutex);

    n = ngx_http_auth_extranet_shm_get(zone, k, false);
    stored = (n != NULL);

    /* a new entry has no expiry yet, and one past its end (not dropped
     * yet) comes back: the workers' answers change. One in force changes
     * nothing, even kept longer: the feed reads entries again (its reads
     * overlap), each time with a later cap above */
    changed = (n == NULL || n->expire <= ngx_time());

    if (n) {
        n->expire = ngx_max(n->expire, until);

    } else if (!known) {
        /* the zone is full of revocations: the node's workers cannot all
         * learn this one from it. Every cookie refreshed until now is
         * checked against its row once, on every worker, as after a
         * restart (_session.cpp): this one's row refuses it; the others
         * go on with a new cookie, each for one round trip */
        static_cast<ngx_http_auth_extranet_shm_sh_t *>(zone->data)->created =
            ngx_time();
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (!stored) {
        /* this worker keeps it too, and refuses it without asking; said
         * once a minute (the feed applies thousands at a time) */
        if (ngx_time() - ngx_http_auth_extranet_full_said >= 60) {
            ngx_http_auth_extranet_full_said = ngx_time();
            ngx_log_error(NGX_LOG_CRIT, ngx_cycle->log, 0,
                          "auth extranet: no room in zone \"%V\" for a "
                          "revoked session; every session of the node is "
                          "checked against its row once, make the zone "
                          "larger", &zone->shm.name);
        }

        try {
            ngx_http_auth_extranet_shm_revoke_locally(k, until);

        } catch (const std::exception &e) {
            ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                          "auth extranet: %s", e.what());
        }
    }

    /* after the entry is in place: a request that reads the new count
     * finds the entry too; an entry already there leaves the workers'
     * answers as they are */
    if (changed) {
        (void) ngx_atomic_fetch_add(
                   &static_cast<ngx_http_auth_extranet_shm_sh_t *>(
                       zone->data)->revocations, 1);
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
ngx_http_auth_extranet_shm_peek(ngx_shm_zone_t *zone, std::string_view k,
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


/*
 * Every protected request asks. A session this worker found not revoked is
 * not looked up again while no revocation was stored since (mark): the
 * zone's lock is shared by the workers, its cache line would go back and
 * forth between the cores on every request. Otherwise the key is built on
 * the stack and looked up under the lock.
 */

bool
ngx_http_auth_extranet_shm_revoked(ngx_shm_zone_t *zone, std::string_view key,
    ngx_http_auth_extranet_revocation_mark_t *mark)
{
    u_char                              buf[2 + 512];
    ngx_atomic_uint_t                   count;
    ngx_http_auth_extranet_shm_sh_t    *sh;
    ngx_http_auth_extranet_shm_node_t   n;

    if (key.size() > 512) {
        return false;   /* never stored (ngx_http_auth_extranet_shm_revoke) */
    }

    sh = static_cast<ngx_http_auth_extranet_shm_sh_t *>(zone->data);

    /* read before the lookup: a revocation stored meanwhile changes it */
    count = sh->revocations;

    if (mark && mark->zone == sh && mark->count == count) {
        return false;
    }

    buf[0] = 'r';
    buf[1] = ':';
    ngx_memcpy(buf + 2, key.data(), key.size());

    std::string_view  k((char *) buf, 2 + key.size());

    if (ngx_http_auth_extranet_shm_peek(zone, k, &n) && n.revoked) {
        return true;
    }

    auto &local = ngx_http_auth_extranet_shm_local();

    if (!local.empty()) {
        auto it = local.find(std::string(k));

        if (it != local.end() && it->second > ngx_time()) {
            return true;
        }
    }

    if (mark) {
        mark->zone = sh;
        mark->count = count;
    }

    return false;
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

        /* the lockout is counted by the portal, where PostgreSQL's count
         * (the fleet's) reaches the limit, never here: one node's share
         * of the guesses may never reach it */
        if (++n->failures >= max) {
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



/*
 * A budget of work per key (a client address) and window: true when the
 * window's budget is spent (the work is not done), otherwise the work is
 * counted. No room for its counter counts as spent: the work could
 * otherwise be had without limit by filling the zone first.
 */

bool
ngx_http_auth_extranet_shm_spend(ngx_shm_zone_t *zone, const std::string &key,
    ngx_uint_t max, time_t window)
{
    bool                                spent;
    time_t                              now;
    std::string                         k;
    ngx_slab_pool_t                    *shpool;
    ngx_http_auth_extranet_shm_node_t  *n;

    if (max == 0 || key.size() > 512) {
        return false;
    }

    k = "b:" + key;
    now = ngx_time();
    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    n = ngx_http_auth_extranet_shm_get(zone, k, true);

    if (n == NULL) {
        spent = true;

    } else {
        if (n->window_start + window <= now) {
            n->window_start = now;
            n->failures = 0;
        }

        spent = (n->failures >= max);

        if (!spent) {
            n->failures++;
        }

        n->expire = n->window_start + window;
    }

    if (spent) {
        ngx_http_auth_extranet_count(
            &static_cast<ngx_http_auth_extranet_shm_sh_t *>(zone->data)->stats,
            limited);
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return spent;
}
