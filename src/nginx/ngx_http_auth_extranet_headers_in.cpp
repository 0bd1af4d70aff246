/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: the request headers the upstream gets. In
 * a protected location every client header of the site's prefix is removed
 * and so is the session cookie (from Cookie, $http_cookie and $cookie_*);
 * then the session's headers are added, once. Elsewhere in a site of the
 * module, the client's headers of the prefix are removed: an upstream
 * behind the module gets the module's identity or nothing of the prefix.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include "core/primitives/cookie.h"

#include <map>
#include <memory>


static bool ngx_http_auth_extranet_prefixed(ngx_str_t *name,
    const std::string &prefix);
static ngx_int_t ngx_http_auth_extranet_strip_cookie(ngx_http_request_t *r,
    ngx_table_elt_t *h, const extranet::Settings &s);
static ngx_int_t ngx_http_auth_extranet_rebuild(ngx_http_request_t *r,
    const extranet::Settings &s, ngx_uint_t n, bool cookies);
static ngx_int_t ngx_http_auth_extranet_relink_cookies(ngx_http_request_t *r);


/* header names after the prefix, in the order of ctx->header_values */
static const char  *ngx_http_auth_extranet_header_suffixes[] = {
    "Account", "Syndic", "Login", "Email", "Identity", "Accounts"
};


typedef struct {
    std::string  key[NGX_HTTP_AUTH_EXTRANET_HEADERS];
    std::string  lowcase[NGX_HTTP_AUTH_EXTRANET_HEADERS];
    ngx_uint_t   hash[NGX_HTTP_AUTH_EXTRANET_HEADERS];
} ngx_http_auth_extranet_names_t;


/*
 * The session's header names of a prefix: key, lowercase key and hash,
 * computed once per prefix (the event loop only calls this). Requests
 * point their header names at them: they are kept for the process's life,
 * one entry per prefix ever configured.
 */

void
ngx_http_auth_extranet_header_names(const std::string &prefix,
    ngx_table_elt_t *headers)
{
    static std::map<std::string,
                    std::unique_ptr<ngx_http_auth_extranet_names_t>>  cache;

    auto &names = cache[prefix];

    if (names == nullptr) {
        names.reset(new ngx_http_auth_extranet_names_t());

        for (ngx_uint_t i = 0; i < NGX_HTTP_AUTH_EXTRANET_HEADERS; i++) {
            std::string &key = names->key[i];
            std::string &low = names->lowcase[i];

            key = prefix + ngx_http_auth_extranet_header_suffixes[i];
            low.assign(key.size(), '\0');
            names->hash[i] = ngx_hash_strlow((u_char *) &low[0],
                                             (u_char *) &key[0], key.size());
        }
    }

    for (ngx_uint_t i = 0; i < NGX_HTTP_AUTH_EXTRANET_HEADERS; i++) {
        ngx_table_elt_t *h = &headers[i];

        ngx_memzero(h, sizeof(ngx_table_elt_t));
        h->key.len = names->key[i].size();
        h->key.data = (u_char *) names->key[i].data();
        h->lowcase_key = (u_char *) names->lowcase[i].data();
        h->hash = names->hash[i];
    }
}


/* a lowercased byte */

static ngx_inline bool
ngx_http_auth_extranet_alnum(u_char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}


/*
 * Whether a header name starts with the prefix, ignoring case and taking
 * every byte that is not a letter or a digit for "-". An upstream reads
 * names through its own folding: FastCGI makes "-" a "_", PHP then makes
 * ".", " " and "[" of a $_SERVER name a "_" too, so with
 * underscores_in_headers on or ignore_invalid_headers off, a client's
 * "X_Extranet_Email" or "X.Extranet.Account" would otherwise reach a PHP
 * app as HTTP_X_EXTRANET_EMAIL or HTTP_X_EXTRANET_ACCOUNT.
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

        if (!ngx_http_auth_extranet_alnum(a)) {
            a = '-';
        }

        if (!ngx_http_auth_extranet_alnum(b)) {
            b = '-';
        }

        if (a != b) {
            return false;
        }
    }

    return true;
}


/*
 * Removes every client header of the prefix and the session cookie, then
 * (with_claims) adds the session's headers, built once per session.
 *
 * The usual protected request has a Cookie header and no header of the
 * prefix: its Cookie value is rewritten in place when other cookies remain
 * (the legacy app's), and a header that must go (one of the prefix, a
 * Cookie header left empty) gives its place in the list to one of the
 * session's headers; the others are appended. Nothing is allocated but
 * from the request's pool, and the list is not rebuilt. It is rebuilt only
 * when more headers go than come (a client sending copies of the prefix,
 * no session), and always for a subrequest, whose list shares its parts
 * with the main request's.
 */

