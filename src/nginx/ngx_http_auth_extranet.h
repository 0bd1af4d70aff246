/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: declarations shared by the nginx layer's
 * files, one file per concern as large nginx modules split:
 *
 *   _module.cpp     the module, its directives table, the locations'
 *                   configuration, the hooks installed at postconfiguration
 *   _site.cpp       each site's configuration: merged, built, checked
 *   _directive.cpp  the directives that need their own parser
 *   _access.cpp     the access phase (and subrequests' check), the
 *                   session's refresh (the portal's too)
 *   _session.cpp    a request's session: its cookie verified, its state
 *                   kept across internal redirects
 *   _headers_in.cpp the rewrite of the request headers for the upstream
 *   _filter.cpp     the header and body filters (refreshed cookie, the
 *                   answer to a request without a session)
 *   _variable.cpp   the $extranet_* variables
 *   _portal.cpp     the portal location
 *   _portal_send.cpp the portal's answers, applied to the zone and sent
 *   _bridge.cpp     the thread-pool bridge
 *   _shm.cpp        the shared memory zone (and _shm.h, its entries)
 *   _entries.cpp    what the zone holds: revocations, brute-force counters
 *   _status.cpp     the metrics (auth_extranet_status)
 *   _feed.cpp       the fleet's revocation feed, read into the zone
 */

#ifndef _NGX_HTTP_AUTH_EXTRANET_H_INCLUDED_
#define _NGX_HTTP_AUTH_EXTRANET_H_INCLUDED_

extern "C" {
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>
}

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/primitives/metrics.h"
#include "core/router/portal.h"
#include "core/primitives/session_token.h"


#define NGX_HTTP_AUTH_EXTRANET_HEADERS          6


/*
 * A site: what the site directives describe, at http or server level and
 * inherited downwards. The directives' values are merged here the nginx
 * way; the merge then builds the site's one configuration object, the
 * core's Settings, which is all the request path reads, with the nginx
 * handles it needs (zone, thread pool).
 */
typedef struct {
    /* directive values, merged from http to server */
    ngx_str_t                    db;
    ngx_msec_t                   db_timeout;
    ngx_flag_t                   db_prepared_statements;
    ngx_msec_t                   feed_interval;
    ngx_str_t                    thread_pool_name;
    ngx_str_t                    hash_pool_name;
    std::shared_ptr<const extranet::KeyRing>  *keys;
    extranet::PartnerRules      *partners;
    ngx_uint_t                   hash_scheme;
    ngx_uint_t                   min_length;
    ngx_uint_t                   legacy_login;
    ngx_str_t                    header_prefix;
    ngx_str_t                    site_url;
    ngx_str_t                    theme;
    ngx_str_t                    cookie_name;
    ngx_flag_t                   cookie_secure;
    ngx_str_t                    cookie_samesite;
    ngx_str_t                    cookie_domain;
    time_t                       idle;
    time_t                       absolute;
    time_t                       refresh;
    ngx_uint_t                   limit_identifier;
    ngx_uint_t                   limit_address;
    ngx_uint_t                   limit_hashes;
    ngx_uint_t                   limit_challenges;  /* per address, minute */
    ngx_uint_t                   limit_refreshes;   /* per address, minute */
    time_t                       limit_window;
    time_t                       limit_lockout;
    ngx_shm_zone_t              *shm_zone;

    /* the site, once merged */
    extranet::Settings          *settings;
    ngx_thread_pool_t           *thread_pool;  /* database work */
    ngx_thread_pool_t           *hash_pool;    /* work that hashes */
    std::string                 *tag;     /* prefix of its keys in a zone */
    ngx_str_t                    portal_prefix;  /* for the login redirect */
    ngx_flag_t                   used;    /* a location protects or serves */
    ngx_flag_t                   portal;  /* a portal location exists */
} ngx_http_auth_extranet_srv_conf_t;


typedef struct {
    ngx_flag_t                   enabled;
    ngx_flag_t                   portal;
    ngx_str_t                    login_field;
    ngx_str_t                    password_field;
} ngx_http_auth_extranet_loc_conf_t;


/* task latency histogram: upper bounds in milliseconds (then +Inf) */
#define NGX_HTTP_AUTH_EXTRANET_BUCKETS  12

