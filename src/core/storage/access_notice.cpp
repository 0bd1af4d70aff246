// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/storage/access_notice.h"

#include <ctime>

namespace extranet {

namespace {

// The module may write the outbox, never read it (no RETURNING).
const Statement kQueueNotice{
    "notice_queue_mail",
    "INSERT INTO extranet.mail_outbox (recipient, subject, body) VALUES ($1, $2, $3)"};

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
long long days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = static_cast<unsigned>(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

// 01:00 UTC on the last Sunday of the month, in unix seconds.
long long last_sunday_1am(long long year, unsigned month) {
    long long last = days_from_civil(year, month, 31);
    long long weekday = ((last % 7) + 11) % 7;  // 0 = Sunday (1970-01-01 was a Thursday)
    return (last - weekday) * 86400 + 3600;
}

}  // namespace

ParisTime paris_time(std::uint64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm utc{};
    gmtime_r(&t, &utc);
    long long year = utc.tm_year + 1900;
    long long s = static_cast<long long>(unix_seconds);
    bool summer = s >= last_sunday_1am(year, 3) && s < last_sunday_1am(year, 10);
    std::time_t local = t + (summer ? 7200 : 3600);
    std::tm tm{};
    gmtime_r(&local, &tm);
    char date[32];
    char clock[16];
    std::strftime(date, sizeof date, "%d/%m/%Y", &tm);
    std::strftime(clock, sizeof clock, "%H:%M", &tm);
    return ParisTime{date, clock};
}

void queue_access_notice(Database& db, std::string_view recipient, std::string_view subject,
                         std::string_view body) {
    db.exec(kQueueNotice, {recipient, subject, body});
}

}  // namespace extranet
