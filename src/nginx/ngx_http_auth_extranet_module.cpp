/*
 * ngx_http_auth_extranet_module: sessions for a legacy extranet.
 *
 * This file: directives, configuration, the access phase handler that
 * verifies the session cookie and hands the upstream its X-Extranet-*
 * headers, the header filter that refreshes the cookie, and the variables.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include <fstream>
#include <iterator>

#include "core/cookie.h"
#include "core/escape.h"
#include "core/session_store.h"


#define NGX_HTTP_AUTH_EXTRANET_LEGACY_UNLINKED  0
#define NGX_HTTP_AUTH_EXTRANET_LEGACY_ALL       1

#define NGX_HTTP_AUTH_EXTRANET_HEADERS          6

/* after a refresh found the database unavailable, valid cookies pass
 * without a refresh for this long (at most the refresh interval), rather
 * than each waiting for a timeout */
#define NGX_HTTP_AUTH_EXTRANET_DB_BACKOFF       30


static ngx_int_t ngx_http_auth_extranet_handler(ngx_http_request_t *r);
static void ngx_http_auth_extranet_refresh_done(ngx_http_request_t *r,
    bool failed);
static ngx_int_t ngx_http_auth_extranet_deny(ngx_http_request_t *r,
    ngx_http_auth_extranet_main_conf_t *amcf);
static bool ngx_http_auth_extranet_prefixed(ngx_str_t *name,
    ngx_str_t *prefix);
static ngx_int_t ngx_http_auth_extranet_set_headers(ngx_http_request_t *r,
    ngx_http_auth_extranet_main_conf_t *amcf,
    ngx_http_auth_extranet_ctx_t *ctx, bool with_claims);
static ngx_int_t ngx_http_auth_extranet_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_auth_extranet_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);

static ngx_int_t ngx_http_auth_extranet_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_auth_extranet_init(ngx_conf_t *cf);
static void *ngx_http_auth_extranet_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_auth_extranet_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_auth_extranet_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_auth_extranet_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);

