/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: the access phase. It verifies the session
 * cookie (no database work), refreshes the session row in the thread pool
 * when it is due (the refresh the portal's pages use too), and hands the
 * request to the header rewrite; without a session it answers as nginx's
 * access modules do, so that "satisfy", "error_page 401" and the other
 * access modules combine with it.
 *
 * The request's state lives in a pool cleanup: an internal redirect
 * (index, try_files, error_page, named locations, X-Accel-Redirect) clears
 * the modules' contexts and runs the access phase again; the state is found
 * again there, and the redirected request keeps its session, its headers
 * (given once) and its refreshed cookie without a second check.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include "core/primitives/address_block.h"
#include "core/primitives/escape.h"
#include "core/flows/route.h"
#include "core/views/response.h"
#include "core/storage/session_store.h"


/* after a refresh found the database unavailable, valid cookies pass
 * without a refresh for this long (at most the refresh interval), rather
 * than each waiting for a timeout */
#define NGX_HTTP_AUTH_EXTRANET_DB_BACKOFF       30


static ngx_int_t ngx_http_auth_extranet_verdict(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    ngx_http_auth_extranet_ctx_t *ctx);
static void ngx_http_auth_extranet_access_resume(ngx_http_request_t *r);
static ngx_int_t ngx_http_auth_extranet_refresh_post(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    ngx_http_auth_extranet_ctx_t *ctx);
static void ngx_http_auth_extranet_refresh_done(ngx_http_request_t *r,
    bool failed);
static ngx_int_t ngx_http_auth_extranet_deny(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site,
    ngx_http_auth_extranet_ctx_t *ctx);
static std::string ngx_http_auth_extranet_session_ended(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, ngx_http_core_loc_conf_t *clcf,
    const std::string &login);
static bool ngx_http_auth_extranet_has_error_page(ngx_http_request_t *r,
    ngx_int_t status);


/* per worker: until when refreshes are not tried (database unavailable) */
static time_t  ngx_http_auth_extranet_db_down_until;


ngx_int_t
ngx_http_auth_extranet_access_handler(ngx_http_request_t *r)
{
    bool                                refresh_due;
    ngx_int_t                           rc;
    ngx_http_auth_extranet_ctx_t       *ctx;
    ngx_http_auth_extranet_loc_conf_t  *alcf;
    ngx_http_auth_extranet_srv_conf_t  *site;

    alcf = ngx_http_auth_extranet_loc(r);

    /* the portal itself stays reachable under a server-wide "on" */
    if (!alcf->enabled || alcf->portal) {
        return NGX_DECLINED;
    }

    site = ngx_http_auth_extranet_site(r);

    try {
        ctx = ngx_http_auth_extranet_get_ctx(r);
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        if (ctx->pending) {
            return NGX_AGAIN;
        }

        if (ctx->refresh_done) {
            /* back from the pool thread, the refresh's answer held */
            ctx->refresh_done = false;
            return ngx_http_auth_extranet_verdict(r, site, ctx);
        }

        if (ctx->checked) {
            /* an internal redirect: the session was checked, the headers
             * given; no second check, no second task */
            ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth extranet: checked before redirect, "
                           "session: %d", ctx->claims != nullptr);

            if (ctx->claims) {
                return NGX_OK;
            }

            return ngx_http_auth_extranet_deny(r, site, ctx);
        }

        ngx_http_auth_extranet_hold(ctx,
            ngx_http_auth_extranet_find_session(r, site, &refresh_due));

        if (ctx->claims && refresh_due) {
            rc = ngx_http_auth_extranet_refresh(r, site, ctx,
                                          ngx_http_auth_extranet_access_resume);
            if (rc != NGX_OK) {
                return rc;
            }
        }

        return ngx_http_auth_extranet_verdict(r, site, ctx);

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "auth extranet: %s", e.what());
        return NGX_ERROR;
    }
}


/* the headers rewritten once, then the session passes or is refused */

static ngx_int_t
ngx_http_auth_extranet_verdict(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, ngx_http_auth_extranet_ctx_t *ctx)
{
    ctx->checked = true;
    ctx->headers_set = true;

    if (ngx_http_auth_extranet_set_headers(r, site, ctx, ctx->claims != nullptr)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ctx->claims) {
        return NGX_OK;
    }

    return ngx_http_auth_extranet_deny(r, site, ctx);
}


/* the access phase runs again, the refresh's answer held */

