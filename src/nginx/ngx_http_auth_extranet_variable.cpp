/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: the $extranet_* variables, for logs and
 * custom upstream parameters. They read the main request's session, kept
 * across internal redirects and shared with subrequests.
 */

#include "nginx/ngx_http_auth_extranet.h"


static ngx_int_t ngx_http_auth_extranet_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_extranet_asset_version_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);


/* in the order of ctx->header_values */
static ngx_str_t  ngx_http_auth_extranet_variable_names[] = {
    ngx_string("extranet_account"),
    ngx_string("extranet_syndic"),
    ngx_string("extranet_login_method"),
    ngx_string("extranet_email"),
    ngx_string("extranet_identity"),
    ngx_string("extranet_accounts"),
};


ngx_int_t
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

    /* for the sub_filter snippet: menu.js?v=$extranet_asset_version */
    static ngx_str_t  version = ngx_string("extranet_asset_version");

    var = ngx_http_add_variable(cf, &version, 0);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_auth_extranet_asset_version_variable;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_extranet_asset_version_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const std::string  *version;

    ngx_http_auth_extranet_srv_conf_t  *site;

    site = static_cast<ngx_http_auth_extranet_srv_conf_t *>(
               ngx_http_get_module_srv_conf(r, ngx_http_auth_extranet_module));

    try {
        /* the version of this site's theme: its menu.js may differ */
        version = (site->settings && site->settings->theme)
                  ? &site->settings->theme->version()
                  : &extranet::asset_version();

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "auth extranet: %s", e.what());
        return NGX_ERROR;
    }

    v->len = version->size();
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = (u_char *) version->data();

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_extranet_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_auth_extranet_ctx_t  *ctx;

    ctx = ngx_http_auth_extranet_find_ctx(r->main);

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
