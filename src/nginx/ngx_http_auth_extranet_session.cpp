/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: the session of a request. Its cookie
 * verified (the seal, the timeouts, revocation on this node: no database
 * work; a cookie this worker verified before is found again, nothing
 * allocated), and its state, kept in a pool cleanup so that it is found again
 * after an internal redirect, which clears the modules' contexts.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include <new>

#include "core/primitives/cookie.h"
#include "core/primitives/crypto.h"
#include "core/storage/session_store.h"


static void ngx_http_auth_extranet_ctx_cleanup(void *data);
static bool ngx_http_auth_extranet_usable(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    ngx_http_auth_extranet_stats_t *stats,
    const extranet::SessionClaims &claims, const std::string &revoked_key,
    ngx_http_auth_extranet_revocation_mark_t *mark, bool *refresh_due);


/*
 * The requests' states are recycled by the worker (the event loop only):
 * a request takes one, its pool's cleanup gives it back. In the steady
 * state nothing is allocated for them, and the request's pool holds only
 * the cleanup's link, so that the module does not make it grow a block.
 */

#define NGX_HTTP_AUTH_EXTRANET_CTX_KEPT  4096

typedef union ngx_http_auth_extranet_ctx_slot_u  ngx_http_auth_extranet_ctx_slot_t;

union ngx_http_auth_extranet_ctx_slot_u {
    ngx_http_auth_extranet_ctx_slot_t  *next;
    alignas(ngx_http_auth_extranet_ctx_t) u_char
                                        ctx[sizeof(ngx_http_auth_extranet_ctx_t)];
};

static ngx_http_auth_extranet_ctx_slot_t  *ngx_http_auth_extranet_ctx_free;
static ngx_uint_t                          ngx_http_auth_extranet_ctx_kept;


static void
ngx_http_auth_extranet_ctx_cleanup(void *data)
{
    ngx_http_auth_extranet_ctx_slot_t  *slot;

    static_cast<ngx_http_auth_extranet_ctx_t *>(data)
        ->~ngx_http_auth_extranet_ctx_t();

    slot = static_cast<ngx_http_auth_extranet_ctx_slot_t *>(data);

    if (ngx_http_auth_extranet_ctx_kept >= NGX_HTTP_AUTH_EXTRANET_CTX_KEPT) {
        delete slot;
        return;
    }

    slot->next = ngx_http_auth_extranet_ctx_free;
    ngx_http_auth_extranet_ctx_free = slot;
    ngx_http_auth_extranet_ctx_kept++;
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

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    ngx_http_auth_extranet_ctx_slot_t *slot = ngx_http_auth_extranet_ctx_free;

    if (slot) {
        ngx_http_auth_extranet_ctx_free = slot->next;
        ngx_http_auth_extranet_ctx_kept--;

    } else {
        slot = new (std::nothrow) ngx_http_auth_extranet_ctx_slot_t;
        if (slot == NULL) {
            return NULL;
        }
    }

    ctx = new (slot->ctx) ngx_http_auth_extranet_ctx_t();

    cln->data = ctx;
    cln->handler = ngx_http_auth_extranet_ctx_cleanup;

    ngx_http_set_ctx(r, ctx, ngx_http_auth_extranet_module);

    return ctx;
}


/*
 * The sessions this worker verified last, one per slot picked by a hash of
 * the cookie: a request whose cookie is byte for byte one of them takes its
 * claims and headers as they are (compared in constant time: a slot never
 * tells how much of another cookie a guess matched). Timeouts and
 * revocation are checked on every request all the same.
 */

#define NGX_HTTP_AUTH_EXTRANET_VERIFIED  1024

static std::shared_ptr<const ngx_http_auth_extranet_session_t>
    ngx_http_auth_extranet_verified[NGX_HTTP_AUTH_EXTRANET_VERIFIED];


static ngx_uint_t
ngx_http_auth_extranet_slot(const extranet::Settings &s, std::string_view token)
{
    return (ngx_murmur_hash2((u_char *) token.data(), token.size())
            ^ (ngx_uint_t) (uintptr_t) &s)
           % NGX_HTTP_AUTH_EXTRANET_VERIFIED;
}


/* a session and its headers, built once (only a cookie that opened) */