static char *ngx_http_auth_extranet_portal(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_auth_extranet_secret_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_auth_extranet_partners(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_auth_extranet_cookie(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_auth_extranet_timeouts(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_auth_extranet_limit(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_auth_extranet_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_auth_extranet_login_fields(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;

/* per worker: until when refreshes are not tried (database unavailable) */
static time_t  ngx_http_auth_extranet_db_down_until;


static ngx_conf_enum_t  ngx_http_auth_extranet_hash_schemes[] = {
    { ngx_string("scrypt"), (ngx_uint_t) extranet::HashScheme::scrypt },
    { ngx_string("pbkdf2-sha256"),
      (ngx_uint_t) extranet::HashScheme::pbkdf2_sha256 },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_auth_extranet_legacy_logins[] = {
    { ngx_string("unlinked"), NGX_HTTP_AUTH_EXTRANET_LEGACY_UNLINKED },
    { ngx_string("all"), NGX_HTTP_AUTH_EXTRANET_LEGACY_ALL },
    { ngx_null_string, 0 }
};


static ngx_conf_num_bounds_t  ngx_http_auth_extranet_min_length_bounds = {
    ngx_conf_check_num_bounds, 8, 128
};


static ngx_command_t  ngx_http_auth_extranet_commands[] = {

    { ngx_string("auth_extranet"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_loc_conf_t, enabled),
      NULL },

    { ngx_string("auth_extranet_portal"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_auth_extranet_portal,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_login_fields"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_auth_extranet_login_fields,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_db"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_main_conf_t, db),
      NULL },

    { ngx_string("auth_extranet_db_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_main_conf_t, db_timeout),
      NULL },

    { ngx_string("auth_extranet_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_main_conf_t, thread_pool_name),
      NULL },

    { ngx_string("auth_extranet_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_auth_extranet_secret_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_partners"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_auth_extranet_partners,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_password_hash"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_main_conf_t, hash_scheme),
      &ngx_http_auth_extranet_hash_schemes },

    { ngx_string("auth_extranet_password_min_length"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_main_conf_t, min_length),
      &ngx_http_auth_extranet_min_length_bounds },

    { ngx_string("auth_extranet_cookie"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_auth_extranet_cookie,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_session_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_auth_extranet_timeouts,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_legacy_login"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_main_conf_t, legacy_login),
      &ngx_http_auth_extranet_legacy_logins },

    { ngx_string("auth_extranet_limit"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_auth_extranet_limit,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_auth_extranet_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_site_url"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_main_conf_t, site_url),
      NULL },

    { ngx_string("auth_extranet_header_prefix"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_main_conf_t, header_prefix),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_auth_extranet_module_ctx = {
    ngx_http_auth_extranet_add_variables,  /* preconfiguration */
    ngx_http_auth_extranet_init,           /* postconfiguration */

    ngx_http_auth_extranet_create_main_conf, /* create main configuration */
    ngx_http_auth_extranet_init_main_conf, /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_auth_extranet_create_loc_conf, /* create location configuration */
    ngx_http_auth_extranet_merge_loc_conf  /* merge location configuration */
};


ngx_module_t  ngx_http_auth_extranet_module = {
    NGX_MODULE_V1,
    &ngx_http_auth_extranet_module_ctx,    /* module context */
    ngx_http_auth_extranet_commands,       /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* header names after the prefix, in the order of ctx->header_values */
static const char  *ngx_http_auth_extranet_header_names[] = {
    "Account", "Syndic", "Login", "Email", "Identity", "Accounts"
};


static ngx_str_t  ngx_http_auth_extranet_variable_names[] = {
    ngx_string("extranet_account"),
    ngx_string("extranet_syndic"),
    ngx_string("extranet_login_method"),
    ngx_string("extranet_email"),
    ngx_string("extranet_identity"),
    ngx_string("extranet_accounts"),
};


static ngx_int_t
ngx_http_auth_extranet_handler(ngx_http_request_t *r)
{
    bool                                 refresh_due;
    ngx_http_auth_extranet_ctx_t        *ctx;
    ngx_http_auth_extranet_loc_conf_t   *alcf;
    ngx_http_auth_extranet_main_conf_t  *amcf;

    alcf = static_cast<ngx_http_auth_extranet_loc_conf_t *>(
               ngx_http_get_module_loc_conf(r, ngx_http_auth_extranet_module));

    /* the portal itself stays reachable under a server-wide "on" */
    if (!alcf->enabled || alcf->portal) {
        return NGX_DECLINED;
    }

    amcf = static_cast<ngx_http_auth_extranet_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_auth_extranet_module));

    try {
        ctx = ngx_http_auth_extranet_get_ctx(r);
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        if (ctx->pending) {
            return NGX_AGAIN;
        }

        if (ctx->refresh_done) {
            /* back from the pool thread */

            if (ctx->refresh_revoked) {
                ngx_http_auth_extranet_shm_revoke(amcf->shm_zone,
                    extranet::session_key(ctx->claims->session_id),
                    ngx_time() + amcf->absolute);
                ctx->claims.reset();
                return ngx_http_auth_extranet_deny(r, amcf);
            }

            if (ctx->refreshed) {
                ctx->claims = ctx->refreshed;
                ctx->set_cookie = extranet::session_cookie(*amcf->settings,
                                                           *ctx->claims);
            }

            return ngx_http_auth_extranet_set_headers(r, amcf, ctx, true);
        }

        ctx->claims = ngx_http_auth_extranet_session(r, amcf, &refresh_due);

        if (!ctx->claims) {
            if (ngx_http_auth_extranet_set_headers(r, amcf, ctx, false)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            return ngx_http_auth_extranet_deny(r, amcf);
        }

        if (!refresh_due) {
            return ngx_http_auth_extranet_set_headers(r, amcf, ctx, true);
        }

        if (ngx_time() < ngx_http_auth_extranet_db_down_until) {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth extranet: refresh skipped, database down");
            return ngx_http_auth_extranet_set_headers(r, amcf, ctx, true);
        }

        /* re-check the session row, off the event loop */

        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth extranet: refreshing session");

        extranet::Settings *settings = amcf->settings;
        extranet::SessionClaims claims = *ctx->claims;
        uint64_t now = ngx_time();

        auto work = [ctx, settings, claims, now]() {
            try {
                extranet::Database &db = extranet::thread_database(
                    settings->conninfo, settings->db_timeout);
                db.check_connection();

                ctx->refreshed = extranet::refresh_session(db, *settings,
                                                           claims, now);
                ctx->refresh_revoked = !ctx->refreshed;

            } catch (const std::exception &e) {
                /* database unavailable: the valid cookie keeps working */
                ctx->refreshed.reset();
                ctx->refresh_revoked = false;
                ctx->refresh_error = e.what();
            }
        };

        ctx->pending = true;

        if (ngx_http_auth_extranet_post(r, amcf, std::move(work),
                                        ngx_http_auth_extranet_refresh_done)
            != NGX_OK)
        {
            ctx->pending = false;
            return NGX_ERROR;
        }

        return NGX_AGAIN;

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "auth extranet: %s", e.what());
        return NGX_ERROR;
    }
}


static void
ngx_http_auth_extranet_refresh_done(ngx_http_request_t *r, bool failed)
{
    time_t                               backoff;
    ngx_http_auth_extranet_ctx_t        *ctx;
    ngx_http_auth_extranet_main_conf_t  *amcf;

    ctx = static_cast<ngx_http_auth_extranet_ctx_t *>(
              ngx_http_get_module_ctx(r, ngx_http_auth_extranet_module));

    ctx->pending = false;
    ctx->refresh_done = true;

    if (failed || (!ctx->refresh_revoked && !ctx->refreshed)) {
        amcf = static_cast<ngx_http_auth_extranet_main_conf_t *>(
                   ngx_http_get_module_main_conf(r,
                                               ngx_http_auth_extranet_module));
        backoff = ngx_min(amcf->refresh, NGX_HTTP_AUTH_EXTRANET_DB_BACKOFF);

        ngx_http_auth_extranet_db_down_until = ngx_time() + backoff;

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth extranet: session not refreshed, database "
                      "unavailable (%s); refreshes resume in %T s",
                      ctx->refresh_error.c_str(), backoff);
    }

    r->write_event_handler(r);
}


/* no valid session: 302 to the login page for a page view, 401 JSON else */

static ngx_int_t
ngx_http_auth_extranet_deny(ngx_http_request_t *r,
    ngx_http_auth_extranet_main_conf_t *amcf)
{
    bool              json;
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_chain_t       out;
    std::string       target, body;
    ngx_table_elt_t  *h;

    json = !(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD));

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

    target.assign((char *) amcf->portal_prefix.data, amcf->portal_prefix.len);
    target += "login";

    if (!json) {
        target += "?next=";
        target += extranet::url_encode(
            std::string((char *) r->unparsed_uri.data, r->unparsed_uri.len));

        h = static_cast<ngx_table_elt_t *>(
                ngx_list_push(&r->headers_out.headers));
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Location");
        h->value.len = target.size();
        h->value.data = static_cast<u_char *>(ngx_pnalloc(r->pool, target.size()));
        if (h->value.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(h->value.data, target.data(), target.size());
#if (nginx_version >= 1023000)
        h->next = NULL;
#endif

        ngx_http_clear_location(r);
        r->headers_out.location = h;

        return NGX_HTTP_MOVED_TEMPORARILY;
    }

    body = "{\"error\":\"unauthenticated\",\"message\":\"Veuillez vous "
           "connecter.\",\"login\":" + extranet::json_string(target) + "}";

    r->headers_out.status = NGX_HTTP_UNAUTHORIZED;
    r->headers_out.content_length_n = body.size();
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    b = ngx_create_temp_buf(r->pool, body.size());
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->last = ngx_cpymem(b->pos, body.data(), body.size());
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    ngx_http_finalize_request(r, ngx_http_output_filter(r, &out));
    return NGX_DONE;
}


/*
 * Whether a header name starts with the prefix, ignoring case and taking
 * "_" for "-": with underscores_in_headers on, "X_Extranet_Email" would
 * otherwise reach a FastCGI app as HTTP_X_EXTRANET_EMAIL.
 */

static bool
ngx_http_auth_extranet_prefixed(ngx_str_t *name, ngx_str_t *prefix)
{
    u_char  a, b;

    if (name->len < prefix->len) {
        return false;
    }

    for (size_t i = 0; i < prefix->len; i++) {
        a = ngx_tolower(name->data[i]);
        b = ngx_tolower(prefix->data[i]);

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


/*
 * Rebuilds the request's header list without any header of the prefix and
 * without the session cookie, then (with_claims) adds the session's headers.
 */

static ngx_int_t
ngx_http_auth_extranet_set_headers(ngx_http_request_t *r,
    ngx_http_auth_extranet_main_conf_t *amcf,
    ngx_http_auth_extranet_ctx_t *ctx, bool with_claims)
{
    size_t            len;
    ngx_uint_t        i, n;
    ngx_list_t        old;
    std::string       cookies, name;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *nh;

    n = 0;
    for (part = &r->headers_in.headers.part; part; part = part->next) {
        n += part->nelts;
    }

    std::string cookie_name = amcf->settings->cookie.name;

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

            if (ngx_http_auth_extranet_prefixed(&h[i].key,
                                                &amcf->header_prefix))
            {
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

            if (h[i].key.len == sizeof("Cookie") - 1
                && ngx_strncasecmp(h[i].key.data, (u_char *) "Cookie",
                                   sizeof("Cookie") - 1) == 0)
            {
                extranet::StrippedCookies stripped = extranet::strip_cookie(
                    std::string_view((char *) h[i].value.data, h[i].value.len),
                    cookie_name);

                if (!stripped.removed) {
                    continue;
                }

                cookies = std::move(stripped.value);

                if (cookies.empty()) {
                    r->headers_in.headers.last->nelts--;
                    continue;
                }

                nh->value.len = cookies.size();
                nh->value.data = static_cast<u_char *>(
                                     ngx_pnalloc(r->pool, cookies.size()));
                if (nh->value.data == NULL) {
                    return NGX_ERROR;
                }

                ngx_memcpy(nh->value.data, cookies.data(), cookies.size());
            }
        }
    }

    /* $http_cookie and $cookie_* read these: point them at the new list */
#if (nginx_version >= 1023000)
    ngx_table_elt_t  **tail = &r->headers_in.cookie;

    *tail = NULL;
#else
    r->headers_in.cookies.nelts = 0;
#endif

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = static_cast<ngx_table_elt_t *>(part->elts);

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len != sizeof("Cookie") - 1
                || ngx_strncasecmp(h[i].key.data, (u_char *) "Cookie",
                                   sizeof("Cookie") - 1) != 0)
            {
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

        name.assign((char *) amcf->header_prefix.data, amcf->header_prefix.len);
        name += ngx_http_auth_extranet_header_names[i];

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


ngx_http_auth_extranet_ctx_t *
ngx_http_auth_extranet_get_ctx(ngx_http_request_t *r)
{
    ngx_http_auth_extranet_ctx_t  *ctx;

    ctx = static_cast<ngx_http_auth_extranet_ctx_t *>(
              ngx_http_get_module_ctx(r, ngx_http_auth_extranet_module));

    if (ctx) {
        return ctx;
    }

    ctx = ngx_http_auth_extranet_pool_new<ngx_http_auth_extranet_ctx_t>(
              r->pool);
    if (ctx == NULL) {
        return NULL;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_auth_extranet_module);

    return ctx;
}


/*
 * The session of the request's cookie: the seal verified with the key ring,
 * the timeouts checked, and not revoked on this node. No database work.
 */

std::optional<extranet::SessionClaims>
ngx_http_auth_extranet_session(ngx_http_request_t *r,
    ngx_http_auth_extranet_main_conf_t *amcf, bool *refresh_due)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    *refresh_due = false;

    const extranet::Settings &s = *amcf->settings;
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

    std::optional<extranet::SessionClaims> claims;
    bool due = false;

    for (const std::string &token : tokens) {
        if (token.empty()) {
            continue;
        }

        claims = s.keys->open(token);

        if (!claims) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "auth extranet: session cookie refused (forged, "
                          "truncated or of an unknown key)");
            continue;
        }

        due = false;

        switch (extranet::token_state(*claims, s.timeouts, ngx_time())) {

        case extranet::TokenState::expired:
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth extranet: session expired");
            claims.reset();
            continue;

        case extranet::TokenState::refresh_due:
            due = true;
            break;

        case extranet::TokenState::valid:
            break;
        }

        if (ngx_http_auth_extranet_shm_revoked(amcf->shm_zone,
                extranet::session_key(claims->session_id)))
        {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth extranet: session revoked");
            claims.reset();
            continue;
        }

        *refresh_due = due;
        return claims;
    }

    return std::nullopt;
}


static ngx_int_t
ngx_http_auth_extranet_header_filter(ngx_http_request_t *r)
{
    ngx_table_elt_t               *h;
    ngx_http_auth_extranet_ctx_t  *ctx;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    ctx = static_cast<ngx_http_auth_extranet_ctx_t *>(
              ngx_http_get_module_ctx(r, ngx_http_auth_extranet_module));

    if (ctx == NULL || ctx->set_cookie.empty()) {
        return ngx_http_next_header_filter(r);
    }

    h = static_cast<ngx_table_elt_t *>(ngx_list_push(&r->headers_out.headers));
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Set-Cookie");
    h->value.len = ctx->set_cookie.size();
    h->value.data = (u_char *) ctx->set_cookie.data();
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_auth_extranet_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_auth_extranet_ctx_t  *ctx;

    ctx = static_cast<ngx_http_auth_extranet_ctx_t *>(
              ngx_http_get_module_ctx(r->main, ngx_http_auth_extranet_module));

    if (ctx == NULL || !ctx->claims || ctx->header_values[data].empty()) {
        v->not_found = 1;
        return NGX_OK;
    }

    const std::string &value = ctx->header_values[data];

    v->len = value.size();
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = (u_char *) value.data();

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_extranet_add_variables(ngx_conf_t *cf)
{
    ngx_uint_t            i;
    ngx_http_variable_t  *var;

    for (i = 0; i < NGX_HTTP_AUTH_EXTRANET_HEADERS; i++) {
        var = ngx_http_add_variable(cf, &ngx_http_auth_extranet_variable_names[i],
                                    NGX_HTTP_VAR_NOCACHEABLE);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = ngx_http_auth_extranet_variable;
        var->data = i;
    }

    return NGX_OK;
}


static void *
ngx_http_auth_extranet_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_auth_extranet_main_conf_t  *amcf;

    amcf = static_cast<ngx_http_auth_extranet_main_conf_t *>(
               ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_extranet_main_conf_t)));
    if (amcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     amcf->db = { 0, NULL };
     *     amcf->thread_pool_name = { 0, NULL };
     *     amcf->header_prefix = { 0, NULL };
     *     amcf->cookie_name = { 0, NULL };
     *     amcf->cookie_samesite = { 0, NULL };
     *     amcf->cookie_domain = { 0, NULL };
     *     amcf->portal_prefix = { 0, NULL };
     *     amcf->secrets = NULL;
     *     amcf->shm_zone = NULL;
     *     amcf->settings = NULL;
     *     amcf->used = 0;
     */

    amcf->db_timeout = NGX_CONF_UNSET_MSEC;
    amcf->hash_scheme = NGX_CONF_UNSET_UINT;
    amcf->min_length = NGX_CONF_UNSET_UINT;
    amcf->legacy_login = NGX_CONF_UNSET_UINT;
    amcf->cookie_secure = NGX_CONF_UNSET;
    amcf->idle = NGX_CONF_UNSET;
    amcf->absolute = NGX_CONF_UNSET;
    amcf->refresh = NGX_CONF_UNSET;
    amcf->limit_identifier = NGX_CONF_UNSET_UINT;
    amcf->limit_address = NGX_CONF_UNSET_UINT;
    amcf->limit_window = NGX_CONF_UNSET;
    amcf->limit_lockout = NGX_CONF_UNSET;

    try {
        amcf->partners =
            ngx_http_auth_extranet_pool_new<extranet::PartnerRules>(cf->pool);

    } catch (const std::exception &e) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", e.what());
        return NULL;
    }

    if (amcf->partners == NULL) {
        return NULL;
    }

    return amcf;
}


static char *
ngx_http_auth_extranet_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_auth_extranet_main_conf_t *amcf =
        static_cast<ngx_http_auth_extranet_main_conf_t *>(conf);

    ngx_conf_init_msec_value(amcf->db_timeout, 5000);
    ngx_conf_init_uint_value(amcf->hash_scheme,
                             (ngx_uint_t) extranet::HashScheme::scrypt);
    ngx_conf_init_uint_value(amcf->min_length, 12);
    ngx_conf_init_uint_value(amcf->legacy_login,
                             NGX_HTTP_AUTH_EXTRANET_LEGACY_UNLINKED);
    ngx_conf_init_value(amcf->cookie_secure, 1);
    ngx_conf_init_value(amcf->idle, 30 * 60);
    ngx_conf_init_value(amcf->absolute, 12 * 60 * 60);
    ngx_conf_init_value(amcf->refresh, 5 * 60);
    ngx_conf_init_uint_value(amcf->limit_identifier, 5);
    ngx_conf_init_uint_value(amcf->limit_address, 50);
    ngx_conf_init_value(amcf->limit_window, 15 * 60);
    ngx_conf_init_value(amcf->limit_lockout, 15 * 60);

    if (amcf->thread_pool_name.data == NULL) {
        ngx_str_set(&amcf->thread_pool_name, "default");
    }

    if (amcf->header_prefix.data == NULL) {
        ngx_str_set(&amcf->header_prefix, "X-Extranet-");
    }

    /* links in mails: "https://host[:port]", no path, no trailing slash */
    if (amcf->site_url.len) {
        u_char  *p = amcf->site_url.data;
        size_t   len = amcf->site_url.len;
        size_t   skip = 0;

        if (len > 8 && ngx_strncmp(p, "https://", 8) == 0) {
            skip = 8;

        } else if (len > 7 && ngx_strncmp(p, "http://", 7) == 0) {
            skip = 7;
        }

        for (size_t i = skip; skip && i < len; i++) {
            if (!(isalnum(p[i]) || p[i] == '.' || p[i] == '-' || p[i] == ':'
                  || p[i] == '[' || p[i] == ']'))
            {
                skip = 0;
            }
        }

        if (skip == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid auth_extranet_site_url \"%V\": "
                               "\"https://host[:port]\" expected",
                               &amcf->site_url);
            return static_cast<char *>(NGX_CONF_ERROR);
        }
    }

    /* an empty prefix would strip every client header */
    if (amcf->header_prefix.len < 2) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet_header_prefix must not be empty");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    for (size_t i = 0; i < amcf->header_prefix.len; i++) {
        u_char ch = amcf->header_prefix.data[i];

        if (!(isalnum(ch) || ch == '-' || ch == '_')) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid auth_extranet_header_prefix \"%V\"",
                               &amcf->header_prefix);
            return static_cast<char *>(NGX_CONF_ERROR);
        }
    }

    if (amcf->cookie_name.data == NULL) {
        ngx_str_set(&amcf->cookie_name, "extranet_session");
    }

    if (amcf->cookie_samesite.data == NULL) {
        ngx_str_set(&amcf->cookie_samesite, "Lax");
    }

    if (amcf->portal_prefix.data == NULL) {
        ngx_str_set(&amcf->portal_prefix, "/auth/");
    }

    if (amcf->refresh > amcf->idle || amcf->idle > amcf->absolute) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet_session_timeout: refresh must not "
                           "exceed idle, nor idle absolute");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    try {
        extranet::Settings *s =
            ngx_http_auth_extranet_pool_new<extranet::Settings>(cf->pool);
        if (s == NULL) {
            return static_cast<char *>(NGX_CONF_ERROR);
        }

        s->conninfo.assign((char *) amcf->db.data, amcf->db.len);
        s->db_timeout = std::chrono::milliseconds(amcf->db_timeout);
        s->hash.scheme = static_cast<extranet::HashScheme>(amcf->hash_scheme);
        s->password_min_length = amcf->min_length;
        s->cookie.name.assign((char *) amcf->cookie_name.data,
                              amcf->cookie_name.len);
        s->cookie.secure = amcf->cookie_secure;
        s->cookie.same_site.assign((char *) amcf->cookie_samesite.data,
                                   amcf->cookie_samesite.len);
        s->cookie.domain.assign((char *) amcf->cookie_domain.data,
                                amcf->cookie_domain.len);
        s->timeouts.idle = amcf->idle;
        s->timeouts.absolute = amcf->absolute;
        s->timeouts.refresh = amcf->refresh;
        s->legacy_login_all =
            (amcf->legacy_login == NGX_HTTP_AUTH_EXTRANET_LEGACY_ALL);
        s->partners = *amcf->partners;
        s->header_prefix.assign((char *) amcf->header_prefix.data,
                                amcf->header_prefix.len);
        s->site_url.assign((char *) amcf->site_url.data, amcf->site_url.len);
        s->limit_window = amcf->limit_window;
        s->lockout.identifier = amcf->limit_identifier;
        s->lockout.address = amcf->limit_address;
        s->lockout.window = amcf->limit_window;
        s->lockout.lockout = amcf->limit_lockout;

        if (amcf->secrets) {
            std::vector<std::string> keys;
            std::string **secret =
                static_cast<std::string **>(amcf->secrets->elts);

            for (ngx_uint_t i = 0; i < amcf->secrets->nelts; i++) {
                keys.push_back(*secret[i]);

                /* the key ring keeps the only copy */
                ngx_explicit_memzero(&(*secret[i])[0], secret[i]->size());
            }

            s->keys = std::make_shared<const extranet::KeyRing>(std::move(keys));
        }

        /* catches a bad cookie setting now rather than at the first login */
        extranet::set_cookie(s->cookie, "x", 1);

        amcf->settings = s;

    } catch (const std::exception &e) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "auth_extranet: %s", e.what());
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_auth_extranet_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_auth_extranet_loc_conf_t  *conf;

    conf = static_cast<ngx_http_auth_extranet_loc_conf_t *>(
               ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_extranet_loc_conf_t)));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->login_field = { 0, NULL };
     *     conf->password_field = { 0, NULL };
     */

    conf->enabled = NGX_CONF_UNSET;
    conf->portal = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_auth_extranet_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_auth_extranet_loc_conf_t *prev =
        static_cast<ngx_http_auth_extranet_loc_conf_t *>(parent);
    ngx_http_auth_extranet_loc_conf_t *conf =
        static_cast<ngx_http_auth_extranet_loc_conf_t *>(child);

    ngx_http_auth_extranet_main_conf_t  *amcf;

    ngx_conf_merge_value(conf->enabled, prev->enabled, 0);
    ngx_conf_merge_value(conf->portal, prev->portal, 0);
    ngx_conf_merge_str_value(conf->login_field, prev->login_field, "login");
    ngx_conf_merge_str_value(conf->password_field, prev->password_field,
                             "password");

    if (conf->enabled || conf->portal) {
        amcf = static_cast<ngx_http_auth_extranet_main_conf_t *>(
                   ngx_http_conf_get_module_main_conf(cf,
                                               ngx_http_auth_extranet_module));
        amcf->used = 1;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_auth_extranet_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt                 *h;
    ngx_http_core_main_conf_t           *cmcf;
    ngx_http_auth_extranet_main_conf_t  *amcf;

    amcf = static_cast<ngx_http_auth_extranet_main_conf_t *>(
               ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_auth_extranet_module));

    if (!amcf->used) {
        return NGX_OK;
    }

    if (amcf->settings->keys == nullptr) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet needs \"auth_extranet_secret_file\" "
                           "with at least 32 random bytes");
        return NGX_ERROR;
    }

    if (amcf->db.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet needs \"auth_extranet_db\"");
        return NGX_ERROR;
    }

    /* links in mails never come from a client's Host header */
    if (amcf->portal && amcf->site_url.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet_portal needs \"auth_extranet_site_url\","
                           " the site's address for links in mails, e.g. "
                           "\"auth_extranet_site_url https://extranet.example.org;\"");
        return NGX_ERROR;
    }

    /* the zone and the pool exist only where the module is used */
    if (amcf->shm_zone == NULL) {
        ngx_str_t  name = ngx_string("auth_extranet");

        amcf->shm_zone = ngx_shared_memory_add(cf, &name, 4 * 1024 * 1024,
                                               &ngx_http_auth_extranet_module);
        if (amcf->shm_zone == NULL) {
            return NGX_ERROR;
        }

        amcf->shm_zone->init = ngx_http_auth_extranet_shm_init;
    }

    amcf->thread_pool = ngx_thread_pool_add(cf, &amcf->thread_pool_name);
    if (amcf->thread_pool == NULL) {
        return NGX_ERROR;
    }

    cmcf = static_cast<ngx_http_core_main_conf_t *>(
               ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module));

    h = static_cast<ngx_http_handler_pt *>(
            ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers));
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_auth_extranet_handler;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_auth_extranet_header_filter;

    return NGX_OK;
}