static void
ngx_http_auth_extranet_access_resume(ngx_http_request_t *r)
{
    ngx_http_auth_extranet_find_ctx(r)->refresh_done = true;

    r->write_event_handler(r);
}


/*
 * A session whose refresh is due, held by ctx: the access phase's and the
 * portal's. Within the client address's budget, its row is re-checked in
 * the thread pool (NGX_AGAIN), and resume(r) runs on the event loop once
 * ctx holds the answer: the refreshed session and its cookie (sent by the
 * header filter with whatever answers the request), or none when the row
 * is revoked or expired. Otherwise (database down, budget spent) NGX_OK:
 * the valid cookie goes on as it is, a cookie sealed for no site does not.
 */

ngx_int_t
ngx_http_auth_extranet_refresh(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, ngx_http_auth_extranet_ctx_t *ctx,
    void (*resume)(ngx_http_request_t *r))
{
    if (ngx_time() < ngx_http_auth_extranet_db_down_until) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth extranet: refresh skipped, database down");
        return NGX_OK;
    }

    if (!ngx_http_auth_extranet_shm_spend(site->shm_zone,
            *site->tag + "refresh:"
            + extranet::address_block(std::string_view(
                  (char *) r->connection->addr_text.data,
                  r->connection->addr_text.len)),
            site->settings->refreshes_per_minute, 60))
    {
        ctx->refresh_resume = resume;
        return ngx_http_auth_extranet_refresh_post(r, site, ctx);
    }

    if (ctx->claims->unbound) {
        /* a cookie sealed for no site passes only once checked */
        ngx_http_auth_extranet_hold(ctx, nullptr);
        return NGX_OK;
    }

    /* a client that never keeps its refreshed cookie, or a flood: the
     * cookie is still valid (within idle and absolute), it passes without
     * the database */
    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth extranet: refresh skipped, budget of "
                   "the client address spent");
    return NGX_OK;
}


/* re-checks the session row, off the event loop */

static ngx_int_t
ngx_http_auth_extranet_refresh_post(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, ngx_http_auth_extranet_ctx_t *ctx)
{
    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth extranet: refreshing session");

    const extranet::Settings *settings = site->settings;
    extranet::SessionClaims claims = *ctx->claims;
    uint64_t now = ngx_time();

    auto work = [ctx, settings, claims, now]() {
        try {
            extranet::Database &db = extranet::site_database(*settings);
            db.check_connection();

            std::optional<extranet::SessionClaims> refreshed =
                extranet::refresh_session(db, *settings, claims, now);

            if (refreshed) {
                ctx->refreshed.reset(
                    new extranet::SessionClaims(std::move(*refreshed)));
            }

            ctx->refresh_revoked = !ctx->refreshed;

        } catch (const std::exception &e) {
            /* database unavailable: the valid cookie keeps working */
            extranet::count(extranet::Metric::db_unavailable);
            ctx->refreshed.reset();
            ctx->refresh_revoked = false;
            ctx->refresh_error = e.what();
        }
    };

    ctx->pending = true;

    if (ngx_http_auth_extranet_post(r, site, site->thread_pool, std::move(work),
                                    ngx_http_auth_extranet_refresh_done)
        != NGX_OK)
    {
        ctx->pending = false;
        return NGX_ERROR;
    }

    return NGX_AGAIN;
}


static void
ngx_http_auth_extranet_refresh_done(ngx_http_request_t *r, bool failed)
{
    time_t                              backoff;
    ngx_http_auth_extranet_ctx_t       *ctx;
    ngx_http_auth_extranet_stats_t     *stats;
    ngx_http_auth_extranet_srv_conf_t  *site;

    ctx = ngx_http_auth_extranet_find_ctx(r);
    site = ngx_http_auth_extranet_site(r);

    ctx->pending = false;

    if (failed || (!ctx->refresh_revoked && !ctx->refreshed)) {
        backoff = ngx_min((time_t) site->settings->timeouts.refresh,
                          NGX_HTTP_AUTH_EXTRANET_DB_BACKOFF);

        ngx_http_auth_extranet_db_down_until = ngx_time() + backoff;

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth extranet: session not refreshed, database "
                      "unavailable (%s); refreshes resume in %T s",
                      ctx->refresh_error.c_str(), backoff);
    }

    stats = ngx_http_auth_extranet_shm_stats(site->shm_zone);

    try {
        if (ctx->refresh_revoked) {
            ngx_http_auth_extranet_count(stats, revoked);
            ngx_http_auth_extranet_shm_revoke(site->shm_zone,
                ctx->session->revoked_key,
                ngx_time() + site->settings->timeouts.absolute,
                site->settings->timeouts.idle, true);
            ngx_http_auth_extranet_hold(ctx, nullptr);

        } else if (ctx->refreshed) {
            ngx_http_auth_extranet_count(stats, refreshed);
            ctx->set_cookie = extranet::session_cookie(*site->settings,
                                                       *ctx->refreshed);
            ngx_http_auth_extranet_hold(ctx,
                ngx_http_auth_extranet_new_session(*site->settings, "",
                                                   *ctx->refreshed));
        }

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "auth extranet: %s", e.what());
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->refresh_resume(r);
}


