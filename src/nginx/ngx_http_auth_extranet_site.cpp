/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: the configuration of each site. The site
 * directives are merged from http into each server the nginx way; the
 * merge builds the site's one configuration object (extranet::Settings);
 * once every location is merged, each server that uses the module is
 * checked (a database, a key, a site URL for a portal) and given its zone
 * and thread pools, and sites that would accept each other's cookies are
 * refused.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include "core/primitives/cookie.h"
#include "core/primitives/crypto.h"
#include "core/views/theme.h"


void *
ngx_http_auth_extranet_create_srv_conf(ngx_conf_t *cf)
{
    ngx_http_auth_extranet_srv_conf_t  *conf;

    conf = static_cast<ngx_http_auth_extranet_srv_conf_t *>(
               ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_extranet_srv_conf_t)));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->db = { 0, NULL };
     *     conf->thread_pool_name = { 0, NULL };
     *     conf->hash_pool_name = { 0, NULL };
     *     conf->keys = NULL;
     *     conf->partners = NULL;
     *     conf->header_prefix = { 0, NULL };
     *     conf->site_url = { 0, NULL };
     *     conf->theme = { 0, NULL };
     *     conf->cookie_name = { 0, NULL };
     *     conf->cookie_samesite = { 0, NULL };
     *     conf->cookie_domain = { 0, NULL };
     *     conf->shm_zone = NULL;
     *     conf->settings = NULL;
     *     conf->thread_pool = NULL;
     *     conf->hash_pool = NULL;
     *     conf->tag = NULL;
     *     conf->portal_prefix = { 0, NULL };
     *     conf->used = 0;
     *     conf->portal = 0;
     */

    conf->db_timeout = NGX_CONF_UNSET_MSEC;
    conf->db_prepared_statements = NGX_CONF_UNSET;
    conf->feed_interval = NGX_CONF_UNSET_MSEC;
    conf->hash_scheme = NGX_CONF_UNSET_UINT;
    conf->min_length = NGX_CONF_UNSET_UINT;
    conf->legacy_login = NGX_CONF_UNSET_UINT;
    conf->cookie_secure = NGX_CONF_UNSET;
    conf->idle = NGX_CONF_UNSET;
    conf->absolute = NGX_CONF_UNSET;
    conf->refresh = NGX_CONF_UNSET;
    conf->limit_identifier = NGX_CONF_UNSET_UINT;
    conf->limit_address = NGX_CONF_UNSET_UINT;
    conf->limit_hashes = NGX_CONF_UNSET_UINT;
    conf->limit_challenges = NGX_CONF_UNSET_UINT;
    conf->limit_refreshes = NGX_CONF_UNSET_UINT;
    conf->limit_window = NGX_CONF_UNSET;
    conf->limit_lockout = NGX_CONF_UNSET;

    return conf;
}