/* why a session cookie was refused */
enum {
    NGX_HTTP_AUTH_EXTRANET_REFUSED_FORGED = 0,   /* tampered, truncated, other key */
    NGX_HTTP_AUTH_EXTRANET_REFUSED_EXPIRED,
    NGX_HTTP_AUTH_EXTRANET_REFUSED_REVOKED,
    NGX_HTTP_AUTH_EXTRANET_REFUSED_N
};


/*
 * The metrics of a zone (auth_extranet_status): in the shared zone, so that
 * they are summed over the workers and survive a reload.
 */
typedef struct {
    ngx_atomic_t     metrics[(size_t) extranet::Metric::count_];
    ngx_atomic_t     lockouts;
    ngx_atomic_t     refreshed;
    ngx_atomic_t     revoked;
    ngx_atomic_t     refused[NGX_HTTP_AUTH_EXTRANET_REFUSED_N];
    ngx_atomic_t     limited;          /* attempts refused by a limit */
    ngx_atomic_t     zone_full;        /* counters refused: no room */
    ngx_atomic_t     tasks_queued;     /* gauge */
    ngx_atomic_t     tasks_running;    /* gauge */
    ngx_atomic_t     task_buckets[NGX_HTTP_AUTH_EXTRANET_BUCKETS + 1];
    ngx_atomic_t     task_ms_sum;
} ngx_http_auth_extranet_stats_t;


#define ngx_http_auth_extranet_count(stats, field)                           \
    do {                                                                     \
        if (stats) {                                                         \
            (void) ngx_atomic_fetch_add(&(stats)->field, 1);                 \
        }                                                                    \
    } while (0)


typedef struct ngx_http_auth_extranet_portal_ctx_s
    ngx_http_auth_extranet_portal_ctx_t;


/* what a request without a session is answered, once nginx answers it */
enum class ngx_http_auth_extranet_deny_e {
    none,
    redirect,       /* 302 to the login page */
    json,           /* 401 with the JSON body */
    html            /* 401 with the "session ended" page: a browser's form */
};


/*
 * The zone's count of revocations when a session was last found not revoked
 * in it: while the count stays, the answer stays (no lock, no lookup).
 */
typedef struct {
    void                        *zone;    /* the zone's shared data */
    ngx_atomic_uint_t            count;
} ngx_http_auth_extranet_revocation_mark_t;


/*
 * A session cookie this worker verified, and what the upstream gets for it,
 * built once: a worker keeps the last ones it saw (_session.cpp), so that
 * the next request of the same cookie neither opens it again nor allocates.
 * Immutable once built; a request holds it for its own life.
 */
typedef struct {
    const extranet::Settings    *site;
    std::shared_ptr<const extranet::KeyRing>  keys;   /* that verified it */
    std::string                  token;
    extranet::SessionClaims      claims;
    std::string                  revoked_key;   /* its key in the zone */
    std::string                  header_values[NGX_HTTP_AUTH_EXTRANET_HEADERS];
    ngx_table_elt_t              headers[NGX_HTTP_AUTH_EXTRANET_HEADERS];
    ngx_uint_t                   nheaders;
    /* the worker's own note, not part of the session's value */
    mutable ngx_http_auth_extranet_revocation_mark_t  not_revoked;
} ngx_http_auth_extranet_session_t;


/*
 * Per request, on the main request: the session the access phase found and
 * what it awaits; on a portal request, the portal's own state. It lives in a
 * pool cleanup, so that it is found again after an internal redirect (which
 * clears the modules' contexts): the redirected request keeps its session
 * without a second check.
 */
typedef struct {
    /* the session, held; claims and header_values point into it */
    std::shared_ptr<const ngx_http_auth_extranet_session_t>  session;
    const extranet::SessionClaims          *claims = nullptr;
    const std::string                      *header_values = nullptr;
    /* by the refresh's thread; behind a pointer: the request's pool
     * holds this, its first block must not overflow for it */
    std::unique_ptr<extranet::SessionClaims>  refreshed;
    std::string                             set_cookie;
    std::string                             refresh_error;
    std::string                             deny_location;
    std::string                             deny_body;
    ngx_http_auth_extranet_deny_e           deny =
                                            ngx_http_auth_extranet_deny_e::none;
    bool                                    checked = false;
    bool                                    headers_set = false;  /* main's */
    bool                                    refresh_done = false;
    bool                                    refresh_revoked = false;
    bool                                    pending = false;
    bool                                    deny_sent = false;
    /* where a refresh goes on, back on the event loop */
    void                                  (*refresh_resume)(
                                              ngx_http_request_t *r) = nullptr;
    ngx_http_auth_extranet_portal_ctx_t    *portal = nullptr;
} ngx_http_auth_extranet_ctx_t;