std::shared_ptr<const ngx_http_auth_extranet_session_t>
ngx_http_auth_extranet_new_session(const extranet::Settings &s,
    std::string token, extranet::SessionClaims claims)
{
    auto e = std::make_shared<ngx_http_auth_extranet_session_t>();

    e->site = &s;
    e->keys = s.keys;
    e->token = std::move(token);
    e->claims = std::move(claims);
    e->revoked_key = extranet::session_key(e->claims.session_id);

    const extranet::SessionClaims &c = e->claims;
    bool email = (c.method == extranet::LoginMethod::email);

    e->header_values[0] = c.account;
    e->header_values[1] = c.syndic;
    e->header_values[2] = email ? "email" : "code";
    e->header_values[3] = email ? c.email : "";
    e->header_values[4] = c.identity_id ? std::to_string(c.identity_id) : "";

    for (const std::string &a : c.accounts) {
        if (!e->header_values[5].empty()) {
            e->header_values[5] += ',';
        }
        e->header_values[5] += a;
    }

    ngx_table_elt_t  names[NGX_HTTP_AUTH_EXTRANET_HEADERS];

    ngx_http_auth_extranet_header_names(s.header_prefix, names);

    e->nheaders = 0;

    for (ngx_uint_t i = 0; i < NGX_HTTP_AUTH_EXTRANET_HEADERS; i++) {
        const std::string &value = e->header_values[i];

        if (value.empty()) {
            continue;
        }

        ngx_table_elt_t *h = &e->headers[e->nheaders++];

        *h = names[i];
        h->value.len = value.size();
        h->value.data = (u_char *) value.data();
    }

    return e;
}


/* the request holds its session: claims and header values point into it */

void
ngx_http_auth_extranet_hold(ngx_http_auth_extranet_ctx_t *ctx,
    std::shared_ptr<const ngx_http_auth_extranet_session_t> session)
{
    ctx->session = std::move(session);
    ctx->claims = ctx->session ? &ctx->session->claims : nullptr;
    ctx->header_values = ctx->session ? ctx->session->header_values : nullptr;
}


/*
 * A cookie's session if its seal verifies: one this worker verified before
 * (found again, nothing allocated), else opened with the site's key ring.
 */

static std::shared_ptr<const ngx_http_auth_extranet_session_t>
ngx_http_auth_extranet_open(ngx_http_request_t *r, const extranet::Settings &s,
    ngx_http_auth_extranet_stats_t *stats, std::string_view token)
{
    ngx_uint_t  slot;

    slot = ngx_http_auth_extranet_slot(s, token);

    std::shared_ptr<const ngx_http_auth_extranet_session_t>
        session = ngx_http_auth_extranet_verified[slot];

    if (session && session->site == &s && session->keys == s.keys
        && extranet::constant_time_equal(session->token, token))
    {
        return session;
    }

    std::optional<extranet::SessionClaims> claims = s.keys->open(token);

    if (!claims) {
        ngx_http_auth_extranet_count(stats,
            refused[NGX_HTTP_AUTH_EXTRANET_REFUSED_FORGED]);
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth extranet: session cookie refused "
                      "(forged, truncated or of an unknown key)");
        return nullptr;
    }

    session = ngx_http_auth_extranet_new_session(s, std::string(token),
                                                 std::move(*claims));
    ngx_http_auth_extranet_verified[slot] = session;

    return session;
}


/*
 * The session of the request's cookie: the seal verified with the site's
 * key ring (or the cookie is one this worker verified), the timeouts
 * checked, and not revoked on this node. No database work, and for a
 * cookie seen before nothing allocated. Once the access phase checked it,
 * the request keeps that answer (the cookie is no longer in the headers).
 * The portal's pages read it here too: one rule for every request.
 *
 * A browser sends every cookie of the name its jar holds for the URL: a
 * stale one (an older path or domain of the site's cookie) or one tossed
 * by another site of the domain may come before the owner's. Every
 * candidate is looked at: the first in force is the session, unless
 * another in force is someone else's. Then the request has none: a tossed
 * session must neither be browsed under nor re-sealed into the owner's
 * host-only cookie by a refresh.
 */

#define NGX_HTTP_AUTH_EXTRANET_CANDIDATES  8

