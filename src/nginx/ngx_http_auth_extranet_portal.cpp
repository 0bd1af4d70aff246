/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The portal location: reads the body, turns the request into the core's
 * PortalRequest, answers what the core answers on the event loop, and runs
 * the rest in the thread pool.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include <algorithm>
#include <ctime>


#define NGX_HTTP_AUTH_EXTRANET_MAX_BODY  (16 * 1024)


static void ngx_http_auth_extranet_release(void *data);


/* an attempt counted in flight, released when its request ends */
typedef struct {
    ngx_shm_zone_t              *zone;
    std::string                  key;
} ngx_http_auth_extranet_reservation_t;


/*
 * The brute-force counters of the shared memory zone, for the core: a key
 * not over its limit is reserved for this request until the request ends,
 * whichever way it ends, so that parallel attempts are counted.
 */
class ngx_http_auth_extranet_limiter_t : public extranet::AttemptLimiter {
public:
    ngx_http_auth_extranet_limiter_t(ngx_http_request_t *r,
        ngx_http_auth_extranet_srv_conf_t *site)
        : r_(r), site_(site) {}

    bool locked(std::string_view key, std::uint64_t now) override {
        std::string k(key);

        ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(
            r_->pool, sizeof(ngx_http_auth_extranet_reservation_t));
        if (cln == NULL) {
            throw std::bad_alloc();
        }

        if (ngx_http_auth_extranet_shm_reserve(site_->shm_zone,
                *site_->tag + k, ngx_http_auth_extranet_limit_for(site_, k),
                site_->settings->lockout.window))
        {
            return true;
        }

        new (cln->data) ngx_http_auth_extranet_reservation_t{site_->shm_zone,
                                                            *site_->tag + k};
        cln->handler = ngx_http_auth_extranet_release;

        return false;
    }

    /* the portal's one budget per minute: passkey login challenges */
    bool over_budget(std::string_view key, std::uint64_t now) override {
        (void) now;

        return ngx_http_auth_extranet_shm_spend(site_->shm_zone,
                   *site_->tag + std::string(key),
                   site_->settings->challenges_per_minute, 60);
    }

private:
    ngx_http_request_t                  *r_;
    ngx_http_auth_extranet_srv_conf_t  *site_;
};


static void
ngx_http_auth_extranet_release(void *data)
{
    ngx_http_auth_extranet_reservation_t *res =
        static_cast<ngx_http_auth_extranet_reservation_t *>(data);

    ngx_http_auth_extranet_shm_release(res->zone, res->key);
    res->~ngx_http_auth_extranet_reservation_t();
}


struct ngx_http_auth_extranet_portal_ctx_s {
    extranet::PortalRequest      request;
    extranet::PortalResponse     response;
};


static void ngx_http_auth_extranet_portal_body(ngx_http_request_t *r);
static void ngx_http_auth_extranet_portal_refreshed(ngx_http_request_t *r);
static void ngx_http_auth_extranet_portal_dispatch(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, ngx_http_auth_extranet_ctx_t *actx);
static ngx_int_t ngx_http_auth_extranet_portal_request(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, extranet::PortalRequest &req);
static void ngx_http_auth_extranet_portal_done(ngx_http_request_t *r,
    bool failed);
static std::string ngx_http_auth_extranet_header(ngx_table_elt_t *h);