extern "C" ngx_module_t  ngx_http_auth_extranet_module;


#define ngx_http_auth_extranet_site(r)                                       \
    static_cast<ngx_http_auth_extranet_srv_conf_t *>(                        \
        ngx_http_get_module_srv_conf(r, ngx_http_auth_extranet_module))

#define ngx_http_auth_extranet_loc(r)                                        \
    static_cast<ngx_http_auth_extranet_loc_conf_t *>(                        \
        ngx_http_get_module_loc_conf(r, ngx_http_auth_extranet_module))


#define NGX_HTTP_AUTH_EXTRANET_LEGACY_UNLINKED  0
#define NGX_HTTP_AUTH_EXTRANET_LEGACY_ALL       1


/* whether a site of this configuration hashes passwords (module file) */
extern ngx_uint_t  ngx_http_auth_extranet_hashing;

/* sites (ngx_http_auth_extranet_site.cpp) */
void *ngx_http_auth_extranet_create_srv_conf(ngx_conf_t *cf);
char *ngx_http_auth_extranet_merge_srv_conf(ngx_conf_t *cf, void *parent,
    void *child);
ngx_int_t ngx_http_auth_extranet_init_site(ngx_conf_t *cf,
    ngx_http_core_srv_conf_t *cscf, ngx_http_auth_extranet_srv_conf_t *site);
ngx_int_t ngx_http_auth_extranet_check_sites(ngx_conf_t *cf,
    ngx_http_core_srv_conf_t *a, ngx_http_auth_extranet_srv_conf_t *sa,
    ngx_http_core_srv_conf_t *b, ngx_http_auth_extranet_srv_conf_t *sb);

