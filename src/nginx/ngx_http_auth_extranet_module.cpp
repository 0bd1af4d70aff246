/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: sessions for a legacy extranet.
 *
 * This file: the module, its directives table, the locations'
 * configuration, and what the module hooks into nginx once configured (the
 * sites' checks are in _site.cpp).
 */

#include "nginx/ngx_http_auth_extranet.h"

#include "core/primitives/password.h"



static ngx_int_t ngx_http_auth_extranet_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_auth_extranet_init_process(ngx_cycle_t *cycle);
static void ngx_http_auth_extranet_exit_process(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_auth_extranet_init(ngx_conf_t *cf);
static void *ngx_http_auth_extranet_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_auth_extranet_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);


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


static ngx_conf_post_t  ngx_http_auth_extranet_site_url_post = {
    ngx_http_auth_extranet_check_site_url
};


static ngx_conf_post_t  ngx_http_auth_extranet_header_prefix_post = {
    ngx_http_auth_extranet_check_header_prefix
};


/* a site directive: at http and server level, inherited by each server */
#define NGX_HTTP_AUTH_EXTRANET_SITE_CONF  (NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF)


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

    { ngx_string("auth_extranet_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_auth_extranet_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_db"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_srv_conf_t, db),
      NULL },

    { ngx_string("auth_extranet_db_timeout"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_srv_conf_t, db_timeout),
      NULL },

    { ngx_string("auth_extranet_db_prepared_statements"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_srv_conf_t, db_prepared_statements),
      NULL },

    { ngx_string("auth_extranet_feed_interval"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_srv_conf_t, feed_interval),
      NULL },

    { ngx_string("auth_extranet_thread_pool"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_srv_conf_t, thread_pool_name),
      NULL },

    { ngx_string("auth_extranet_hash_thread_pool"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_srv_conf_t, hash_pool_name),
      NULL },

    { ngx_string("auth_extranet_secret_file"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_1MORE,
      ngx_http_auth_extranet_secret_file,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_partners"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_2MORE,
      ngx_http_auth_extranet_partners,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_password_hash"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_srv_conf_t, hash_scheme),
      &ngx_http_auth_extranet_hash_schemes },

    { ngx_string("auth_extranet_password_min_length"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_srv_conf_t, min_length),
      &ngx_http_auth_extranet_min_length_bounds },

    { ngx_string("auth_extranet_cookie"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_1MORE,
      ngx_http_auth_extranet_cookie,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_session_timeout"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_1MORE,
      ngx_http_auth_extranet_timeouts,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_legacy_login"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_srv_conf_t, legacy_login),
      &ngx_http_auth_extranet_legacy_logins },

    { ngx_string("auth_extranet_limit"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_1MORE,
      ngx_http_auth_extranet_limit,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_zone"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_TAKE2,
      ngx_http_auth_extranet_zone,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_extranet_site_url"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_srv_conf_t, site_url),
      &ngx_http_auth_extranet_site_url_post },

    { ngx_string("auth_extranet_header_prefix"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_srv_conf_t, header_prefix),
      &ngx_http_auth_extranet_header_prefix_post },

    { ngx_string("auth_extranet_theme"),
      NGX_HTTP_AUTH_EXTRANET_SITE_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_auth_extranet_srv_conf_t, theme),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_auth_extranet_module_ctx = {
    ngx_http_auth_extranet_preconfiguration, /* preconfiguration */
    ngx_http_auth_extranet_init,           /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    ngx_http_auth_extranet_create_srv_conf, /* create server configuration */
    ngx_http_auth_extranet_merge_srv_conf, /* merge server configuration */

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
    ngx_http_auth_extranet_init_process,   /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_auth_extranet_exit_process,   /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* whether a site of this configuration hashes passwords in a pool */
ngx_uint_t  ngx_http_auth_extranet_hashing;


/*
 * A worker that hashes passwords keeps the hashes' memory in its threads'
 * arenas: no mmap/munmap of 32 MiB per scrypt hash, whose TLB shootdowns
 * and page faults otherwise disturb the event loop (make bench measures it).
 * The hasher it forks (_hasher.cpp) inherits the setting.
 */

static ngx_int_t
ngx_http_auth_extranet_init_process(ngx_cycle_t *cycle)
{
    if (ngx_http_auth_extranet_hashing && !extranet::keep_hash_memory()) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "auth extranet: mallopt() refused to keep the password "
                      "hashes' memory in the pool threads' arenas");
    }

    ngx_http_auth_extranet_hasher_start(cycle);

    return ngx_http_auth_extranet_feed_init_process(cycle);
}


static void
ngx_http_auth_extranet_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_auth_extranet_feed_exit_process(cycle);
    ngx_http_auth_extranet_hasher_stop(cycle);
}


static ngx_int_t
ngx_http_auth_extranet_preconfiguration(ngx_conf_t *cf)
{
    ngx_http_auth_extranet_hashing = 0;

    return ngx_http_auth_extranet_add_variables(cf);
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

    ngx_http_auth_extranet_srv_conf_t  *site;

    ngx_conf_merge_value(conf->enabled, prev->enabled, 0);
    ngx_conf_merge_value(conf->portal, prev->portal, 0);
    ngx_conf_merge_str_value(conf->login_field, prev->login_field, "login");
    ngx_conf_merge_str_value(conf->password_field, prev->password_field,
                             "password");

    if (conf->enabled || conf->portal) {
        /* the server whose locations are being merged */
        site = static_cast<ngx_http_auth_extranet_srv_conf_t *>(
                   ngx_http_conf_get_module_srv_conf(cf,
                                               ngx_http_auth_extranet_module));
        site->used = 1;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_auth_extranet_init(ngx_conf_t *cf)
{
    bool                                used;
    ngx_uint_t                          s, o;
    ngx_http_handler_pt                *h;
    ngx_http_core_srv_conf_t          **cscfp;
    ngx_http_core_main_conf_t          *cmcf;
    ngx_http_auth_extranet_srv_conf_t  *site, *other;

    cmcf = static_cast<ngx_http_core_main_conf_t *>(
               ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module));

    cscfp = static_cast<ngx_http_core_srv_conf_t **>(cmcf->servers.elts);
    used = false;

    for (s = 0; s < cmcf->servers.nelts; s++) {
        site = static_cast<ngx_http_auth_extranet_srv_conf_t *>(
                   cscfp[s]->ctx->srv_conf[ngx_http_auth_extranet_module.ctx_index]);

        if (!site->used) {
            continue;
        }

        used = true;

        if (ngx_http_auth_extranet_init_site(cf, cscfp[s], site) != NGX_OK) {
            return NGX_ERROR;
        }

        for (o = 0; o < s; o++) {
            other = static_cast<ngx_http_auth_extranet_srv_conf_t *>(
                      cscfp[o]->ctx->srv_conf[ngx_http_auth_extranet_module.ctx_index]);

            if (other->used
                && ngx_http_auth_extranet_check_sites(cf, cscfp[o], other,
                                                      cscfp[s], site)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    /* nothing to hook where no server uses the module */
    if (!used) {
        return NGX_OK;
    }

    h = static_cast<ngx_http_handler_pt *>(
            ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers));
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_auth_extranet_access_handler;

    /* subrequests skip the access phase; they are checked before content */
    h = static_cast<ngx_http_handler_pt *>(
            ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers));
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_auth_extranet_precontent_handler;

    return ngx_http_auth_extranet_filter_init(cf);
}