std::shared_ptr<const ngx_http_auth_extranet_session_t>
ngx_http_auth_extranet_find_session(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, bool *refresh_due)
{
    bool                             due = false;
    ngx_uint_t                       i, k, n, seen;
    ngx_list_part_t                 *part;
    ngx_table_elt_t                 *h;
    ngx_http_auth_extranet_ctx_t    *ctx;
    ngx_http_auth_extranet_stats_t  *stats;
    std::string_view                 found[NGX_HTTP_AUTH_EXTRANET_CANDIDATES];

    *refresh_due = false;

    ctx = ngx_http_auth_extranet_find_ctx(r->main);

    if (ctx && ctx->checked) {
        return ctx->session;
    }

    const extranet::Settings &s = *site->settings;

    stats = ngx_http_auth_extranet_shm_stats(site->shm_zone);

    std::shared_ptr<const ngx_http_auth_extranet_session_t>  chosen;

    seen = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = static_cast<ngx_table_elt_t *>(part->elts);

        for (i = 0; i < part->nelts; i++) {
            if (!ngx_http_auth_extranet_header_is(&h[i], "Cookie")) {
                continue;
            }

            std::string_view header((char *) h[i].value.data, h[i].value.len);

            n = extranet::find_cookie_views(header, s.cookie.name, found,
                                            NGX_HTTP_AUTH_EXTRANET_CANDIDATES);

            seen += n;

            if (seen > NGX_HTTP_AUTH_EXTRANET_CANDIDATES) {
                /* more than a browser sends: whose they all are is not
                 * looked at (an HMAC each), nor one picked among them */
                ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                              "auth extranet: more than %d session cookies "
                              "in one request, none read (cookies set by "
                              "another site of the domain?)",
                              NGX_HTTP_AUTH_EXTRANET_CANDIDATES);
                *refresh_due = false;
                return nullptr;
            }

            for (k = 0; k < n; k++) {
                if (found[k].empty()) {
                    continue;
                }

                std::shared_ptr<const ngx_http_auth_extranet_session_t>
                    session = ngx_http_auth_extranet_open(r, s, stats,
                                                          found[k]);

                if (session == nullptr
                    || !ngx_http_auth_extranet_usable(r, site, stats,
                                                      session->claims,
                                                      session->revoked_key,
                                                      &session->not_revoked,
                                                      &due))
                {
                    continue;
                }

                if (chosen == nullptr) {
                    /* of one owner's several, the first in force */
                    chosen = std::move(session);
                    *refresh_due = due;
                    continue;
                }

                if (!extranet::same_owner(chosen->claims, session->claims)) {
                    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                                  "auth extranet: two sessions of different "
                                  "owners in one request (a cookie set by "
                                  "another site of the domain?): none taken");
                    *refresh_due = false;
                    return nullptr;
                }
            }
        }
    }

    return chosen;
}


/* a verified session still in force: not expired, not revoked here */

static bool
ngx_http_auth_extranet_usable(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    ngx_http_auth_extranet_stats_t *stats,
    const extranet::SessionClaims &claims, const std::string &revoked_key,
    ngx_http_auth_extranet_revocation_mark_t *mark, bool *refresh_due)
{
    bool  due = false;

    switch (extranet::token_state(claims, site->settings->timeouts,
                                  ngx_time()))
    {
    case extranet::TokenState::expired:
        ngx_http_auth_extranet_count(stats,
            refused[NGX_HTTP_AUTH_EXTRANET_REFUSED_EXPIRED]);
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth extranet: session expired");
        return false;

    case extranet::TokenState::refresh_due:
        due = true;
        break;

    case extranet::TokenState::valid:
        /* refreshed before this zone existed (a restart, a binary
         * upgrade; within its first second too) or before a revocation
         * found no room in it: a revocation the workers may not know of,
         * the row is asked once; sealed before
         * cookies were bound to their site: re-sealed bound at once */
        if ((time_t) claims.refreshed_at
            <= ngx_http_auth_extranet_shm_created(site->shm_zone)
            || claims.unbound)
        {
            due = true;
        }
        break;
    }

    if (ngx_http_auth_extranet_shm_revoked(site->shm_zone, revoked_key, mark)) {
        ngx_http_auth_extranet_count(stats,
            refused[NGX_HTTP_AUTH_EXTRANET_REFUSED_REVOKED]);
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth extranet: session revoked");
        return false;
    }

    *refresh_due = due;
    return true;
}