/* directives (ngx_http_auth_extranet_directive.cpp) */
char *ngx_http_auth_extranet_portal(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_extranet_login_fields(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_extranet_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_extranet_partners(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_extranet_cookie(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_extranet_timeouts(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_extranet_limit(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_extranet_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_extranet_check_site_url(ngx_conf_t *cf, void *post,
    void *data);
char *ngx_http_auth_extranet_check_header_prefix(ngx_conf_t *cf, void *post,
    void *data);

/* access phase (ngx_http_auth_extranet_access.cpp) */
ngx_int_t ngx_http_auth_extranet_access_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_auth_extranet_precontent_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_auth_extranet_refresh(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, ngx_http_auth_extranet_ctx_t *ctx,
    void (*resume)(ngx_http_request_t *r));
ngx_http_auth_extranet_ctx_t *ngx_http_auth_extranet_find_ctx(
    ngx_http_request_t *r);
ngx_http_auth_extranet_ctx_t *ngx_http_auth_extranet_get_ctx(
    ngx_http_request_t *r);
std::shared_ptr<const ngx_http_auth_extranet_session_t>
    ngx_http_auth_extranet_find_session(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, bool *refresh_due);
std::shared_ptr<const ngx_http_auth_extranet_session_t>
    ngx_http_auth_extranet_new_session(const extranet::Settings &s,
    std::string token, extranet::SessionClaims claims);
void ngx_http_auth_extranet_hold(ngx_http_auth_extranet_ctx_t *ctx,
    std::shared_ptr<const ngx_http_auth_extranet_session_t> session);

/* header rewrite (ngx_http_auth_extranet_headers_in.cpp) */
ngx_int_t ngx_http_auth_extranet_set_headers(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    ngx_http_auth_extranet_ctx_t *ctx, bool with_claims);
ngx_int_t ngx_http_auth_extranet_strip_prefix(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site);
void ngx_http_auth_extranet_header_names(const std::string &prefix,
    ngx_table_elt_t *headers);

/* filters (ngx_http_auth_extranet_filter.cpp) */
ngx_int_t ngx_http_auth_extranet_filter_init(ngx_conf_t *cf);
ngx_int_t ngx_http_auth_extranet_add_header(ngx_http_request_t *r,
    const char *name, const std::string &value, ngx_table_elt_t **out);
ngx_table_elt_t *ngx_http_auth_extranet_push_header(ngx_http_request_t *r,
    ngx_str_t key, ngx_str_t value);

/* whether a header's name is name, whatever its case */
template <size_t N>
static ngx_inline bool
ngx_http_auth_extranet_header_is(const ngx_table_elt_t *h,
    const char (&name)[N])
{
    return h->key.len == N - 1
           && ngx_strncasecmp(h->key.data, (u_char *) name, N - 1) == 0;
}

/* variables (ngx_http_auth_extranet_variable.cpp) */
ngx_int_t ngx_http_auth_extranet_add_variables(ngx_conf_t *cf);

/* portal (ngx_http_auth_extranet_portal.cpp) */
ngx_int_t ngx_http_auth_extranet_portal_handler(ngx_http_request_t *r);

/* the portal's answers (ngx_http_auth_extranet_portal_send.cpp): the
 * answer's side effects on the zone, then the answer; and the failures a
 * key ("ip:", "link:", "hash:", an identifier) may have in a window */
ngx_int_t ngx_http_auth_extranet_portal_send(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    const extranet::PortalResponse &resp);
ngx_uint_t ngx_http_auth_extranet_limit_for(
    ngx_http_auth_extranet_srv_conf_t *site, const std::string &key);

/* thread-pool bridge (ngx_http_auth_extranet_bridge.cpp): run work() in a
 * thread of the pool, then done(r) on the event loop */
ngx_int_t ngx_http_auth_extranet_post(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, ngx_thread_pool_t *pool,
    std::function<void()> work,
    void (*done)(ngx_http_request_t *r, bool failed));

/* status (ngx_http_auth_extranet_status.cpp) */
char *ngx_http_auth_extranet_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* shared memory zone (ngx_http_auth_extranet_shm.cpp) */
void ngx_http_auth_extranet_thread_stats(
    ngx_http_auth_extranet_stats_t *stats);
ngx_http_auth_extranet_stats_t *ngx_http_auth_extranet_shm_stats(
    ngx_shm_zone_t *zone);
time_t ngx_http_auth_extranet_shm_created(ngx_shm_zone_t *zone);
ngx_shm_zone_t *ngx_http_auth_extranet_shm_next(ngx_cycle_t *cycle,
    ngx_list_part_t **part, ngx_uint_t *i);
ngx_int_t ngx_http_auth_extranet_shm_init(ngx_shm_zone_t *shm_zone, void *data);
bool ngx_http_auth_extranet_shm_revoke(ngx_shm_zone_t *zone,
    const std::string &key, time_t until, time_t idle,
    bool by_refresh = false);
bool ngx_http_auth_extranet_shm_revoked(ngx_shm_zone_t *zone,
    std::string_view key, ngx_http_auth_extranet_revocation_mark_t *mark);
void ngx_http_auth_extranet_shm_fail(ngx_shm_zone_t *zone,
    const std::string &key, ngx_uint_t max, time_t window, time_t lockout);
bool ngx_http_auth_extranet_shm_locked(ngx_shm_zone_t *zone,
    const std::string &key);
bool ngx_http_auth_extranet_shm_reserve(ngx_shm_zone_t *zone,
    const std::string &key, ngx_uint_t max, time_t window);
void ngx_http_auth_extranet_shm_release(ngx_shm_zone_t *zone,
    const std::string &key);
void ngx_http_auth_extranet_shm_clear(ngx_shm_zone_t *zone,
    const std::string &key);
bool ngx_http_auth_extranet_shm_spend(ngx_shm_zone_t *zone,
    const std::string &key, ngx_uint_t max, time_t window);

/* the fleet's revocation feed (ngx_http_auth_extranet_feed.cpp) */
ngx_int_t ngx_http_auth_extranet_feed_init_process(ngx_cycle_t *cycle);
void ngx_http_auth_extranet_feed_exit_process(ngx_cycle_t *cycle);

/* the hasher process (ngx_http_auth_extranet_hasher.cpp) */
void ngx_http_auth_extranet_hasher_start(ngx_cycle_t *cycle);
void ngx_http_auth_extranet_hasher_stop(ngx_cycle_t *cycle);

/* C++ objects in nginx pools: destroyed by a pool cleanup */
template <typename T, typename... Args>
T *
ngx_http_auth_extranet_pool_new(ngx_pool_t *pool, Args&&... args)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(pool, sizeof(T));
    if (cln == NULL) {
        return NULL;
    }

    T *obj = new (cln->data) T(std::forward<Args>(args)...);

    cln->handler = [](void *data) { static_cast<T *>(data)->~T(); };

    return obj;
}

#endif /* _NGX_HTTP_AUTH_EXTRANET_H_INCLUDED_ */
