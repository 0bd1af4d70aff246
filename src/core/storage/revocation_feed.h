// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The fleet's revocation feed (extranet.revocation_feed, migration 009):
// sessions ended and lockouts lifted anywhere in the fleet, which each node
// applies to its shared memory zone. Pool threads only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/storage/database.h"

namespace extranet {

struct FeedEntry {
    enum class Kind { session, unlock };
    long long id = 0;
    Kind kind = Kind::session;
    std::string key;          // session key (hex) or lockout key
    std::uint64_t until = 0;  // epoch seconds: the entry matters until then
};

// Where a node stands in the feed: the last id it applied, the server's
// clock at its last complete read (0: none yet), and the oldest transaction
// still running at its last read (0: none yet): a row the read could not
// see, because its transaction had not committed, was written by that
// transaction or a later one, whatever its id and however late it commits.
struct FeedCursor {
    long long last_id = 0;
    double since = 0;
    unsigned long long xmin = 0;
};

struct FeedRead {
    std::vector<FeedEntry> entries;  // by id
    FeedCursor next;                 // the cursor for the next read
    bool complete = true;            // false: a page was full, read again at once
};

// Rows read at most per round trip.
constexpr int kFeedPage = 5000;

// Seconds re-read before the last read's clock: on a failover, the promoted
// standby may hand out again the ids of rows the old primary lost. (A row
// that commits after a row of a higher id was read is found by its
// transaction, FeedCursor::xmin, however late it commits.)
constexpr int kFeedOverlap = 3;

// One round trip: the entries after the cursor still in force (by id, by
// transaction from xmin on, and by time from `since - kFeedOverlap`), and
// the cursor that follows them.
// A cursor of 0 (a new zone) reads every entry still in force. An entry may
// come twice: applying one is idempotent.
FeedRead read_feed(Database& db, const FeedCursor& cursor);

// Deletes a few entries past their end.
void purge_feed(Database& db);

}  // namespace extranet
