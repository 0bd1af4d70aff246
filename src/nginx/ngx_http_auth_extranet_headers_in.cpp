/*
 * ngx_http_auth_extranet_module: the request headers the upstream gets. In
 * a protected location every client header of the site's prefix is removed
 * and so is the session cookie (from Cookie, $http_cookie and $cookie_*);
 * then the session's headers are added, once.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include "core/cookie.h"


static bool ngx_http_auth_extranet_prefixed(ngx_str_t *name,
    const std::string &prefix);
static bool ngx_http_auth_extranet_is_cookie(ngx_table_elt_t *h);
static ngx_int_t ngx_http_auth_extranet_relink_cookies(ngx_http_request_t *r);


/* header names after the prefix, in the order of ctx->header_values */
static const char  *ngx_http_auth_extranet_header_names[] = {
    "Account", "Syndic", "Login", "Email", "Identity", "Accounts"
};

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
 * Rebuilds the request's header list without any header of the prefix and
 * without the session cookie, then (with_claims) adds the session's headers.
 */

ngx_int_t
ngx_http_auth_extranet_set_headers(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    ngx_http_auth_extranet_ctx_t *ctx, bool with_claims)
{
    size_t            len;
    ngx_uint_t        i, n;
    ngx_list_t        old;
    std::string       cookies, name;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *nh;

    const extranet::Settings &s = *site->settings;

    n = 0;
    for (part = &r->headers_in.headers.part; part; part = part->next) {
        n += part->nelts;
    }

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

            std::string_view value((char *) h[i].value.data, h[i].value.len);

            /* decided by what was removed, never by a length */
            extranet::StrippedCookies stripped;

            if (ngx_http_auth_extranet_is_cookie(&h[i])
                && (stripped = extranet::strip_cookie(value, s.cookie.name))
                       .removed)
            {
                cookies = std::move(stripped.value);

                if (cookies.empty()) {
                    continue;
                }

                nh = static_cast<ngx_table_elt_t *>(
                         ngx_list_push(&r->headers_in.headers));
                if (nh == NULL) {
                    return NGX_ERROR;
                }

                *nh = h[i];
                nh->value.len = cookies.size();
                nh->value.data = static_cast<u_char *>(
                                     ngx_pnalloc(r->pool, cookies.size()));
                if (nh->value.data == NULL) {
                    return NGX_ERROR;
                }

                ngx_memcpy(nh->value.data, cookies.data(), cookies.size());
                continue;
            }

            nh = static_cast<ngx_table_elt_t *>(
                     ngx_list_push(&r->headers_in.headers));
            if (nh == NULL) {
                return NGX_ERROR;
            }

            *nh = h[i];
        }
    }

    if (ngx_http_auth_extranet_relink_cookies(r) != NGX_OK) {
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

    for (i = 0; i < NGX_HTTP_AUTH_EXTRANET_HEADERS; i++) {
        const std::string &value = ctx->header_values[i];

        if (value.empty()) {
            continue;
        }

        name = s.header_prefix + ngx_http_auth_extranet_header_names[i];

        h = static_cast<ngx_table_elt_t *>(
                ngx_list_push(&r->headers_in.headers));
        if (h == NULL) {
            return NGX_ERROR;
        }

        len = name.size();
        h->key.len = len;
        h->key.data = static_cast<u_char *>(ngx_pnalloc(r->pool, len));
        h->lowcase_key = static_cast<u_char *>(ngx_pnalloc(r->pool, len));
        h->value.len = value.size();
        h->value.data = static_cast<u_char *>(ngx_pnalloc(r->pool,
                                                          value.size()));
        if (h->key.data == NULL || h->lowcase_key == NULL
            || h->value.data == NULL)
        {
            return NGX_ERROR;
        }

        ngx_memcpy(h->key.data, name.data(), len);
        ngx_memcpy(h->value.data, value.data(), value.size());
        h->hash = ngx_hash_strlow(h->lowcase_key, h->key.data, len);
#if (nginx_version >= 1023000)
        h->next = NULL;
#endif
    }

    return NGX_OK;
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