static char *
ngx_http_auth_extranet_portal(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_extranet_loc_conf_t *alcf =
        static_cast<ngx_http_auth_extranet_loc_conf_t *>(conf);

    ngx_http_core_loc_conf_t            *clcf;
    ngx_http_auth_extranet_main_conf_t  *amcf;

    if (alcf->portal != NGX_CONF_UNSET) {
        return const_cast<char *>("is duplicate");
    }

    clcf = static_cast<ngx_http_core_loc_conf_t *>(
               ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));

    if (clcf->name.len == 0 || clcf->name.data[clcf->name.len - 1] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet_portal needs a prefix location "
                           "ending with \"/\", e.g. \"location /auth/\"");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    alcf->portal = 1;
    clcf->handler = ngx_http_auth_extranet_portal_handler;

    amcf = static_cast<ngx_http_auth_extranet_main_conf_t *>(
               ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_auth_extranet_module));
    if (amcf->portal_prefix.data == NULL) {
        amcf->portal_prefix = clcf->name;
    }

    amcf->portal = 1;

    return NGX_CONF_OK;
}


static char *
ngx_http_auth_extranet_login_fields(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_extranet_loc_conf_t *alcf =
        static_cast<ngx_http_auth_extranet_loc_conf_t *>(conf);

    ngx_str_t  *value;

    if (alcf->login_field.data) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    for (ngx_uint_t i = 1; i < 3; i++) {
        for (size_t j = 0; j < value[i].len; j++) {
            u_char ch = value[i].data[j];

            if (!(isalnum(ch) || ch == '_' || ch == '-' || ch == '.'
                  || ch == '[' || ch == ']'))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid field name \"%V\"", &value[i]);
                return static_cast<char *>(NGX_CONF_ERROR);
            }
        }
    }

    alcf->login_field = value[1];
    alcf->password_field = value[2];

    return NGX_CONF_OK;
}


