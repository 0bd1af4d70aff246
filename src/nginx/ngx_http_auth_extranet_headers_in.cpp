/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: the request headers the upstream gets. In
 * a protected location every client header of the site's prefix is removed
 * and so is the session cookie (from Cookie, $http_cookie and $cookie_*);
 * then the session's headers are added, once.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include "core/primitives/cookie.h"

#include <map>
#include <memory>


static bool ngx_http_auth_extranet_prefixed(ngx_str_t *name,
    const std::string &prefix);
static bool ngx_http_auth_extranet_is_cookie(ngx_table_elt_t *h);
static ngx_int_t ngx_http_auth_extranet_strip_cookie(ngx_http_request_t *r,
    ngx_table_elt_t *h, const extranet::Settings &s);
static ngx_int_t ngx_http_auth_extranet_rebuild(ngx_http_request_t *r,
    const extranet::Settings &s, ngx_uint_t n);
static ngx_int_t ngx_http_auth_extranet_relink_cookies(ngx_http_request_t *r);


/* header names after the prefix, in the order of ctx->header_values */
static const char  *ngx_http_auth_extranet_header_names[] = {
    "Account", "Syndic", "Login", "Email", "Identity", "Accounts"
};


/* the session's header names of one prefix: key, lowercase key and hash */
typedef struct {
    std::string  key[NGX_HTTP_AUTH_EXTRANET_HEADERS];
    std::string  lowcase[NGX_HTTP_AUTH_EXTRANET_HEADERS];
    ngx_uint_t   hash[NGX_HTTP_AUTH_EXTRANET_HEADERS];
} ngx_http_auth_extranet_names_t;


/*
 * Computed once per prefix (the event loop only calls this): requests
 * point their header names at them, so they are kept for the process's
 * life, one entry per prefix ever configured.
 */

static const ngx_http_auth_extranet_names_t &
ngx_http_auth_extranet_names(const std::string &prefix)
{
    static std::map<std::string,
                    std::unique_ptr<ngx_http_auth_extranet_names_t>>  cache;

    auto &names = cache[prefix];

    if (names == nullptr) {
        names.reset(new ngx_http_auth_extranet_names_t());

        for (ngx_uint_t i = 0; i < NGX_HTTP_AUTH_EXTRANET_HEADERS; i++) {
            std::string &key = names->key[i];
            std::string &low = names->lowcase[i];

            key = prefix + ngx_http_auth_extranet_header_names[i];
            low.assign(key.size(), '\0');
            names->hash[i] = ngx_hash_strlow((u_char *) &low[0],
                                             (u_char *) &key[0], key.size());
        }
    }

    return *names;
}

/*
 * Whether a header name starts with the prefix, ignoring case and taking
 * "_" for "-": with underscores_in_headers on, "X_Extranet_Email" would
 * otherwise reach a FastCGI app as HTTP_X_EXTRANET_EMAIL.
 */

static bool
ngx_http_auth_extranet_prefixed(ngx_str_t *name, const std::string &prefix)
{
    u_char  a, b;

    if (name->len < prefix.size()) {
        return false;
    }

    for (size_t i = 0; i < prefix.size(); i++) {
        a = ngx_tolower(name->data[i]);
        b = ngx_tolower((u_char) prefix[i]);

        if (a == '_') {
            a = '-';
        }

        if (b == '_') {
            b = '-';
        }

        if (a != b) {
            return false;
        }
    }

    return true;
}


static bool
ngx_http_auth_extranet_is_cookie(ngx_table_elt_t *h)
{
    return h->key.len == sizeof("Cookie") - 1
           && ngx_strncasecmp(h->key.data, (u_char *) "Cookie",
                              sizeof("Cookie") - 1) == 0;
}


/*
 * Removes every client header of the prefix and the session cookie, then
 * (with_claims) adds the session's headers.
 *
 * The usual protected request has no header of the prefix and a Cookie
 * header that keeps other cookies (the legacy app's): its Cookie values are
 * rewritten in place and the session's headers appended to the list as it
 * is. The list is rebuilt only when a header must go (one of the prefix, a
 * Cookie header left empty), and always for a subrequest, whose list shares
 * its parts with the main request's.
 */