/*
 * No valid session. A page view is sent to the login page, anything else
 * (a non-GET method, a client that accepts JSON) gets 401 with a JSON body,
 * but a browser's form (a POST whose Accept prefers HTML: the session
 * ended while the owner was typing) gets a 401 page to read, with a link
 * to log in again and come back to the page the form was on.
 * As nginx's own access modules do, 401 is returned to nginx: under
 * "satisfy any" another module (allow, auth_basic) may still let the
 * request in, and "error_page 401" applies. The answer's body is given by
 * the filter when nginx answers the 401 itself.
 */

static ngx_int_t
ngx_http_auth_extranet_deny(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, ngx_http_auth_extranet_ctx_t *ctx)
{
    bool                       json, html;
    ngx_table_elt_t           *h;
    ngx_http_core_loc_conf_t  *clcf;

    json = !(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD));
    html = false;

    if (r->headers_in.accept
        && ngx_strlcasestrn(r->headers_in.accept->value.data,
                            r->headers_in.accept->value.data
                            + r->headers_in.accept->value.len,
                            (u_char *) "application/json",
                            sizeof("application/json") - 1 - 1)
           != NULL)
    {
        json = true;
    }

    std::string login((char *) site->portal_prefix.data,
                      site->portal_prefix.len);
    login += "login";

    ctx->deny_location = login + "?next=" + extranet::url_encode(
        std::string((char *) r->unparsed_uri.data, r->unparsed_uri.len));
    ctx->deny_body = extranet::unauthenticated_json(
        extranet::Theme::or_builtin(site->settings->theme.get())
            .text(extranet::Text::common_error_login_required),
        login);

    clcf = static_cast<ngx_http_core_loc_conf_t *>(
               ngx_http_get_module_loc_conf(r, ngx_http_core_module));

    if (json && r->headers_in.accept
        && extranet::prefers_html(std::string_view(
               (char *) r->headers_in.accept->value.data,
               r->headers_in.accept->value.len)))
    {
        html = true;
    }

    if (!json && clcf->satisfy == NGX_HTTP_SATISFY_ALL) {
        /* nothing else can let a page view in: to the login page now */

        h = ngx_http_auth_extranet_push_header(r, ngx_string("Location"),
                ngx_str_t{ctx->deny_location.size(),
                          (u_char *) ctx->deny_location.data()});
        if (h == NULL) {
            return NGX_ERROR;
        }

        ngx_http_clear_location(r);
        r->headers_out.location = h;

        return NGX_HTTP_MOVED_TEMPORARILY;
    }

    /* the site's own "error_page 401" answers instead of ours */
    if (ngx_http_auth_extranet_has_error_page(r, NGX_HTTP_UNAUTHORIZED)) {
        ctx->deny = ngx_http_auth_extranet_deny_e::none;

    } else if (html) {
        ctx->deny = ngx_http_auth_extranet_deny_e::html;
        ctx->deny_body = ngx_http_auth_extranet_session_ended(r, site, clcf,
                                                              login);

    } else {
        ctx->deny = json ? ngx_http_auth_extranet_deny_e::json
                         : ngx_http_auth_extranet_deny_e::redirect;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth extranet: no session, 401 (answer %d)",
                   (int) ctx->deny);

    return NGX_HTTP_UNAUTHORIZED;
}


/*
 * The "session ended" page of a browser's form: its link logs in again and
 * comes back to the page the form was on (the Referer's path, when it is
 * one of this site), else to the protected location's root. The form's
 * data is not kept: the page says so.
 */