static char *
ngx_http_auth_extranet_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_extranet_main_conf_t *amcf =
        static_cast<ngx_http_auth_extranet_main_conf_t *>(conf);

    ngx_str_t     *value, path;
    std::string  **secret;

    if (amcf->secrets) {
        return const_cast<char *>("is duplicate");
    }

    amcf->secrets = ngx_array_create(cf->pool, cf->args->nelts,
                                     sizeof(std::string *));
    if (amcf->secrets == NULL) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    for (ngx_uint_t i = 1; i < cf->args->nelts; i++) {
        path = value[i];

        if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
            return static_cast<char *>(NGX_CONF_ERROR);
        }

        try {
            std::string name((char *) path.data, path.len);
            std::ifstream in(name, std::ios::binary);

            if (!in) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                                   "auth_extranet_secret_file \"%V\" "
                                   "cannot be read", &path);
                return static_cast<char *>(NGX_CONF_ERROR);
            }

            std::string *key =
                ngx_http_auth_extranet_pool_new<std::string>(cf->pool);
            if (key == NULL) {
                return static_cast<char *>(NGX_CONF_ERROR);
            }

            key->assign(std::istreambuf_iterator<char>(in),
                        std::istreambuf_iterator<char>());

            if (key->size() < 32) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "auth_extranet_secret_file \"%V\" is too "
                                   "short: %uz bytes, at least 32 random "
                                   "bytes are needed (head -c 32 /dev/urandom)",
                                   &path, key->size());
                return static_cast<char *>(NGX_CONF_ERROR);
            }

            secret = static_cast<std::string **>(ngx_array_push(amcf->secrets));
            if (secret == NULL) {
                return static_cast<char *>(NGX_CONF_ERROR);
            }

            *secret = key;

        } catch (const std::exception &e) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "auth_extranet_secret_file \"%V\": %s",
                               &path, e.what());
            return static_cast<char *>(NGX_CONF_ERROR);
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_auth_extranet_partners(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_extranet_main_conf_t *amcf =
        static_cast<ngx_http_auth_extranet_main_conf_t *>(conf);

    ngx_str_t  *value;

    value = static_cast<ngx_str_t *>(cf->args->elts);

    try {
        std::vector<std::string> syndics;

        for (ngx_uint_t i = 2; i < cf->args->nelts; i++) {
            syndics.emplace_back((char *) value[i].data, value[i].len);
        }

        amcf->partners->add_group(
            std::string((char *) value[1].data, value[1].len),
            std::move(syndics));

    } catch (const std::exception &e) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet_partners \"%V\": %s",
                           &value[1], e.what());
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


