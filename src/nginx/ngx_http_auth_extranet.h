/*
 * ngx_http_auth_extranet_module: declarations shared by the nginx layer's
 * files (module, portal, thread-pool bridge, shared memory zone).
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
#include <optional>
#include <string>

#include "core/portal.h"
#include "core/session_token.h"


typedef struct {
    ngx_str_t                    db;
    ngx_msec_t                   db_timeout;
    ngx_flag_t                   db_prepared_statements;
    ngx_str_t                    thread_pool_name;
    ngx_thread_pool_t           *thread_pool;
    ngx_array_t                 *secrets;        /* of std::string* */
    ngx_uint_t                   hash_scheme;
    ngx_uint_t                   min_length;
    ngx_uint_t                   legacy_login;
    ngx_str_t                    header_prefix;
    ngx_str_t                    site_url;
    ngx_str_t                    cookie_name;
    ngx_flag_t                   cookie_secure;
    ngx_str_t                    cookie_samesite;
    ngx_str_t                    cookie_domain;
    time_t                       idle;
    time_t                       absolute;
    time_t                       refresh;
    ngx_uint_t                   limit_identifier;
    ngx_uint_t                   limit_address;
    time_t                       limit_window;
    time_t                       limit_lockout;
    ngx_shm_zone_t              *shm_zone;
    ngx_str_t                    portal_prefix;  /* for the login redirect */
    ngx_flag_t                   used;
    ngx_flag_t                   portal;     /* a portal location exists */
    extranet::Settings          *settings;
    extranet::PartnerRules      *partners;
} ngx_http_auth_extranet_main_conf_t;


typedef struct {
    ngx_flag_t                   enabled;
    ngx_flag_t                   portal;
    ngx_str_t                    login_field;
    ngx_str_t                    password_field;
} ngx_http_auth_extranet_loc_conf_t;


typedef struct ngx_http_auth_extranet_portal_ctx_s
    ngx_http_auth_extranet_portal_ctx_t;


/* per request: the session the access phase found, and what it awaits;
 * on a portal request, the portal's own state */
typedef struct {
    std::optional<extranet::SessionClaims>  claims;
    std::optional<extranet::SessionClaims>  refreshed;
    std::string                             set_cookie;
    std::string                             refresh_error;
    std::string                             header_values[6];
    bool                                    refresh_done = false;
    bool                                    refresh_revoked = false;
    bool                                    pending = false;
    ngx_http_auth_extranet_portal_ctx_t    *portal = nullptr;
} ngx_http_auth_extranet_ctx_t;


extern "C" ngx_module_t  ngx_http_auth_extranet_module;


/* the request's context, created on first use (module file) */
ngx_http_auth_extranet_ctx_t *ngx_http_auth_extranet_get_ctx(
    ngx_http_request_t *r);

/* portal (ngx_http_auth_extranet_portal.cpp) */
ngx_int_t ngx_http_auth_extranet_portal_handler(ngx_http_request_t *r);

/* session cookie of a request: verified, live and not revoked */
std::optional<extranet::SessionClaims> ngx_http_auth_extranet_session(
    ngx_http_request_t *r, ngx_http_auth_extranet_main_conf_t *amcf,
    bool *refresh_due);

/* thread-pool bridge (ngx_http_auth_extranet_bridge.cpp): run work() in the
 * pool thread, then done(r) on the event loop */
ngx_int_t ngx_http_auth_extranet_post(ngx_http_request_t *r,
    ngx_http_auth_extranet_main_conf_t *amcf, std::function<void()> work,
    void (*done)(ngx_http_request_t *r, bool failed));

/* shared memory zone (ngx_http_auth_extranet_shm.cpp) */
ngx_int_t ngx_http_auth_extranet_shm_init(ngx_shm_zone_t *shm_zone, void *data);
void ngx_http_auth_extranet_shm_revoke(ngx_shm_zone_t *zone,
    const std::string &key, time_t until);
bool ngx_http_auth_extranet_shm_revoked(ngx_shm_zone_t *zone,
    const std::string &key);
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
