/*
 * ngx_http_auth_extranet_module: sessions for a legacy extranet.
 *
 * This file: the module, its directives, the configuration of each site
 * (http level, inherited and overridden by each server) and its checks.
 */

#include "nginx/ngx_http_auth_extranet.h"

#include "core/cookie.h"
#include "core/crypto.h"
#include "core/password.h"


#define NGX_HTTP_AUTH_EXTRANET_LEGACY_UNLINKED  0
#define NGX_HTTP_AUTH_EXTRANET_LEGACY_ALL       1


static ngx_int_t ngx_http_auth_extranet_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_auth_extranet_init_process(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_auth_extranet_init(ngx_conf_t *cf);
static void *ngx_http_auth_extranet_create_srv_conf(ngx_conf_t *cf);
static char *ngx_http_auth_extranet_merge_srv_conf(ngx_conf_t *cf,
    void *parent, void *child);
static void *ngx_http_auth_extranet_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_auth_extranet_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_auth_extranet_init_site(ngx_conf_t *cf,
    ngx_http_core_srv_conf_t *cscf, ngx_http_auth_extranet_srv_conf_t *site);
static ngx_int_t ngx_http_auth_extranet_check_sites(ngx_conf_t *cf,
    ngx_http_core_srv_conf_t *a, ngx_http_auth_extranet_srv_conf_t *sa,
    ngx_http_core_srv_conf_t *b, ngx_http_auth_extranet_srv_conf_t *sb);


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
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* whether a site of this configuration hashes passwords in a pool */
static ngx_uint_t  ngx_http_auth_extranet_hashing;


/*
 * A worker that hashes passwords keeps the hashes' memory in its threads'
 * arenas: no mmap/munmap of 32 MiB per scrypt hash, whose TLB shootdowns
 * and page faults otherwise disturb the event loop (make bench measures it).
 */

static ngx_int_t
ngx_http_auth_extranet_init_process(ngx_cycle_t *cycle)
{
    if (ngx_http_auth_extranet_hashing && !extranet::keep_hash_memory()) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "auth extranet: mallopt() refused to keep the password "
                      "hashes' memory in the pool threads' arenas");
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_extranet_preconfiguration(ngx_conf_t *cf)
{
    ngx_http_auth_extranet_hashing = 0;

    return ngx_http_auth_extranet_add_variables(cf);
}


static void *
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
    conf->limit_window = NGX_CONF_UNSET;
    conf->limit_lockout = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_auth_extranet_merge_srv_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_auth_extranet_srv_conf_t *prev =
        static_cast<ngx_http_auth_extranet_srv_conf_t *>(parent);
    ngx_http_auth_extranet_srv_conf_t *conf =
        static_cast<ngx_http_auth_extranet_srv_conf_t *>(child);

    ngx_conf_merge_str_value(conf->db, prev->db, "");
    ngx_conf_merge_msec_value(conf->db_timeout, prev->db_timeout, 5000);
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

    /* the cookie and the limits are set as a whole by their directive */
    if (conf->cookie_name.data == NULL && conf->cookie_secure == NGX_CONF_UNSET)
    {
        conf->cookie_name = prev->cookie_name;
        conf->cookie_secure = prev->cookie_secure;
        conf->cookie_samesite = prev->cookie_samesite;
        conf->cookie_domain = prev->cookie_domain;
    }

    ngx_conf_merge_str_value(conf->cookie_name, prev->cookie_name,
                             "extranet_session");
    ngx_conf_merge_value(conf->cookie_secure, prev->cookie_secure, 1);
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
        conf->limit_window = prev->limit_window;
        conf->limit_lockout = prev->limit_lockout;
    }

    ngx_conf_merge_uint_value(conf->limit_identifier, prev->limit_identifier, 5);
    ngx_conf_merge_uint_value(conf->limit_address, prev->limit_address, 50);
    ngx_conf_merge_uint_value(conf->limit_hashes, prev->limit_hashes, 4);
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
        s->limit_identifier = conf->limit_identifier;
        s->limit_address = conf->limit_address;
        s->hashes_per_address = conf->limit_hashes;
        s->limit_window = conf->limit_window;
        s->limit_lockout = conf->limit_lockout;

        if (conf->partners) {
            s->partners = *conf->partners;
        }

        if (conf->keys) {
            s->keys = *conf->keys;
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


/* a server's name and place, for the messages of nginx -t */

#define ngx_http_auth_extranet_server_name(cscf)                             \
    ((cscf)->server_name.len ? &(cscf)->server_name : &ngx_http_auth_extranet_unnamed)

static ngx_str_t  ngx_http_auth_extranet_unnamed = ngx_string("\"\"");


static ngx_int_t
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

static ngx_int_t
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
