/* Copyright (C) 2026 The ngx_http_auth_extranet_module authors */
/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_auth_extranet_module: auth_extranet_status, a content handler
 * like stub_status that answers the module's metrics in the Prometheus text
 * format. The counters live in each zone of the module (summed over the
 * workers, kept across reloads); every zone is labelled with its name.
 */

#include "nginx/ngx_http_auth_extranet.h"
#include <ngx_http_auth_extranet_version.h>

#include <utility>
#include <vector>


static ngx_int_t ngx_http_auth_extranet_status_handler(ngx_http_request_t *r);
typedef std::vector<std::pair<std::string, ngx_http_auth_extranet_stats_t *>>
    ngx_http_auth_extranet_zones_t;

static std::string ngx_http_auth_extranet_status_text(
    const ngx_http_auth_extranet_zones_t &zones);
static std::string ngx_http_auth_extranet_status_sites(ngx_http_request_t *r);
static std::string ngx_http_auth_extranet_status_label(const ngx_str_t &value);


typedef struct {
    extranet::Metric             metric;
    const char                  *labels;
} ngx_http_auth_extranet_metric_name_t;


static const ngx_http_auth_extranet_metric_name_t  ngx_http_auth_extranet_logins[] = {
    { extranet::Metric::login_code_success, "method=\"code\",result=\"success\"" },
    { extranet::Metric::login_code_failure, "method=\"code\",result=\"failure\"" },
    { extranet::Metric::login_email_success, "method=\"email\",result=\"success\"" },
    { extranet::Metric::login_email_failure, "method=\"email\",result=\"failure\"" },
    { extranet::Metric::login_passkey_success, "method=\"passkey\",result=\"success\"" },
    { extranet::Metric::login_passkey_failure, "method=\"passkey\",result=\"failure\"" },
};


static const ngx_http_auth_extranet_metric_name_t  ngx_http_auth_extranet_ops[] = {
    { extranet::Metric::link, "auth_extranet_links_total" },
    { extranet::Metric::unlink, "auth_extranet_unlinks_total" },
    { extranet::Metric::account_switch, "auth_extranet_switches_total" },
    { extranet::Metric::reset_requested, "auth_extranet_password_resets_requested_total" },
    { extranet::Metric::reset_done, "auth_extranet_password_resets_total" },
    { extranet::Metric::password_changed, "auth_extranet_password_changes_total" },
    { extranet::Metric::logout, "auth_extranet_logouts_total" },
    { extranet::Metric::db_error, "auth_extranet_db_errors_total" },
    { extranet::Metric::db_unavailable, "auth_extranet_db_unavailable_total" },
    { extranet::Metric::db_timeout, "auth_extranet_db_timeouts_total" },
    { extranet::Metric::db_connect, "auth_extranet_db_connects_total" },
};


static const char  *ngx_http_auth_extranet_refused[] = {
    "forged", "expired", "revoked"
};


static const char  *ngx_http_auth_extranet_le[] = {
    "0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
    "2.5", "5", "10", "+Inf"
};


