// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/metrics.h"

namespace extranet {

namespace {

thread_local MetricSink tl_sink = nullptr;
thread_local void* tl_data = nullptr;

}  // namespace

void set_thread_metric_sink(MetricSink sink, void* data) {
    tl_sink = sink;
    tl_data = data;
}

void count(Metric m) {
    if (tl_sink) tl_sink(m, tl_data);
}

}  // namespace extranet
