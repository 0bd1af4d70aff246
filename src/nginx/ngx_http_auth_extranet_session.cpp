/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: the session of a request. Its cookie
 * verified (the seal, the timeouts, revocation on this node: no database
 * work), and its state, kept in a pool cleanup so that it is found again
 * after an internal redirect, which clears the modules' contexts.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include <vector>

#include "core/storage/session_store.h"


static void ngx_http_auth_extranet_ctx_cleanup(void *data);


static void
ngx_http_auth_extranet_ctx_cleanup(void *data)
{
    static_cast<ngx_http_auth_extranet_ctx_t *>(data)
        ->~ngx_http_auth_extranet_ctx_t();
}


/*
 * The request's state: in the module's context, or, after an internal
 * redirect cleared the contexts, in the request pool's cleanup that holds
 * it (subrequests share the main request's pool: only the main request
 * looks there).
 */

ngx_http_auth_extranet_ctx_t *
ngx_http_auth_extranet_find_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_auth_extranet_ctx_t  *ctx;

    ctx = static_cast<ngx_http_auth_extranet_ctx_t *>(
              ngx_http_get_module_ctx(r, ngx_http_auth_extranet_module));

    if (ctx || r != r->main || !r->internal) {
        return ctx;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_auth_extranet_ctx_cleanup) {
            ctx = static_cast<ngx_http_auth_extranet_ctx_t *>(cln->data);
            ngx_http_set_ctx(r, ctx, ngx_http_auth_extranet_module);
            return ctx;
        }
    }

    return NULL;
}


ngx_http_auth_extranet_ctx_t *
ngx_http_auth_extranet_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_auth_extranet_ctx_t  *ctx;

    ctx = ngx_http_auth_extranet_find_ctx(r);
    if (ctx) {
        return ctx;
    }

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_auth_extranet_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    ctx = new (cln->data) ngx_http_auth_extranet_ctx_t();
    cln->handler = ngx_http_auth_extranet_ctx_cleanup;

    ngx_http_set_ctx(r, ctx, ngx_http_auth_extranet_module);

    return ctx;
}


/*
 * The session of the request's cookie: the seal verified with the site's
 * key ring, the timeouts checked, and not revoked on this node. No database
 * work. Once the access phase checked it, the request keeps that answer
 * (the cookie is no longer in the headers).
 */

std::optional<extranet::SessionClaims>
ngx_http_auth_extranet_session(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, bool *refresh_due)
{
    ngx_uint_t                       i;
    ngx_list_part_t                 *part;
    ngx_table_elt_t                 *h;
    ngx_http_auth_extranet_ctx_t    *ctx;
    ngx_http_auth_extranet_stats_t  *stats;

    *refresh_due = false;

    ctx = ngx_http_auth_extranet_find_ctx(r->main);

    if (ctx && ctx->checked) {
        return ctx->claims;
    }

    const extranet::Settings &s = *site->settings;
    std::vector<std::string> tokens;

    /* every candidate of every Cookie header: a tossed or stale cookie of
     * the same name may come first, the one that verifies wins */

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = static_cast<ngx_table_elt_t *>(part->elts);

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == sizeof("Cookie") - 1
                && ngx_strncasecmp(h[i].key.data, (u_char *) "Cookie",
                                   sizeof("Cookie") - 1) == 0)
            {
                for (std::string &t : extranet::find_cookies(
                         std::string_view((char *) h[i].value.data,
                                          h[i].value.len),
                         s.cookie.name))
                {
                    tokens.push_back(std::move(t));
                }
            }
        }
    }

    stats = ngx_http_auth_extranet_shm_stats(site->shm_zone);

    for (const std::string &token : tokens) {
        if (token.empty()) {
            continue;
        }

        std::optional<extranet::SessionClaims> claims = s.keys->open(token);
        bool due = false;

        if (!claims) {
            ngx_http_auth_extranet_count(stats,
                refused[NGX_HTTP_AUTH_EXTRANET_REFUSED_FORGED]);
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "auth extranet: session cookie refused (forged, "
                          "truncated or of an unknown key)");
            continue;
        }

        switch (extranet::token_state(*claims, s.timeouts, ngx_time())) {

        case extranet::TokenState::expired:
            ngx_http_auth_extranet_count(stats,
                refused[NGX_HTTP_AUTH_EXTRANET_REFUSED_EXPIRED]);
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth extranet: session expired");
            continue;

        case extranet::TokenState::refresh_due:
            due = true;
            break;

        case extranet::TokenState::valid:
            /* refreshed before this zone existed (a restart, a binary
             * upgrade; within its first second too): a revocation the zone
             * before held is gone, the row is asked once */
            if ((time_t) claims->refreshed_at
                <= ngx_http_auth_extranet_shm_created(site->shm_zone))
            {
                due = true;
            }
            break;
        }

        if (ngx_http_auth_extranet_shm_revoked(site->shm_zone,
                extranet::session_key(claims->session_id)))
        {
            ngx_http_auth_extranet_count(stats,
                refused[NGX_HTTP_AUTH_EXTRANET_REFUSED_REVOKED]);
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth extranet: session revoked");
            continue;
        }

        *refresh_due = due;
        return claims;
    }

    return std::nullopt;
}