char *
ngx_http_auth_extranet_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = static_cast<ngx_http_core_loc_conf_t *>(
               ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));

    if (clcf->handler == ngx_http_auth_extranet_status_handler) {
        return const_cast<char *>("is duplicate");
    }

    clcf->handler = ngx_http_auth_extranet_status_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_auth_extranet_status_handler(ngx_http_request_t *r)
{
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_uint_t        i;
    ngx_chain_t       out;
    ngx_shm_zone_t   *zone;
    ngx_list_part_t  *part;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    std::string body;

    try {
        ngx_http_auth_extranet_zones_t zones;

        part = NULL;

        while ((zone = ngx_http_auth_extranet_shm_next((ngx_cycle_t *) ngx_cycle,
                                                       &part, &i)))
        {
            if (ngx_http_auth_extranet_shm_stats(zone)) {
                zones.emplace_back(std::string((char *) zone->shm.name.data,
                                               zone->shm.name.len),
                                   ngx_http_auth_extranet_shm_stats(zone));
            }
        }

        body = ngx_http_auth_extranet_status_text(zones)
               + ngx_http_auth_extranet_status_sites(r);

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "auth extranet: %s", e.what());
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = body.size();
    ngx_str_set(&r->headers_out.content_type, "text/plain; version=0.0.4");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    if (r->method == NGX_HTTP_HEAD || body.empty()) {
        r->header_only = 1;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_create_temp_buf(r->pool, body.size());
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->pos, body.data(), body.size());
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* a label value: backslash, double quote and newline escaped */

static std::string
ngx_http_auth_extranet_status_label(const ngx_str_t &value)
{
    std::string  out;

    for (size_t n = 0; n < value.len; n++) {
        u_char  c = value.data[n];

        if (c == '\\' || c == '"') {
            out += '\\';
            out += (char) c;

        } else if (c == '\n') {
            out += "\\n";

        } else {
            out += (char) c;
        }
    }

    return out;
}


/* every metric once, with one sample per zone (and label set) */

static std::string
ngx_http_auth_extranet_status_text(const ngx_http_auth_extranet_zones_t &zones)
{
    ngx_uint_t          i;
    std::string         out;
    ngx_atomic_uint_t   cumulative;

    auto head = [&](const char *name, const char *type, const char *help) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name
               + " " + type + "\n";
    };

    /* name{zone="...",labels} value, for each zone */
    auto each = [&](const std::string &name, const std::string &labels,
                    auto get)
    {
        for (const auto &zs : zones) {
            out += name + "{zone=\"" + zs.first + "\""
                   + (labels.empty() ? "" : "," + labels) + "} "
                   + get(*zs.second) + "\n";
        }
    };

    auto u = [](ngx_atomic_t a) {
        return std::to_string((ngx_atomic_uint_t) a);
    };

    auto g = [](ngx_atomic_t a) {
        return std::to_string((ngx_atomic_int_t) a);
    };

    /*
     * the code this worker runs: an upgraded package is loaded by a restart
     * or a binary upgrade, never by a reload, which keeps the old module
     */
    head("auth_extranet_build_info", "gauge",
         "The module's version, as loaded by this nginx.");
    out += "auth_extranet_build_info{version=\"" NGX_HTTP_AUTH_EXTRANET_VERSION
           "\",nginx=\"" NGINX_VERSION "\"} 1\n";

    head("auth_extranet_logins_total", "counter", "Logins by method and result.");
    for (const auto &l : ngx_http_auth_extranet_logins) {
        each("auth_extranet_logins_total", l.labels,
             [&](ngx_http_auth_extranet_stats_t &st) {
                 return u(st.metrics[(size_t) l.metric]);
             });
    }

    head("auth_extranet_logins_linked_code_total", "counter",
         "Right legacy password of a linked account, told to use the e-mail.");
    each("auth_extranet_logins_linked_code_total", "",
         [&](ngx_http_auth_extranet_stats_t &st) {
             return u(st.metrics[(size_t) extranet::Metric::login_use_email]);
         });

    for (const auto &o : ngx_http_auth_extranet_ops) {
        head(o.labels, "counter", "Operations done, and database events.");
        each(o.labels, "", [&](ngx_http_auth_extranet_stats_t &st) {
            return u(st.metrics[(size_t) o.metric]);
        });
    }

    head("auth_extranet_lockouts_total", "counter",
         "Identifiers and addresses locked out by the brute-force limits.");
    each("auth_extranet_lockouts_total", "",
         [&](ngx_http_auth_extranet_stats_t &st) { return u(st.lockouts); });

    head("auth_extranet_limited_total", "counter",
         "Attempts refused by a limit (lockout, attempts in flight).");
    each("auth_extranet_limited_total", "",
         [&](ngx_http_auth_extranet_stats_t &st) { return u(st.limited); });

    head("auth_extranet_zone_full_total", "counter",
         "Attempts refused because the zone had no room for their counter.");
    each("auth_extranet_zone_full_total", "",
         [&](ngx_http_auth_extranet_stats_t &st) { return u(st.zone_full); });

    head("auth_extranet_sessions_refreshed_total", "counter",
         "Sessions re-checked against their row and renewed.");
    each("auth_extranet_sessions_refreshed_total", "",
         [&](ngx_http_auth_extranet_stats_t &st) { return u(st.refreshed); });

    head("auth_extranet_sessions_revoked_total", "counter",
         "Sessions revoked on this node (logout, password change, refresh).");
    each("auth_extranet_sessions_revoked_total", "",
         [&](ngx_http_auth_extranet_stats_t &st) { return u(st.revoked); });

    head("auth_extranet_cookies_refused_total", "counter",
         "Session cookies refused, by reason.");
    for (i = 0; i < NGX_HTTP_AUTH_EXTRANET_REFUSED_N; i++) {
        each("auth_extranet_cookies_refused_total",
             std::string("reason=\"") + ngx_http_auth_extranet_refused[i] + "\"",
             [&](ngx_http_auth_extranet_stats_t &st) { return u(st.refused[i]); });
    }

    head("auth_extranet_tasks_queued", "gauge",
         "Thread-pool tasks waiting for a thread.");
    each("auth_extranet_tasks_queued", "",
         [&](ngx_http_auth_extranet_stats_t &st) { return g(st.tasks_queued); });

    head("auth_extranet_tasks_running", "gauge", "Thread-pool tasks running.");
    each("auth_extranet_tasks_running", "",
         [&](ngx_http_auth_extranet_stats_t &st) { return g(st.tasks_running); });

    head("auth_extranet_task_duration_seconds", "histogram",
         "Thread-pool tasks, from posted to done on the event loop.");
    for (const auto &zs : zones) {
        std::string z = "zone=\"" + zs.first + "\"";
        ngx_http_auth_extranet_stats_t &st = *zs.second;

        cumulative = 0;
        for (i = 0; i <= NGX_HTTP_AUTH_EXTRANET_BUCKETS; i++) {
            cumulative += st.task_buckets[i];
            out += "auth_extranet_task_duration_seconds_bucket{" + z + ",le=\""
                   + ngx_http_auth_extranet_le[i] + "\"} "
                   + std::to_string(cumulative) + "\n";
        }

        u_char  sum[64];
        u_char *end = ngx_sprintf(sum, "%.3f", (double) st.task_ms_sum / 1000);

        out += "auth_extranet_task_duration_seconds_sum{" + z + "} "
               + std::string((char *) sum, end - sum) + "\n";
        out += "auth_extranet_task_duration_seconds_count{" + z + "} "
               + std::to_string(cumulative) + "\n";
    }

    return out;
}