ngx_int_t
ngx_http_auth_extranet_set_headers(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    ngx_http_auth_extranet_ctx_t *ctx, bool with_claims)
{
    bool              rebuild, cookies;
    ngx_uint_t        i, k, n, nfree, nadd;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *add, *free[NGX_HTTP_AUTH_EXTRANET_HEADERS];

    const extranet::Settings &s = *site->settings;

    add = (with_claims && ctx->session) ? (ngx_table_elt_t *) ctx->session->headers
                                        : NULL;
    nadd = add ? ctx->session->nheaders : 0;

    rebuild = (r != r->main);
    cookies = false;
    nfree = 0;
    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = static_cast<ngx_table_elt_t *>(part->elts);
        n += part->nelts;

        for (i = 0; i < part->nelts && !rebuild; i++) {

            if (ngx_http_auth_extranet_prefixed(&h[i].key, s.header_prefix)) {
                if (nfree == nadd) {
                    rebuild = true;
                    break;
                }

                free[nfree++] = &h[i];
                continue;
            }

            if (!ngx_http_auth_extranet_header_is(&h[i], "Cookie")) {
                continue;
            }

            switch (ngx_http_auth_extranet_strip_cookie(r, &h[i], s)) {
            case NGX_OK:          /* nothing to remove, or rewritten */
                break;

            case NGX_DECLINED:    /* nothing left: the header goes */
                cookies = true;

                if (nfree == nadd) {
                    rebuild = true;
                    break;
                }

                free[nfree++] = &h[i];
                break;

            default:
                return NGX_ERROR;
            }
        }
    }

    if (rebuild) {
        if (ngx_http_auth_extranet_rebuild(r, s, n, true) != NGX_OK) {
            return NGX_ERROR;
        }

        nfree = 0;
        cookies = false;
    }

    /* the places of the headers that go, then the list's end */

    for (k = 0; k < nadd; k++) {
        if (k < nfree) {
            h = free[k];

        } else {
            h = static_cast<ngx_table_elt_t *>(
                    ngx_list_push(&r->headers_in.headers));
            if (h == NULL) {
                return NGX_ERROR;
            }
        }

        *h = add[k];

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth extranet: header \"%V: %V\"", &h->key, &h->value);
    }

    /* a Cookie header gave its place: $http_cookie, $cookie_* */
    if (cookies) {
        return ngx_http_auth_extranet_relink_cookies(r);
    }

    return NGX_OK;
}


/*
 * Outside a protected location of a site: the client's headers of the
 * prefix are removed (the list rebuilt, only when there is one).
 */

ngx_int_t
ngx_http_auth_extranet_strip_prefix(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site)
{
    ngx_uint_t        i, n;
    bool              found;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    const extranet::Settings &s = *site->settings;

    found = false;
    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = static_cast<ngx_table_elt_t *>(part->elts);
        n += part->nelts;

        for (i = 0; i < part->nelts; i++) {
            if (ngx_http_auth_extranet_prefixed(&h[i].key, s.header_prefix)) {
                found = true;
            }
        }
    }

    if (!found) {
        return NGX_OK;
    }

    return ngx_http_auth_extranet_rebuild(r, s, n, false);
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
    u_char   *p, buf[2048];
    size_t    capacity;

    std::string_view value((char *) h->value.data, h->value.len);

    /* decided by what is removed (the session cookie under any name the
     * app reads as its own), never by a length */
    if (!extranet::has_cookie(value, s.cookie.name)) {
        return NGX_OK;
    }

    /* on the stack first: the usual header holds the session cookie alone,
     * and nothing of the request's pool is spent on it */
    capacity = extranet::strip_cookie_capacity(value);

    if (capacity <= sizeof(buf)) {
        p = buf;

    } else {
        p = static_cast<u_char *>(ngx_pnalloc(r->pool, capacity));
        if (p == NULL) {
            return NGX_ERROR;
        }
    }

    std::optional<std::size_t> size =
        extranet::strip_cookie_into(value, s.cookie.name, (char *) p);

    if (!size || *size == 0) {
        return NGX_DECLINED;
    }

    if (p == buf) {
        p = static_cast<u_char *>(ngx_pnalloc(r->pool, *size));
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, buf, *size);
    }

    h->value.data = p;
    h->value.len = *size;

    return NGX_OK;
}


/* a new list without the headers to remove; the old one stays untouched */

static ngx_int_t
ngx_http_auth_extranet_rebuild(ngx_http_request_t *r,
    const extranet::Settings &s, ngx_uint_t n, bool cookies)
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

            if (!cookies || !ngx_http_auth_extranet_header_is(nh, "Cookie")) {
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
            if (!ngx_http_auth_extranet_header_is(&h[i], "Cookie")) {
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