char *
ngx_http_auth_extranet_merge_srv_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_auth_extranet_srv_conf_t *prev =
        static_cast<ngx_http_auth_extranet_srv_conf_t *>(parent);
    ngx_http_auth_extranet_srv_conf_t *conf =
        static_cast<ngx_http_auth_extranet_srv_conf_t *>(child);

    ngx_conf_merge_str_value(conf->db, prev->db, "");
    ngx_conf_merge_msec_value(conf->db_timeout, prev->db_timeout, 5000);
    ngx_conf_merge_value(conf->db_prepared_statements,
                         prev->db_prepared_statements, 1);
    ngx_conf_merge_msec_value(conf->feed_interval, prev->feed_interval, 250);

    if (conf->feed_interval < 10) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_extranet_feed_interval\" must be at least "
                           "10ms");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    ngx_conf_merge_str_value(conf->thread_pool_name, prev->thread_pool_name,
                             "default");
    ngx_conf_merge_str_value(conf->hash_pool_name, prev->hash_pool_name, "");

    /* without a pool of their own, hashes wait with the database work */
    if (conf->hash_pool_name.len == 0) {
        conf->hash_pool_name = conf->thread_pool_name;
    }
    ngx_conf_merge_uint_value(conf->hash_scheme, prev->hash_scheme,
                              (ngx_uint_t) extranet::HashScheme::scrypt);
    ngx_conf_merge_uint_value(conf->min_length, prev->min_length, 12);
    ngx_conf_merge_uint_value(conf->legacy_login, prev->legacy_login,
                              NGX_HTTP_AUTH_EXTRANET_LEGACY_UNLINKED);
    ngx_conf_merge_str_value(conf->header_prefix, prev->header_prefix,
                             "X-Extranet-");
    ngx_conf_merge_str_value(conf->site_url, prev->site_url, "");
    ngx_conf_merge_str_value(conf->theme, prev->theme, "");

    /* the cookie and the limits are set as a whole by their directive */
    if (conf->cookie_name.data == NULL && conf->cookie_secure == NGX_CONF_UNSET)
    {
        conf->cookie_name = prev->cookie_name;
        conf->cookie_secure = prev->cookie_secure;
        conf->cookie_samesite = prev->cookie_samesite;
        conf->cookie_domain = prev->cookie_domain;
    }

    ngx_conf_merge_str_value(conf->cookie_name, prev->cookie_name, "");
    ngx_conf_merge_value(conf->cookie_secure, prev->cookie_secure, 1);

    /*
     * The default name takes the "__Host-" prefix where it can (Secure, no
     * Domain; the path is always /): browsers then refuse a cookie of that
     * name that a sibling subdomain sets with "Domain=", or that a plain
     * HTTP page sets, so no tossed copy can come before the owner's.
     */
    if (conf->cookie_name.len == 0) {
        if (conf->cookie_secure && conf->cookie_domain.len == 0) {
            ngx_str_set(&conf->cookie_name, "__Host-extranet_session");

        } else {
            ngx_str_set(&conf->cookie_name, "extranet_session");
        }
    }

    if (conf->cookie_name.len > sizeof("__Secure-") - 1
        && ngx_strncasecmp(conf->cookie_name.data, (u_char *) "__Secure-",
                           sizeof("__Secure-") - 1) == 0
        && !conf->cookie_secure)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet_cookie: a \"__Secure-\" name "
                           "needs \"secure=on\" (browsers drop it otherwise)");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    if (conf->cookie_name.len > sizeof("__Host-") - 1
        && ngx_strncasecmp(conf->cookie_name.data, (u_char *) "__Host-",
                           sizeof("__Host-") - 1) == 0
        && (!conf->cookie_secure || conf->cookie_domain.len))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet_cookie: a \"__Host-\" name needs "
                           "\"secure=on\" and no \"domain=\" (browsers "
                           "drop it otherwise)");
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    ngx_conf_merge_str_value(conf->cookie_samesite, prev->cookie_samesite,
                             "Lax");

    if (conf->idle == NGX_CONF_UNSET) {
        conf->idle = prev->idle;
        conf->absolute = prev->absolute;
        conf->refresh = prev->refresh;
    }

    ngx_conf_merge_value(conf->idle, prev->idle, 30 * 60);
    ngx_conf_merge_value(conf->absolute, prev->absolute, 12 * 60 * 60);
    ngx_conf_merge_value(conf->refresh, prev->refresh, 5 * 60);

    if (conf->limit_window == NGX_CONF_UNSET
        && conf->limit_identifier == NGX_CONF_UNSET_UINT)
    {
        conf->limit_identifier = prev->limit_identifier;
        conf->limit_address = prev->limit_address;
        conf->limit_hashes = prev->limit_hashes;
        conf->limit_challenges = prev->limit_challenges;
        conf->limit_refreshes = prev->limit_refreshes;
        conf->limit_window = prev->limit_window;
        conf->limit_lockout = prev->limit_lockout;
    }

    ngx_conf_merge_uint_value(conf->limit_identifier, prev->limit_identifier, 5);
    ngx_conf_merge_uint_value(conf->limit_address, prev->limit_address, 50);
    ngx_conf_merge_uint_value(conf->limit_hashes, prev->limit_hashes, 4);
    ngx_conf_merge_uint_value(conf->limit_challenges, prev->limit_challenges,
                              30);
    ngx_conf_merge_uint_value(conf->limit_refreshes, prev->limit_refreshes,
                              120);
    ngx_conf_merge_value(conf->limit_window, prev->limit_window, 15 * 60);
    ngx_conf_merge_value(conf->limit_lockout, prev->limit_lockout, 15 * 60);

    if (conf->keys == NULL) {
        conf->keys = prev->keys;
    }

    if (conf->partners == NULL) {
        conf->partners = prev->partners;
    }

    if (conf->shm_zone == NULL) {
        conf->shm_zone = prev->shm_zone;
    }

    if (conf->refresh > conf->idle || conf->idle > conf->absolute) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet_session_timeout: refresh must not "
                           "exceed idle, nor idle absolute");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    if (conf->cookie_secure == 0 && conf->cookie_samesite.len == 4) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_extranet_cookie: \"samesite=None\" needs "
                           "\"secure=on\"");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    /* the site's one configuration object */

    try {
        extranet::Settings *s =
            ngx_http_auth_extranet_pool_new<extranet::Settings>(cf->pool);
        if (s == NULL) {
            return static_cast<char *>(NGX_CONF_ERROR);
        }

        s->conninfo.assign((char *) conf->db.data, conf->db.len);
        s->db_timeout = std::chrono::milliseconds(conf->db_timeout);
        s->db_prepared_statements = conf->db_prepared_statements;
        s->hash.scheme = static_cast<extranet::HashScheme>(conf->hash_scheme);
        s->password_min_length = conf->min_length;
        s->cookie.name.assign((char *) conf->cookie_name.data,
                              conf->cookie_name.len);
        s->cookie.secure = conf->cookie_secure;
        s->cookie.same_site.assign((char *) conf->cookie_samesite.data,
                                   conf->cookie_samesite.len);
        s->cookie.domain.assign((char *) conf->cookie_domain.data,
                                conf->cookie_domain.len);
        s->timeouts.idle = conf->idle;
        s->timeouts.absolute = conf->absolute;
        s->timeouts.refresh = conf->refresh;
        s->legacy_login_all =
            (conf->legacy_login == NGX_HTTP_AUTH_EXTRANET_LEGACY_ALL);
        s->header_prefix.assign((char *) conf->header_prefix.data,
                                conf->header_prefix.len);
        s->site_url.assign((char *) conf->site_url.data, conf->site_url.len);
        s->lockout.identifier = conf->limit_identifier;
        s->lockout.address = conf->limit_address;
        s->lockout.window = conf->limit_window;
        s->lockout.lockout = conf->limit_lockout;
        s->hashes_per_address = conf->limit_hashes;
        s->challenges_per_minute = conf->limit_challenges;
        s->refreshes_per_minute = conf->limit_refreshes;

        if (conf->partners) {
            s->partners = *conf->partners;
        }

        if (conf->keys) {
            s->keys = *conf->keys;
        }

        /*
         * the theme is read and checked now, once: nginx -t names a broken
         * template, and pages never touch the disk
         */
        if (conf->theme.len) {
            if (ngx_conf_full_name(cf->cycle, &conf->theme, 1) != NGX_OK) {
                return static_cast<char *>(NGX_CONF_ERROR);
            }

            s->theme = extranet::Theme::load(
                           std::string((char *) conf->theme.data,
                                       conf->theme.len));

        } else {
            s->theme = extranet::Theme::builtin();
        }

        /* catches a bad cookie setting now rather than at the first login */
        extranet::set_cookie(s->cookie, "x", 1);

        /* sites of one database share their counters in a shared zone */
        conf->tag = ngx_http_auth_extranet_pool_new<std::string>(cf->pool,
                        extranet::hex_encode(
                            extranet::sha256(s->conninfo)).substr(0, 8) + ":");
        if (conf->tag == NULL) {
            return static_cast<char *>(NGX_CONF_ERROR);
        }

        conf->settings = s;

    } catch (const extranet::ThemeError &e) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "auth_extranet_theme: %s",
                           e.what());
        return static_cast<char *>(NGX_CONF_ERROR);

    } catch (const std::exception &e) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "auth_extranet: %s", e.what());
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