/*
 * which sites (servers) count in which zone: the counters are the zone's,
 * summed over the sites that share it; a zone per site (auth_extranet_zone
 * at server level) gives each site its own
 */

static std::string
ngx_http_auth_extranet_status_sites(ngx_http_request_t *r)
{
    ngx_uint_t                          i;
    std::string                         out;
    ngx_http_core_srv_conf_t          **cscfp;
    ngx_http_core_main_conf_t          *cmcf;
    ngx_http_auth_extranet_srv_conf_t  *site;

    cmcf = static_cast<ngx_http_core_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_core_module));
    cscfp = static_cast<ngx_http_core_srv_conf_t **>(cmcf->servers.elts);

    for (i = 0; i < cmcf->servers.nelts; i++) {
        site = static_cast<ngx_http_auth_extranet_srv_conf_t *>(
                   cscfp[i]->ctx->srv_conf[ngx_http_auth_extranet_module.ctx_index]);

        if (site == NULL || !site->used || site->shm_zone == NULL) {
            continue;
        }

        if (out.empty()) {
            out = "# HELP auth_extranet_site_info The zone whose counters each site"
                  " (server_name) adds to.\n"
                  "# TYPE auth_extranet_site_info gauge\n";
        }

        out += "auth_extranet_site_info{zone=\""
               + std::string((char *) site->shm_zone->shm.name.data,
                             site->shm_zone->shm.name.len)
               + "\",site=\""
               + ngx_http_auth_extranet_status_label(cscfp[i]->server_name)
               + "\"} 1\n";
    }

    return out;
}
