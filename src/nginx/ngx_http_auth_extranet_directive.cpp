/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: the directives that need their own parser
 * (the others use nginx's stock slot functions in the commands table).
 */

#include "nginx/ngx_http_auth_extranet.h"

#include <fstream>
#include <iterator>
#include <vector>


static ngx_str_t *ngx_http_auth_extranet_param(ngx_str_t *arg,
    const char *key, ngx_str_t *out);


char *
ngx_http_auth_extranet_portal(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_extranet_loc_conf_t *alcf =
        static_cast<ngx_http_auth_extranet_loc_conf_t *>(conf);

    ngx_http_core_loc_conf_t           *clcf;
    ngx_http_auth_extranet_srv_conf_t  *site;

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

    /* the server's portal: where its protected locations send logins */
    site = static_cast<ngx_http_auth_extranet_srv_conf_t *>(
               ngx_http_conf_get_module_srv_conf(cf,
                                                 ngx_http_auth_extranet_module));

    if (site->portal_prefix.data == NULL) {
        site->portal_prefix = clcf->name;
    }

    site->portal = 1;

    return NGX_CONF_OK;
}


char *
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


/*
 * Reads the key files into the site's key ring at once: the ring keeps the
 * only copy of the secrets, the buffers read are wiped.
 */

char *
ngx_http_auth_extranet_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_extranet_srv_conf_t *site =
        static_cast<ngx_http_auth_extranet_srv_conf_t *>(conf);

    ngx_str_t  *value, path;

    if (site->keys) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    try {
        std::vector<std::string> keys;

        struct wipe {
            std::vector<std::string> &keys;
            ~wipe() {
                for (std::string &k : keys) {
                    ngx_explicit_memzero(&k[0], k.size());
                }
            }
        } wiper{keys};

        for (ngx_uint_t i = 1; i < cf->args->nelts; i++) {
            path = value[i];

            if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
                return static_cast<char *>(NGX_CONF_ERROR);
            }

            std::string name((char *) path.data, path.len);
            std::ifstream in(name, std::ios::binary);

            if (!in) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                                   "auth_extranet_secret_file \"%V\" "
                                   "cannot be read", &path);
                return static_cast<char *>(NGX_CONF_ERROR);
            }

            keys.emplace_back(std::istreambuf_iterator<char>(in),
                              std::istreambuf_iterator<char>());

            if (keys.back().size() < 32) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "auth_extranet_secret_file \"%V\" is too "
                                   "short: %uz bytes, at least 32 random "
                                   "bytes are needed (head -c 32 /dev/urandom)",
                                   &path, keys.back().size());
                return static_cast<char *>(NGX_CONF_ERROR);
            }
        }

        site->keys = ngx_http_auth_extranet_pool_new<
                         std::shared_ptr<const extranet::KeyRing>>(cf->pool,
                         std::make_shared<const extranet::KeyRing>(keys));
        if (site->keys == NULL) {
            return static_cast<char *>(NGX_CONF_ERROR);
        }

    } catch (const std::exception &e) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet_secret_file: %s", e.what());
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


/* a server that declares partner groups has these groups only */

