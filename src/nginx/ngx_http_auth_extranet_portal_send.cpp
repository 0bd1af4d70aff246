/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The portal's answers: what the core answered, applied to the zone (the
 * sessions it ended, the attempts it counted) and sent as nginx headers
 * and body.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include <algorithm>


static void ngx_http_auth_extranet_portal_own_cookie(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    const extranet::PortalResponse &resp);


/* applies the answer's side effects, then sends it */

ngx_int_t
ngx_http_auth_extranet_portal_send(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    const extranet::PortalResponse &resp)
{
    ngx_int_t                        rc;
    ngx_uint_t                       level;
    ngx_buf_t                       *b;
    ngx_chain_t                      out;
    ngx_table_elt_t                 *location;
    ngx_http_auth_extranet_stats_t  *stats;

    switch (resp.log_level) {
    case extranet::LogLevel::none:
        level = 0;
        break;
    case extranet::LogLevel::info:
        level = NGX_LOG_INFO;
        break;
    case extranet::LogLevel::error:
        level = NGX_LOG_ERR;
        break;
    case extranet::LogLevel::critical:
        level = NGX_LOG_CRIT;
        break;
    default:
        level = NGX_LOG_ALERT;
        break;
    }

    if (level) {
        ngx_log_error(level, r->connection->log, 0, "auth extranet: %s",
                      resp.log_message.c_str());
    }

    for (const std::string &key : resp.revoke) {
        ngx_http_auth_extranet_count(
            ngx_http_auth_extranet_shm_stats(site->shm_zone), revoked);
        ngx_http_auth_extranet_shm_revoke(site->shm_zone, key,
            ngx_time() + site->settings->timeouts.absolute,
            site->settings->timeouts.idle);
    }

    for (const std::string &key : resp.failures) {
        ngx_http_auth_extranet_shm_fail(site->shm_zone, *site->tag + key,
                                        ngx_http_auth_extranet_limit_for(site, key),
                                        site->settings->lockout.window,
                                        site->settings->lockout.lockout);
    }

    for (const std::string &key : resp.successes) {
        ngx_http_auth_extranet_shm_clear(site->shm_zone, *site->tag + key);
    }

    /* counted where PostgreSQL's count reached the limit, not where this
     * node's zone does: guesses spread over a fleet lock a key that no
     * node's zone sees reach it */
    if (resp.lockouts) {
        stats = ngx_http_auth_extranet_shm_stats(site->shm_zone);
        if (stats) {
            (void) ngx_atomic_fetch_add(&stats->lockouts, resp.lockouts);
        }
    }

    ngx_http_auth_extranet_portal_own_cookie(r, site, resp);

    r->headers_out.status = resp.status;
    r->headers_out.content_length_n = resp.body.size();

    r->headers_out.content_type.len = resp.content_type.size();
    r->headers_out.content_type.data =
        static_cast<u_char *>(ngx_pnalloc(r->pool, resp.content_type.size()));
    if (r->headers_out.content_type.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(r->headers_out.content_type.data, resp.content_type.data(),
               resp.content_type.size());

    /* the type without its parameters, as gzip_types looks it up */
    r->headers_out.content_type_len = std::min(resp.content_type.find(';'),
                                               resp.content_type.size());

    for (const std::string &cookie : resp.set_cookies) {
        if (ngx_http_auth_extranet_add_header(r, "Set-Cookie", cookie, NULL)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (!resp.location.empty()) {
        if (ngx_http_auth_extranet_add_header(r, "Location", resp.location,
                                              &location)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->headers_out.location = location;
    }

    /* a validator: nginx's not_modified filter answers 304 */
    if (!resp.etag.empty()) {
        if (ngx_http_auth_extranet_add_header(r, "ETag", resp.etag,
                                              &r->headers_out.etag)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    for (const extranet::HeaderLine &line : extranet::security_headers(resp)) {
        if (ngx_http_auth_extranet_add_header(r, line.name, line.value, NULL)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

#if (NGX_HTTP_GZIP)
    /*
     * gzip (when on) compresses the static assets only: a page or a JSON
     * answer carries a CSRF token next to reflected input (BREACH)
     */
    if (resp.no_store) {
        r->gzip_tested = 1;
        r->gzip_ok = 0;
    }
#endif

    if (r->method == NGX_HTTP_HEAD || resp.body.empty()) {
        r->header_only = 1;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_create_temp_buf(r->pool, resp.body.size());
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->last = ngx_cpymem(b->pos, resp.body.data(), resp.body.size());
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * An answer that sets the session cookie itself (a switch, a new login) or
 * ends the session: a refreshed cookie of the session it replaces must not
 * follow it (the header filter would add it last, and the last one wins).
 */

static void
ngx_http_auth_extranet_portal_own_cookie(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    const extranet::PortalResponse &resp)
{
    ngx_http_auth_extranet_ctx_t  *actx;

    actx = ngx_http_auth_extranet_find_ctx(r);

    if (actx == NULL || actx->set_cookie.empty()) {
        return;
    }

    const std::string &name = site->settings->cookie.name;

    for (const std::string &cookie : resp.set_cookies) {
        if (cookie.size() > name.size() && cookie[name.size()] == '='
            && cookie.compare(0, name.size(), name) == 0)
        {
            actx->set_cookie.clear();
            return;
        }
    }

    if (actx->session
        && std::find(resp.revoke.begin(), resp.revoke.end(),
                     actx->session->revoked_key)
           != resp.revoke.end())
    {
        actx->set_cookie.clear();
    }
}


/* failures allowed in a window: per client address, per session for the
 * e-mail lookups of the link step, per identifier for the rest */

ngx_uint_t
ngx_http_auth_extranet_limit_for(ngx_http_auth_extranet_srv_conf_t *site,
    const std::string &key)
{
    const extranet::Settings &s = *site->settings;

    if (key.compare(0, 3, "ip:") == 0) {
        return s.lockout.address;
    }

    if (key.compare(0, 5, "link:") == 0) {
        return s.link_check_limit;
    }

    if (key.compare(0, 5, "hash:") == 0) {
        return s.hashes_per_address;
    }

    return s.lockout.identifier;
}