ngx_int_t
ngx_http_auth_extranet_portal_handler(ngx_http_request_t *r)
{
    ngx_int_t                             rc;
    ngx_http_auth_extranet_ctx_t         *actx;
    ngx_http_auth_extranet_portal_ctx_t  *ctx;

    if (r != r->main) {
        return NGX_DECLINED;
    }

    try {
        actx = ngx_http_auth_extranet_get_ctx(r);
        ctx = actx ? ngx_http_auth_extranet_pool_new<
                         ngx_http_auth_extranet_portal_ctx_t>(r->pool)
                   : NULL;

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "auth extranet: %s", e.what());
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    actx->portal = ctx;

    if (r->headers_in.content_length_n > NGX_HTTP_AUTH_EXTRANET_MAX_BODY) {
        /* answered by the core with its French 413, body discarded */
        ctx->request.body_too_large = true;

        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->main->count++;
        ngx_http_auth_extranet_portal_body(r);
        return NGX_DONE;
    }

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_auth_extranet_portal_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_auth_extranet_portal_body(ngx_http_request_t *r)
{
    bool                                  refresh_due;
    ngx_int_t                             rc;
    ngx_http_auth_extranet_ctx_t         *actx;
    ngx_http_auth_extranet_srv_conf_t   *site;
    ngx_http_auth_extranet_portal_ctx_t  *ctx;

    site = ngx_http_auth_extranet_site(r);

    actx = static_cast<ngx_http_auth_extranet_ctx_t *>(
               ngx_http_get_module_ctx(r, ngx_http_auth_extranet_module));
    ctx = actx->portal;

    try {
        if (ngx_http_auth_extranet_portal_request(r, site, ctx->request)
            != NGX_OK)
        {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        ngx_http_auth_extranet_hold(actx,
            ngx_http_auth_extranet_find_session(r, site, &refresh_due));

        /* working on the portal's pages is the session's activity: a due
         * refresh is done as for a proxied request, before the route */

        if (actx->claims && refresh_due
            && extranet::serves_session(ctx->request.route))
        {
            rc = ngx_http_auth_extranet_refresh(r, site, actx,
                                    ngx_http_auth_extranet_portal_refreshed);

            if (rc == NGX_AGAIN) {
                return;
            }

            if (rc != NGX_OK) {
                ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
                return;
            }
        }

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "auth extranet: %s", e.what());
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_auth_extranet_portal_dispatch(r, site, actx);
}


static void
ngx_http_auth_extranet_portal_refreshed(ngx_http_request_t *r)
{
    ngx_http_auth_extranet_portal_dispatch(r, ngx_http_auth_extranet_site(r),
                                           ngx_http_auth_extranet_find_ctx(r));
}


/* the route, with the session as found (and refreshed, or ended) */

static void
ngx_http_auth_extranet_portal_dispatch(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, ngx_http_auth_extranet_ctx_t *actx)
{
    ngx_int_t                             rc;
    ngx_http_auth_extranet_portal_ctx_t  *ctx;

    ctx = actx->portal;

    try {
        if (actx->claims) {
            ctx->request.session = *actx->claims;

        } else {
            ctx->request.session.reset();
        }

        ngx_http_auth_extranet_limiter_t limiter(r, site);

        extranet::Dispatch d = extranet::dispatch(*site->settings,
                                                  ctx->request, limiter);

        if (d.response) {
            rc = ngx_http_auth_extranet_portal_send(r, site, *d.response);
            ngx_http_finalize_request(r, rc);
            return;
        }

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth extranet: portal \"%s\" in the thread pool",
                       ctx->request.route.c_str());

        const extranet::Settings *settings = site->settings;
        auto work = [ctx, settings, w = std::move(d.work)]() {
            ctx->response = extranet::run_blocking(*settings, w,
                                                   ctx->request.wants_json,
                                                   ctx->request.prefix);
        };

        if (ngx_http_auth_extranet_post(r, site,
                d.hashes ? site->hash_pool : site->thread_pool, std::move(work),
                                        ngx_http_auth_extranet_portal_done)
            != NGX_OK)
        {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "auth extranet: %s", e.what());
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    }
}


static void
ngx_http_auth_extranet_portal_done(ngx_http_request_t *r, bool failed)
{
    ngx_int_t                             rc;
    ngx_http_auth_extranet_srv_conf_t   *site;
    ngx_http_auth_extranet_portal_ctx_t  *ctx;

    site = ngx_http_auth_extranet_site(r);
    ctx = static_cast<ngx_http_auth_extranet_ctx_t *>(
              ngx_http_get_module_ctx(r, ngx_http_auth_extranet_module))->portal;

    if (failed) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    try {
        rc = ngx_http_auth_extranet_portal_send(r, site, ctx->response);

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "auth extranet: %s", e.what());
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_finalize_request(r, rc);
}


static std::string
ngx_http_auth_extranet_header(ngx_table_elt_t *h)
{
    if (h == NULL) {
        return std::string();
    }

    return std::string((char *) h->value.data, h->value.len);
}


static ngx_int_t
ngx_http_auth_extranet_portal_request(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, extranet::PortalRequest &req)
{
    size_t                              len;
    ssize_t                             n;
    ngx_buf_t                          *b;
    ngx_chain_t                        *cl;
    ngx_list_part_t                    *part;
    ngx_table_elt_t                    *h;
    ngx_http_core_loc_conf_t           *clcf;
    ngx_http_auth_extranet_loc_conf_t  *alcf;

    clcf = static_cast<ngx_http_core_loc_conf_t *>(
               ngx_http_get_module_loc_conf(r, ngx_http_core_module));
    alcf = static_cast<ngx_http_auth_extranet_loc_conf_t *>(
               ngx_http_get_module_loc_conf(r, ngx_http_auth_extranet_module));

    req.method.assign((char *) r->method_name.data, r->method_name.len);
    req.prefix.assign((char *) clcf->name.data, clcf->name.len);

    if (r->uri.len >= clcf->name.len) {
        req.route.assign((char *) r->uri.data + clcf->name.len,
                         r->uri.len - clcf->name.len);
    }

    req.args.assign((char *) r->args.data, r->args.len);
    req.content_type = ngx_http_auth_extranet_header(r->headers_in.content_type);
    req.host = ngx_http_auth_extranet_header(r->headers_in.host);
    req.user_agent = ngx_http_auth_extranet_header(r->headers_in.user_agent);
    req.referer = ngx_http_auth_extranet_header(r->headers_in.referer);
    req.client_addr.assign((char *) r->connection->addr_text.data,
                           r->connection->addr_text.len);
    req.login_field.assign((char *) alcf->login_field.data,
                           alcf->login_field.len);
    req.password_field.assign((char *) alcf->password_field.data,
                              alcf->password_field.len);
    req.now = ngx_time();

#if (NGX_HTTP_SSL)
    req.https = (r->connection->ssl != NULL);
#endif

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = static_cast<ngx_table_elt_t *>(part->elts);

        for (ngx_uint_t i = 0; i < part->nelts; i++) {
            if (ngx_http_auth_extranet_header_is(&h[i], "Origin")) {
                req.origin = ngx_http_auth_extranet_header(&h[i]);
            }

            /* passkeys: the login challenge's binding cookie */
            if (ngx_http_auth_extranet_header_is(&h[i], "Cookie")) {
                if (!req.cookie.empty()) {
                    req.cookie += "; ";
                }
                req.cookie += ngx_http_auth_extranet_header(&h[i]);
            }
        }
    }

    if (r->headers_in.accept) {
        req.wants_json = ngx_strlcasestrn(r->headers_in.accept->value.data,
                             r->headers_in.accept->value.data
                             + r->headers_in.accept->value.len,
                             (u_char *) "application/json",
                             sizeof("application/json") - 1 - 1)
                         != NULL;
    }

    if (req.body_too_large || r->request_body == NULL) {
        return NGX_OK;
    }

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            len = (size_t) (b->file_last - b->file_pos);

            if (req.body.size() + len > NGX_HTTP_AUTH_EXTRANET_MAX_BODY) {
                req.body_too_large = true;
                req.body.clear();
                return NGX_OK;
            }

            /* at most 16 KiB from the request's own temporary file */
            size_t start = req.body.size();
            req.body.resize(start + len);

            n = ngx_read_file(b->file, (u_char *) &req.body[start], len,
                              b->file_pos);
            if (n != (ssize_t) len) {
                return NGX_ERROR;
            }

            continue;
        }

        len = (size_t) (b->last - b->pos);

        if (req.body.size() + len > NGX_HTTP_AUTH_EXTRANET_MAX_BODY) {
            req.body_too_large = true;
            req.body.clear();
            return NGX_OK;
        }

        req.body.append((char *) b->pos, len);
    }

    return NGX_OK;
}