char *
ngx_http_auth_extranet_partners(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_extranet_srv_conf_t *site =
        static_cast<ngx_http_auth_extranet_srv_conf_t *>(conf);

    ngx_str_t  *value;

    value = static_cast<ngx_str_t *>(cf->args->elts);

    try {
        if (site->partners == NULL) {
            site->partners =
                ngx_http_auth_extranet_pool_new<extranet::PartnerRules>(
                    cf->pool);
            if (site->partners == NULL) {
                return static_cast<char *>(NGX_CONF_ERROR);
            }
        }

        std::vector<std::string> syndics;

        for (ngx_uint_t i = 2; i < cf->args->nelts; i++) {
            syndics.emplace_back((char *) value[i].data, value[i].len);
        }

        site->partners->add_group(
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


char *
ngx_http_auth_extranet_cookie(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_extranet_srv_conf_t *site =
        static_cast<ngx_http_auth_extranet_srv_conf_t *>(conf);

    ngx_str_t  *value, v;

    if (site->cookie_name.data || site->cookie_secure != NGX_CONF_UNSET) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    for (ngx_uint_t i = 1; i < cf->args->nelts; i++) {

        if (ngx_http_auth_extranet_param(&value[i], "name", &v)) {
            site->cookie_name = v;

        } else if (ngx_http_auth_extranet_param(&value[i], "secure", &v)) {
            if (v.len == 2 && ngx_strncmp(v.data, "on", 2) == 0) {
                site->cookie_secure = 1;

            } else if (v.len == 3 && ngx_strncmp(v.data, "off", 3) == 0) {
                site->cookie_secure = 0;

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

            site->cookie_samesite = v;

        } else if (ngx_http_auth_extranet_param(&value[i], "domain", &v)) {
            site->cookie_domain = v;

        } else {
            goto invalid;
        }

        continue;

    invalid:

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    /* set as a whole: what is not given takes its default, not the http's;
     * an empty name is the default one, chosen once the site is merged
     * (with the "__Host-" prefix when the cookie may carry it) */
    if (site->cookie_name.data == NULL) {
        ngx_str_set(&site->cookie_name, "");
    }

    if (site->cookie_secure == NGX_CONF_UNSET) {
        site->cookie_secure = 1;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_auth_extranet_timeouts(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_extranet_srv_conf_t *site =
        static_cast<ngx_http_auth_extranet_srv_conf_t *>(conf);

    time_t      *slot, t;
    ngx_str_t   *value, v;

    if (site->idle != NGX_CONF_UNSET) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    site->idle = 30 * 60;
    site->absolute = 12 * 60 * 60;
    site->refresh = 5 * 60;

    for (ngx_uint_t i = 1; i < cf->args->nelts; i++) {

        if (ngx_http_auth_extranet_param(&value[i], "idle", &v)) {
            slot = &site->idle;

        } else if (ngx_http_auth_extranet_param(&value[i], "absolute", &v)) {
            slot = &site->absolute;

        } else if (ngx_http_auth_extranet_param(&value[i], "refresh", &v)) {
            slot = &site->refresh;

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


char *
ngx_http_auth_extranet_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_extranet_srv_conf_t *site =
        static_cast<ngx_http_auth_extranet_srv_conf_t *>(conf);

    time_t      t;
    ngx_int_t   n;
    ngx_str_t  *value, v;

    if (site->limit_window != NGX_CONF_UNSET
        || site->limit_identifier != NGX_CONF_UNSET_UINT)
    {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    site->limit_identifier = 5;
    site->limit_address = 50;
    site->limit_hashes = 4;
    site->limit_challenges = 30;
    site->limit_refreshes = 120;
    site->limit_window = 15 * 60;
    site->limit_lockout = 15 * 60;

    for (ngx_uint_t i = 1; i < cf->args->nelts; i++) {

        if (ngx_http_auth_extranet_param(&value[i], "identifier", &v)
            || ngx_http_auth_extranet_param(&value[i], "address", &v)
            || ngx_http_auth_extranet_param(&value[i], "hashes", &v)
            || ngx_http_auth_extranet_param(&value[i], "challenges", &v)
            || ngx_http_auth_extranet_param(&value[i], "refreshes", &v))
        {
            n = ngx_atoi(v.data, v.len);
            if (n == NGX_ERROR) {
                goto invalid;
            }

            switch (value[i].data[0]) {
            case 'i':
                site->limit_identifier = n;
                break;
            case 'a':
                site->limit_address = n;
                break;
            case 'c':
                site->limit_challenges = n;     /* 0: no budget */
                break;
            case 'r':
                site->limit_refreshes = n;      /* 0: no budget */
                break;
            default:
                /* at least one: 0 would refuse every login */
                if (n == 0) {
                    goto invalid;
                }
                site->limit_hashes = n;
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
                site->limit_window = t;

            } else {
                site->limit_lockout = t;
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


char *
ngx_http_auth_extranet_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_extranet_srv_conf_t *site =
        static_cast<ngx_http_auth_extranet_srv_conf_t *>(conf);

    ssize_t     size;
    ngx_str_t  *value;

    if (site->shm_zone) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    size = ngx_parse_size(&value[2]);

    if (size == NGX_ERROR || size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\"", &value[2]);
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    site->shm_zone = ngx_shared_memory_add(cf, &value[1], size,
                                           &ngx_http_auth_extranet_module);
    if (site->shm_zone == NULL) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    site->shm_zone->init = ngx_http_auth_extranet_shm_init;

    return NGX_CONF_OK;
}


/* links in mails: "https://host[:port]", no path, no trailing slash */

char *
ngx_http_auth_extranet_check_site_url(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *url = static_cast<ngx_str_t *>(data);

    size_t   skip = 0;
    u_char  *p = url->data;

    if (url->len > 8 && ngx_strncmp(p, "https://", 8) == 0) {
        skip = 8;

    } else if (url->len > 7 && ngx_strncmp(p, "http://", 7) == 0) {
        skip = 7;
    }

    for (size_t i = skip; skip && i < url->len; i++) {
        if (!(isalnum(p[i]) || p[i] == '.' || p[i] == '-' || p[i] == ':'
              || p[i] == '[' || p[i] == ']'))
        {
            skip = 0;
        }
    }

    if (skip == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid auth_extranet_site_url \"%V\": "
                           "\"https://host[:port]\" expected", url);
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


/* an empty prefix would strip every client header */

char *
ngx_http_auth_extranet_check_header_prefix(ngx_conf_t *cf, void *post,
    void *data)
{
    ngx_str_t  *prefix = static_cast<ngx_str_t *>(data);

    if (prefix->len < 2) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet_header_prefix must not be empty");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    for (size_t i = 0; i < prefix->len; i++) {
        u_char ch = prefix->data[i];

        if (!(isalnum(ch) || ch == '-' || ch == '_')) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid auth_extranet_header_prefix \"%V\"",
                               prefix);
            return static_cast<char *>(NGX_CONF_ERROR);
        }
    }

    return NGX_CONF_OK;
}
