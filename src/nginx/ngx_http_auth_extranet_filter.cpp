/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: the filters.
 *
 * The header filter sends a refreshed session cookie with whatever answers
 * the request (after any internal redirect), and makes every answer to a
 * session one no shared cache keeps. When nginx answers the 401 of
 * the access phase itself (no other access module let the request in, no
 * "error_page 401"), the filters turn it into the module's answer: a 302 to
 * the login page for a page view, the JSON body for an API client, the
 * "session ended" page for a browser's form.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include "core/primitives/cache_control.h"
#include "core/views/response.h"


static ngx_int_t ngx_http_auth_extranet_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_auth_extranet_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_auth_extranet_deny_headers(ngx_http_request_t *r,
    ngx_http_auth_extranet_ctx_t *ctx);
static ngx_int_t ngx_http_auth_extranet_private(ngx_http_request_t *r);
static ngx_int_t ngx_http_auth_extranet_not_shared(ngx_http_request_t *r);
static void ngx_http_auth_extranet_clear_cache_control(ngx_http_request_t *r);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


ngx_int_t
ngx_http_auth_extranet_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_auth_extranet_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_auth_extranet_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_extranet_header_filter(ngx_http_request_t *r)
{
    ngx_http_auth_extranet_ctx_t  *ctx;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_auth_extranet_find_ctx(r);

    if (ctx == NULL) {
        return ngx_http_next_header_filter(r);
    }

    if (ctx->deny != ngx_http_auth_extranet_deny_e::none
        && r->headers_out.status == NGX_HTTP_UNAUTHORIZED
        && r->err_status == NGX_HTTP_UNAUTHORIZED)
    {
        if (ngx_http_auth_extranet_deny_headers(r, ctx) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (!ctx->set_cookie.empty()) {
        if (ngx_http_auth_extranet_add_header(r, "Set-Cookie", ctx->set_cookie,
                                              NULL)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (ngx_http_auth_extranet_private(r) != NGX_OK) {
            return NGX_ERROR;
        }

    } else if (ctx->claims) {
        if (ngx_http_auth_extranet_not_shared(r) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return ngx_http_next_header_filter(r);
}


/*
 * An answer that carries a session cookie is the owner's alone: whatever
 * the upstream said ("Cache-Control: public", "Expires" in the future), a
 * shared cache in front must neither keep it nor hand the cookie to the
 * next client. Every Cache-Control and Expires is dropped for "private,
 * no-store". That line is not made the response's cache_control: nginx's
 * "expires" (whose filter runs after this one) then adds a line of its own
 * beside it instead of rewriting it, and "no-store" still holds.
 */

static ngx_int_t
ngx_http_auth_extranet_private(ngx_http_request_t *r)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        h = static_cast<ngx_table_elt_t *>(part->elts);

        for (i = 0; i < part->nelts; i++) {
            if (ngx_http_auth_extranet_header_is(&h[i], "Cache-Control")
                || ngx_http_auth_extranet_header_is(&h[i], "Expires"))
            {
                h[i].hash = 0;
            }
        }
    }

    r->headers_out.expires = NULL;

    ngx_http_auth_extranet_clear_cache_control(r);

    return ngx_http_auth_extranet_add_header(r, "Cache-Control",
                                             "private, no-store", NULL);
}


/*
 * Every other answer to a session is the owner's page too, whatever the
 * upstream said: the module keeps the session cookie from the upstream,
 * which no longer knows the request was a personal one. A shared cache in
 * front must not keep it (and hand it to the next client); the owner's own
 * browser may, as the upstream allows. An answer that says "private" or
 * "no-store" is left as it is; otherwise its Cache-Control lines become one
 * "private" line that keeps their max-age, no-cache and must-revalidate
 * ("public", "s-maxage", "proxy-revalidate" go). The line is not made the
 * response's cache_control, as for the refreshed cookie's.
 *
 * This runs on every proxied request: no heap. The usual answer (no
 * Cache-Control) gets a static line in the list's room; a rewritten one is
 * built in the request's pool.
 */

/* a Cache-Control line still in the answer (not one taken out) */

static ngx_inline bool
ngx_http_auth_extranet_cache_control_line(ngx_table_elt_t *h)
{
    return h->hash != 0
           && ngx_http_auth_extranet_header_is(h, "Cache-Control");
}


static ngx_int_t
ngx_http_auth_extranet_not_shared(ngx_http_request_t *r)
{
    size_t            len, n;
    u_char           *p;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *first;

    first = NULL;
    len = sizeof("private") - 1;

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        h = static_cast<ngx_table_elt_t *>(part->elts);

        for (i = 0; i < part->nelts; i++) {
            if (!ngx_http_auth_extranet_cache_control_line(&h[i])) {
                continue;
            }

            std::string_view value((char *) h[i].value.data, h[i].value.len);

            if (extranet::keeps_from_shared_caches(value)) {
                return NGX_OK;
            }

            if (first == NULL) {
                first = &h[i];
            }

            len += extranet::private_directives_room(value);
        }
    }

    ngx_http_auth_extranet_clear_cache_control(r);

    if (first == NULL) {
        return ngx_http_auth_extranet_push_header(r,
                   ngx_string("Cache-Control"), ngx_string("private"))
               ? NGX_OK : NGX_ERROR;
    }

    p = static_cast<u_char *>(ngx_pnalloc(r->pool, len));
    if (p == NULL) {
        return NGX_ERROR;
    }

    n = sizeof("private") - 1;
    ngx_memcpy(p, "private", n);

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        h = static_cast<ngx_table_elt_t *>(part->elts);

        for (i = 0; i < part->nelts; i++) {
            if (!ngx_http_auth_extranet_cache_control_line(&h[i])) {
                continue;
            }

            n += extranet::private_directives(
                     std::string_view((char *) h[i].value.data,
                                      h[i].value.len),
                     (char *) p + n);

            if (&h[i] != first) {
                h[i].hash = 0;
            }
        }
    }

    first->value.data = p;
    first->value.len = n;
#if (nginx_version >= 1023000)
    first->next = NULL;
#endif

    return NGX_OK;
}


/*
 * The module's Cache-Control line is not the response's cache_control:
 * nginx's "expires" (whose filter runs after this one) would rewrite it;
 * with none, it adds a line of its own beside it.
 */

static void
ngx_http_auth_extranet_clear_cache_control(ngx_http_request_t *r)
{
#if (nginx_version >= 1023000)
    r->headers_out.cache_control = NULL;
#else
    r->headers_out.cache_control.elts = NULL;
    r->headers_out.cache_control.nelts = 0;
#endif
}


/* nginx's own 401 page becomes the module's answer */

static ngx_int_t
ngx_http_auth_extranet_deny_headers(ngx_http_request_t *r,
    ngx_http_auth_extranet_ctx_t *ctx)
{
    ngx_table_elt_t  *location;

    /* another module asked for its credentials (auth_basic under "satisfy
     * any"): its challenge stays */
    if (r->headers_out.www_authenticate
        && r->headers_out.www_authenticate->hash)
    {
        ctx->deny = ngx_http_auth_extranet_deny_e::none;
        return NGX_OK;
    }

    ngx_http_clear_content_length(r);
    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);

    if (ctx->deny == ngx_http_auth_extranet_deny_e::redirect) {
        if (ngx_http_auth_extranet_add_header(r, "Location",
                                               ctx->deny_location, &location)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        ngx_http_clear_location(r);
        r->headers_out.location = location;
        r->headers_out.status = NGX_HTTP_MOVED_TEMPORARILY;
        r->headers_out.status_line.len = 0;
        ctx->deny_body.clear();

    } else if (ctx->deny == ngx_http_auth_extranet_deny_e::html) {
        ngx_str_set(&r->headers_out.content_type, "text/html; charset=utf-8");
        r->headers_out.content_type_len = r->headers_out.content_type.len;
        r->headers_out.charset.len = 0;

        /* the portal's pages' own: no inline script, kept by no cache */
        try {
            for (const extranet::HeaderLine &line :
                 extranet::security_headers(extranet::html_response(401, "")))
            {
                if (ngx_http_auth_extranet_add_header(r, line.name, line.value,
                                                      NULL)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }
            }

        } catch (const std::exception &e) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "auth extranet: %s", e.what());
            return NGX_ERROR;
        }

    } else {
        ngx_str_set(&r->headers_out.content_type, "application/json");
        r->headers_out.content_type_len = r->headers_out.content_type.len;
        r->headers_out.charset.len = 0;
    }

    r->headers_out.content_length_n = ctx->deny_body.size();
    ctx->deny_sent = true;

    return NGX_OK;
}