static std::string
ngx_http_auth_extranet_session_ended(ngx_http_request_t *r,
    ngx_http_auth_extranet_srv_conf_t *site, ngx_http_core_loc_conf_t *clcf,
    const std::string &login)
{
    std::string_view  referer, host, root;

    if (r->headers_in.referer) {
        referer = std::string_view((char *) r->headers_in.referer->value.data,
                                   r->headers_in.referer->value.len);
    }

    if (r->headers_in.host) {
        host = std::string_view((char *) r->headers_in.host->value.data,
                                r->headers_in.host->value.len);
    }

    /* a prefix or exact location's name is a path; a regex's is not */
    root = "/";

    if (
#if (NGX_PCRE)
        clcf->regex == NULL &&
#endif
        !clcf->named && clcf->name.len && clcf->name.data[0] == '/')
    {
        root = std::string_view((char *) clcf->name.data, clcf->name.len);
    }

    extranet::PageContext page;
    page.prefix = std::string((char *) site->portal_prefix.data,
                              site->portal_prefix.len);
    page.theme = site->settings->theme.get();

    return extranet::render_session_ended(page, login + "?next="
        + extranet::url_encode(extranet::referer_next(referer, host, root)));
}


static bool
ngx_http_auth_extranet_has_error_page(ngx_http_request_t *r, ngx_int_t status)
{
    ngx_uint_t                 i;
    ngx_http_err_page_t       *err_page;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = static_cast<ngx_http_core_loc_conf_t *>(
               ngx_http_get_module_loc_conf(r, ngx_http_core_module));

    /* as ngx_http_special_response_handler() decides */
    if (clcf->error_pages == NULL || r->uri_changes == 0 || r->error_page) {
        return false;
    }

    err_page = static_cast<ngx_http_err_page_t *>(clcf->error_pages->elts);

    for (i = 0; i < clcf->error_pages->nelts; i++) {
        if (err_page[i].status == status) {
            return true;
        }
    }

    return false;
}


/*
 * Before content: what the upstream gets, whatever the configuration's
 * shape. For the main request, the access phase has let it in: a 401 that
 * another access module overrode is no longer ours to answer. A main
 * request whose session a subrequest checked (auth_request to a protected
 * location) gets the session's headers; one of an unprotected location
 * keeps none of the client's headers of the prefix (a mirror or addition
 * subrequest to a protected location runs after it has gone upstream).
 *
 * Subrequests (SSI, addition, mirror, auth_request...) skip the access
 * phase: one to a protected location takes the main request's session,
 * checked once; every one is given the session's headers or none of the
 * prefix, as the main request's session stands when it runs (its headers
 * were copied from the main request's, maybe before they were rewritten).
 */

ngx_int_t
ngx_http_auth_extranet_precontent_handler(ngx_http_request_t *r)
{
    bool                                refresh_due;
    ngx_http_auth_extranet_ctx_t       *ctx;
    ngx_http_auth_extranet_loc_conf_t  *alcf;
    ngx_http_auth_extranet_srv_conf_t  *site;

    ctx = ngx_http_auth_extranet_find_ctx(r->main);

    if (r == r->main && ctx) {
        ctx->deny = ngx_http_auth_extranet_deny_e::none;

        if (ctx->headers_set) {
            /* the protected request's usual way: done in the access phase */
            return NGX_DECLINED;
        }
    }

    alcf = ngx_http_auth_extranet_loc(r);
    site = ngx_http_auth_extranet_site(r);

    if (!site->used || site->settings == NULL || alcf->portal) {
        return NGX_DECLINED;
    }

    try {
        if (ctx == NULL || !ctx->checked) {

            if (!alcf->enabled) {
                return (ngx_http_auth_extranet_strip_prefix(r, site) == NGX_OK)
                       ? NGX_DECLINED : NGX_ERROR;
            }

            /* a protected location no access phase checked: a subrequest
             * (the main request's location is not protected), or a main
             * request another access module let in first. A refresh that is
             * due waits for the next main request. */

            ctx = ngx_http_auth_extranet_get_ctx(r->main);
            if (ctx == NULL) {
                return NGX_ERROR;
            }

            ngx_http_auth_extranet_hold(ctx,
                ngx_http_auth_extranet_find_session(r, site, &refresh_due));
            ctx->checked = true;
        }

        if (ngx_http_auth_extranet_set_headers(r, site, ctx,
                                               ctx->claims != nullptr)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (r == r->main) {
            ctx->headers_set = true;
            return NGX_DECLINED;
        }

        if (!alcf->enabled) {
            return NGX_DECLINED;
        }

        return ctx->claims ? NGX_DECLINED : NGX_HTTP_UNAUTHORIZED;

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "auth extranet: %s", e.what());
        return NGX_ERROR;
    }
}
