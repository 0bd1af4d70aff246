// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/storage/revocation_feed.h"

#include <algorithm>
#include <cstdio>

namespace extranet {

namespace {

// The first row is the server's clock, the feed's highest id and the
// oldest transaction still running (the snapshot's xmin: every row this
// read cannot see was written by it or a later one); then the entries. One
// statement, so that a pooler in transaction mode serves it.
const Statement kRead{
    "feed_read_xmin",
    "SELECT 0::bigint, '', '', 0::bigint,"
    "       extract(epoch FROM now())::float8,"
    "       coalesce((SELECT max(id) FROM extranet.revocation_feed), 0),"
    "       pg_snapshot_xmin(pg_current_snapshot())::text"
    " UNION ALL "
    "(SELECT id, kind, key, floor(extract(epoch FROM until))::bigint, 0, 0, ''"
    "   FROM extranet.revocation_feed"
    "  WHERE until > now()"
    "    AND (id > $1::bigint"
    "         OR ($5::xid8 <> '0'::xid8 AND xid >= $5::xid8)"
    "         OR ($2::float8 > 0"
    "             AND at > to_timestamp($2::float8) - make_interval(secs => $3::int)))"
    "  ORDER BY id LIMIT $4::int)"};

const Statement kPurge{
    "feed_purge",
    "DELETE FROM extranet.revocation_feed WHERE id IN"
    " (SELECT id FROM extranet.revocation_feed"
    "   WHERE until < now() - interval '1 minute' LIMIT 1000)"};

}  // namespace

FeedRead read_feed(Database& db, const FeedCursor& cursor) {
    std::string after = std::to_string(cursor.last_id);
    char since[64];
    std::snprintf(since, sizeof(since), "%.6f", cursor.since);
    std::string overlap = std::to_string(kFeedOverlap);
    std::string page = std::to_string(kFeedPage);
    std::string xmin = std::to_string(cursor.xmin);

    Result r = db.exec(kRead, {after, std::string_view(since), overlap, page, xmin});

    FeedRead out;
    if (r.empty()) return out;  // cannot happen: the clock row is always there
    double now = std::stod(r.get(0, 4));
    long long highest = r.integer(0, 5);

    out.next = cursor;
    // Whether this read's page was full or not: a row it did not see is of
    // a transaction from this xmin on, or has an id above the last one read.
    out.next.xmin = std::stoull(r.get(0, 6));
    // The feed's ids went back (a failover lost rows this node had read,
    // and the promoted standby hands their ids out again): the ids from
    // there on are new rows, read them.
    if (highest < out.next.last_id) out.next.last_id = highest;

    for (int i = 1; i < r.rows(); i++) {
        FeedEntry e;
        e.id = r.integer(i, 0);
        e.kind = r.get(i, 1) == "unlock" ? FeedEntry::Kind::unlock : FeedEntry::Kind::session;
        e.key = r.get(i, 2);
        e.until = static_cast<std::uint64_t>(std::max(0LL, r.integer(i, 3)));
        out.next.last_id = std::max(out.next.last_id, e.id);
        out.entries.push_back(std::move(e));
    }

    out.complete = r.rows() - 1 < kFeedPage;
    // A full page: the rest is read by id at once; the time window moves on
    // only once everything up to this clock was read.
    if (out.complete) out.next.since = now;
    return out;
}

void purge_feed(Database& db) { db.exec(kPurge, {}); }

}  // namespace extranet