/* "key=value" arguments: the value of key, or NULL when it is another key */

static ngx_str_t *
ngx_http_auth_extranet_param(ngx_str_t *arg, const char *key, ngx_str_t *out)
{
    size_t  len = ngx_strlen(key);

    if (arg->len <= len || arg->data[len] != '='
        || ngx_strncmp(arg->data, key, len) != 0)
    {
        return NULL;
    }

    out->data = arg->data + len + 1;
    out->len = arg->len - len - 1;

    return out;
}


static char *
ngx_http_auth_extranet_cookie(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_extranet_main_conf_t *amcf =
        static_cast<ngx_http_auth_extranet_main_conf_t *>(conf);

    ngx_str_t  *value, v;

    if (amcf->cookie_name.data || amcf->cookie_secure != NGX_CONF_UNSET) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    for (ngx_uint_t i = 1; i < cf->args->nelts; i++) {

        if (ngx_http_auth_extranet_param(&value[i], "name", &v)) {
            amcf->cookie_name = v;

        } else if (ngx_http_auth_extranet_param(&value[i], "secure", &v)) {
            if (v.len == 2 && ngx_strncmp(v.data, "on", 2) == 0) {
                amcf->cookie_secure = 1;

            } else if (v.len == 3 && ngx_strncmp(v.data, "off", 3) == 0) {
                amcf->cookie_secure = 0;

            } else {
                goto invalid;
            }

        } else if (ngx_http_auth_extranet_param(&value[i], "samesite", &v)) {
            if (!((v.len == 3 && ngx_strncasecmp(v.data, (u_char *) "Lax", 3) == 0)
                  || (v.len == 6
                      && ngx_strncasecmp(v.data, (u_char *) "Strict", 6) == 0)
                  || (v.len == 4
                      && ngx_strncasecmp(v.data, (u_char *) "None", 4) == 0)))
            {
                goto invalid;
            }

            amcf->cookie_samesite = v;

        } else if (ngx_http_auth_extranet_param(&value[i], "domain", &v)) {
            amcf->cookie_domain = v;

        } else {
            goto invalid;
        }

        continue;

    invalid:

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    if (amcf->cookie_secure == 0 && amcf->cookie_samesite.len == 4) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"samesite=None\" needs \"secure=on\"");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_auth_extranet_timeouts(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_extranet_main_conf_t *amcf =
        static_cast<ngx_http_auth_extranet_main_conf_t *>(conf);

    time_t      *slot, t;
    ngx_str_t   *value, v;

    if (amcf->idle != NGX_CONF_UNSET) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    for (ngx_uint_t i = 1; i < cf->args->nelts; i++) {

        if (ngx_http_auth_extranet_param(&value[i], "idle", &v)) {
            slot = &amcf->idle;

        } else if (ngx_http_auth_extranet_param(&value[i], "absolute", &v)) {
            slot = &amcf->absolute;

        } else if (ngx_http_auth_extranet_param(&value[i], "refresh", &v)) {
            slot = &amcf->refresh;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return static_cast<char *>(NGX_CONF_ERROR);
        }

        t = ngx_parse_time(&v, 1);
        if (t == (time_t) NGX_ERROR || t <= 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid time \"%V\"", &value[i]);
            return static_cast<char *>(NGX_CONF_ERROR);
        }

        *slot = t;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_auth_extranet_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_extranet_main_conf_t *amcf =
        static_cast<ngx_http_auth_extranet_main_conf_t *>(conf);

    time_t      t;
    ngx_int_t   n;
    ngx_str_t  *value, v;

    if (amcf->limit_window != NGX_CONF_UNSET
        || amcf->limit_identifier != NGX_CONF_UNSET_UINT)
    {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    for (ngx_uint_t i = 1; i < cf->args->nelts; i++) {

        if (ngx_http_auth_extranet_param(&value[i], "identifier", &v)
            || ngx_http_auth_extranet_param(&value[i], "address", &v))
        {
            n = ngx_atoi(v.data, v.len);
            if (n == NGX_ERROR) {
                goto invalid;
            }

            if (value[i].data[0] == 'i') {
                amcf->limit_identifier = n;

            } else {
                amcf->limit_address = n;
            }

            continue;
        }

        if (ngx_http_auth_extranet_param(&value[i], "window", &v)
            || ngx_http_auth_extranet_param(&value[i], "lockout", &v))
        {
            t = ngx_parse_time(&v, 1);
            if (t == (time_t) NGX_ERROR || t <= 0) {
                goto invalid;
            }

            if (value[i].data[0] == 'w') {
                amcf->limit_window = t;

            } else {
                amcf->limit_lockout = t;
            }

            continue;
        }

        goto invalid;

    invalid:

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_auth_extranet_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_extranet_main_conf_t *amcf =
        static_cast<ngx_http_auth_extranet_main_conf_t *>(conf);

    ssize_t     size;
    ngx_str_t  *value;

    if (amcf->shm_zone) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    size = ngx_parse_size(&value[2]);

    if (size == NGX_ERROR || size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\"", &value[2]);
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    amcf->shm_zone = ngx_shared_memory_add(cf, &value[1], size,
                                           &ngx_http_auth_extranet_module);
    if (amcf->shm_zone == NULL) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    amcf->shm_zone->init = ngx_http_auth_extranet_shm_init;

    return NGX_CONF_OK;
}