ngx_int_t
ngx_http_auth_extranet_set_headers(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    ngx_http_auth_extranet_ctx_t *ctx, bool with_claims)
{
    bool              rebuild;
    ngx_uint_t        i, n;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    const extranet::Settings &s = *site->settings;

    rebuild = (r != r->main);
    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = static_cast<ngx_table_elt_t *>(part->elts);
        n += part->nelts;

        for (i = 0; i < part->nelts && !rebuild; i++) {

            if (ngx_http_auth_extranet_prefixed(&h[i].key, s.header_prefix)) {
                rebuild = true;
                break;
            }

            if (!ngx_http_auth_extranet_is_cookie(&h[i])) {
                continue;
            }

            switch (ngx_http_auth_extranet_strip_cookie(r, &h[i], s)) {
            case NGX_OK:          /* nothing to remove, or rewritten */
                break;
            case NGX_DECLINED:    /* nothing left: the header goes */
                rebuild = true;
                break;
            default:
                return NGX_ERROR;
            }
        }
    }

    if (rebuild && ngx_http_auth_extranet_rebuild(r, s, n) != NGX_OK) {
        return NGX_ERROR;
    }

    if (!with_claims) {
        return NGX_OK;
    }

    const extranet::SessionClaims &c = *ctx->claims;
    bool email = (c.method == extranet::LoginMethod::email);

    ctx->header_values[0] = c.account;
    ctx->header_values[1] = c.syndic;
    ctx->header_values[2] = email ? "email" : "code";
    ctx->header_values[3] = email ? c.email : "";
    ctx->header_values[4] = c.identity_id ? std::to_string(c.identity_id) : "";
    ctx->header_values[5].clear();

    for (const std::string &a : c.accounts) {
        if (!ctx->header_values[5].empty()) {
            ctx->header_values[5] += ',';
        }
        ctx->header_values[5] += a;
    }

    const ngx_http_auth_extranet_names_t &names =
        ngx_http_auth_extranet_names(s.header_prefix);

    for (i = 0; i < NGX_HTTP_AUTH_EXTRANET_HEADERS; i++) {
        const std::string &value = ctx->header_values[i];

        if (value.empty()) {
            continue;
        }

        h = static_cast<ngx_table_elt_t *>(
                ngx_list_push(&r->headers_in.headers));
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->key.len = names.key[i].size();
        h->key.data = (u_char *) names.key[i].data();
        h->lowcase_key = (u_char *) names.lowcase[i].data();
        h->hash = names.hash[i];

        h->value.len = value.size();
        h->value.data = static_cast<u_char *>(ngx_pnalloc(r->pool,
                                                          value.size()));
        if (h->value.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(h->value.data, value.data(), value.size());
#if (nginx_version >= 1023000)
        h->next = NULL;
#endif
    }

    return NGX_OK;
}


/*
 * The session cookie out of one Cookie header: NGX_OK when it was not
 * there or other cookies remain (the value rewritten), NGX_DECLINED when
 * nothing remains. Decided by what is there to remove, never by a length.
 */

static ngx_int_t
ngx_http_auth_extranet_strip_cookie(ngx_http_request_t *r, ngx_table_elt_t *h,
    const extranet::Settings &s)
{
    std::string_view value((char *) h->value.data, h->value.len);

    /* decided by what is removed (the session cookie under any name the
     * app reads as its own), never by a length */
    if (!extranet::has_cookie(value, s.cookie.name)) {
        return NGX_OK;
    }

    std::string cookies = extranet::strip_cookie(value, s.cookie.name).value;

    if (cookies.empty()) {
        return NGX_DECLINED;
    }

    h->value.data = static_cast<u_char *>(ngx_pnalloc(r->pool, cookies.size()));
    if (h->value.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(h->value.data, cookies.data(), cookies.size());
    h->value.len = cookies.size();

    return NGX_OK;
}


/* a new list without the headers to remove; the old one stays untouched */

static ngx_int_t
ngx_http_auth_extranet_rebuild(ngx_http_request_t *r,
    const extranet::Settings &s, ngx_uint_t n)
{
    ngx_uint_t        i;
    ngx_list_t        old;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *nh;

    /* the list is rebuilt in place: its "last" points into itself */
    old = r->headers_in.headers;

    if (ngx_list_init(&r->headers_in.headers, r->pool,
                      n + NGX_HTTP_AUTH_EXTRANET_HEADERS,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (part = &old.part; part; part = part->next) {
        h = static_cast<ngx_table_elt_t *>(part->elts);

        for (i = 0; i < part->nelts; i++) {

            if (ngx_http_auth_extranet_prefixed(&h[i].key, s.header_prefix)) {
                ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                               "auth extranet: client header \"%V\" removed",
                               &h[i].key);
                continue;
            }

            nh = static_cast<ngx_table_elt_t *>(
                     ngx_list_push(&r->headers_in.headers));
            if (nh == NULL) {
                return NGX_ERROR;
            }

            *nh = h[i];

            if (!ngx_http_auth_extranet_is_cookie(nh)) {
                continue;
            }

            /* a subrequest's Cookie elements are the main request's: the
             * copy is the one rewritten */
            switch (ngx_http_auth_extranet_strip_cookie(r, nh, s)) {
            case NGX_OK:
                break;
            case NGX_DECLINED:
                r->headers_in.headers.last->nelts--;
                break;
            default:
                return NGX_ERROR;
            }
        }
    }

    return ngx_http_auth_extranet_relink_cookies(r);
}


/* $http_cookie and $cookie_* read these: point them at the new list */

static ngx_int_t
ngx_http_auth_extranet_relink_cookies(ngx_http_request_t *r)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

#if (nginx_version >= 1023000)
    ngx_table_elt_t  **tail = &r->headers_in.cookie;

    *tail = NULL;
#else
    /* a new array: a subrequest's copy shares the main request's one */
    if (ngx_array_init(&r->headers_in.cookies, r->pool, 2,
                       sizeof(ngx_table_elt_t *))
        != NGX_OK)
    {
        return NGX_ERROR;
    }
#endif

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = static_cast<ngx_table_elt_t *>(part->elts);

        for (i = 0; i < part->nelts; i++) {
            if (!ngx_http_auth_extranet_is_cookie(&h[i])) {
                continue;
            }

#if (nginx_version >= 1023000)
            h[i].next = NULL;
            *tail = &h[i];
            tail = &h[i].next;
#else
            ngx_table_elt_t **cookie = static_cast<ngx_table_elt_t **>(
                                           ngx_array_push(&r->headers_in.cookies));
            if (cookie == NULL) {
                return NGX_ERROR;
            }

            *cookie = &h[i];
#endif
        }
    }

    return NGX_OK;
}