/* the body of nginx's 401 page is replaced by the answer's */

static ngx_int_t
ngx_http_auth_extranet_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    bool                           last;
    ngx_buf_t                     *b;
    ngx_chain_t                   *cl, out;
    ngx_http_auth_extranet_ctx_t  *ctx;

    if (r != r->main || in == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_auth_extranet_find_ctx(r);

    if (ctx == NULL || !ctx->deny_sent) {
        return ngx_http_next_body_filter(r, in);
    }

    last = false;

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;

        if (cl->buf->last_buf) {
            last = true;
        }
    }

    if (!last) {
        return NGX_OK;
    }

    ctx->deny_sent = false;

    b = static_cast<ngx_buf_t *>(ngx_calloc_buf(r->pool));
    if (b == NULL) {
        return NGX_ERROR;
    }

    if (ctx->deny_body.empty()) {
        b->sync = 1;

    } else {
        b->pos = (u_char *) ctx->deny_body.data();
        b->last = b->pos + ctx->deny_body.size();
        b->memory = 1;
    }

    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}


/* a response header whose key and value outlive the request's answer */

ngx_table_elt_t *
ngx_http_auth_extranet_push_header(ngx_http_request_t *r, ngx_str_t key,
    ngx_str_t value)
{
    ngx_table_elt_t  *h;

    h = static_cast<ngx_table_elt_t *>(ngx_list_push(&r->headers_out.headers));
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    h->key = key;
    h->value = value;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return h;
}


/* a response header, its value copied into the request's pool */

ngx_int_t
ngx_http_auth_extranet_add_header(ngx_http_request_t *r, const char *name,
    const std::string &value, ngx_table_elt_t **out)
{
    ngx_str_t         key, copy;
    ngx_table_elt_t  *h;

    copy.len = value.size();
    copy.data = static_cast<u_char *>(ngx_pnalloc(r->pool, value.size() + 1));
    if (copy.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(copy.data, value.data(), value.size());

    key.data = (u_char *) name;
    key.len = ngx_strlen(name);

    h = ngx_http_auth_extranet_push_header(r, key, copy);
    if (h == NULL) {
        return NGX_ERROR;
    }

    if (out) {
        *out = h;
    }

    return NGX_OK;
}