/* a server's name and place, for the messages of nginx -t */

#define ngx_http_auth_extranet_server_name(cscf)                             \
    ((cscf)->server_name.len ? &(cscf)->server_name : &ngx_http_auth_extranet_unnamed)

static ngx_str_t  ngx_http_auth_extranet_unnamed = ngx_string("\"\"");


ngx_int_t
ngx_http_auth_extranet_init_site(ngx_conf_t *cf, ngx_http_core_srv_conf_t *cscf,
    ngx_http_auth_extranet_srv_conf_t *site)
{
    ngx_str_t  name = ngx_string("auth_extranet");

    if (site->settings->keys == nullptr) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "auth_extranet needs \"auth_extranet_secret_file\" "
                      "with at least 32 random bytes in server \"%V\" "
                      "in %s:%ui", ngx_http_auth_extranet_server_name(cscf),
                      cscf->file_name, cscf->line);
        return NGX_ERROR;
    }

    if (site->db.len == 0) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "auth_extranet needs \"auth_extranet_db\" in server "
                      "\"%V\" in %s:%ui",
                      ngx_http_auth_extranet_server_name(cscf),
                      cscf->file_name, cscf->line);
        return NGX_ERROR;
    }

    /* links in mails never come from a client's Host header */
    if (site->portal && site->site_url.len == 0) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "auth_extranet_portal needs \"auth_extranet_site_url\", "
                      "the site's address for links in mails, e.g. "
                      "\"auth_extranet_site_url https://extranet.example.org;\""
                      " in server \"%V\" in %s:%ui",
                      ngx_http_auth_extranet_server_name(cscf),
                      cscf->file_name, cscf->line);
        return NGX_ERROR;
    }

    if (site->portal_prefix.data == NULL) {
        ngx_str_set(&site->portal_prefix, "/auth/");
    }

    /*
     * the pages with the portal's prefix and the theme's asset version
     * already in place: fewer lookups at each render, the same bytes
     */
    try {
        extranet::Theme::or_builtin(site->settings->theme.get())
            .prepare(std::string_view((char *) site->portal_prefix.data,
                                      site->portal_prefix.len));

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "auth_extranet: %s", e.what());
        return NGX_ERROR;
    }

    /*
     * Its cookies open on this site only: servers that share a key and a
     * database may differ in policies (legacy_login, timeouts) and must
     * not take each other's sessions. A site is its address
     * (auth_extranet_site_url: the nodes of a fleet, the servers that
     * inherit it, share it), else its server name.
     */
    try {
        std::string id;

        if (site->site_url.len) {
            id.assign((char *) site->site_url.data, site->site_url.len);

        } else {
            id = "server:";
            id.append((char *) cscf->server_name.data, cscf->server_name.len);
        }

        site->settings->keys = site->settings->keys->bound_to(id);

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "auth_extranet: %s", e.what());
        return NGX_ERROR;
    }

    /* the zone and the pool exist only where the module is used */
    if (site->shm_zone == NULL) {
        site->shm_zone = ngx_shared_memory_add(cf, &name, 4 * 1024 * 1024,
                                               &ngx_http_auth_extranet_module);
        if (site->shm_zone == NULL) {
            return NGX_ERROR;
        }

        site->shm_zone->init = ngx_http_auth_extranet_shm_init;
    }

    site->thread_pool = ngx_thread_pool_add(cf, &site->thread_pool_name);
    if (site->thread_pool == NULL) {
        return NGX_ERROR;
    }

    site->hash_pool = ngx_thread_pool_add(cf, &site->hash_pool_name);
    if (site->hash_pool == NULL) {
        return NGX_ERROR;
    }

    ngx_http_auth_extranet_hashing = 1;

    return NGX_OK;
}


/*
 * Two sites that hold a key in common but not the database: a cookie of one
 * would be accepted by the other, for accounts that are not its own.
 */

ngx_int_t
ngx_http_auth_extranet_check_sites(ngx_conf_t *cf,
    ngx_http_core_srv_conf_t *a, ngx_http_auth_extranet_srv_conf_t *sa,
    ngx_http_core_srv_conf_t *b, ngx_http_auth_extranet_srv_conf_t *sb)
{
    if (sa->settings->conninfo == sb->settings->conninfo
        || !sa->settings->keys->shares_key_with(*sb->settings->keys))
    {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                  "servers \"%V\" (%s:%ui) and \"%V\" (%s:%ui) share an "
                  "\"auth_extranet_secret_file\" key but not their "
                  "\"auth_extranet_db\": a session of one would open the "
                  "other; give each site its own secret",
                  ngx_http_auth_extranet_server_name(a), a->file_name, a->line,
                  ngx_http_auth_extranet_server_name(b), b->file_name, b->line);

    return NGX_ERROR;
}
