// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The portal's texts by name. Every message the code puts into a page or a
// JSON answer is one of these, looked up in the site's theme catalog
// (themes/default/messages_fr.properties, reworded by a theme's own).
//
// This list is the one place where the code names a key: a theme checks
// at load that its catalog has each one (the built-in catalog must, and a
// theme's may only reword it), so that a lookup on a request cannot fail;
// t/unit/test_texts.cpp asks the built-in theme for every one. A message
// of a floor below the views (a form's or a passkey's error) is an enum
// of that floor, which the flows map to one of these.
#pragma once

#include <cstddef>
#include <string_view>

// X(name, "key"): name is the key with '_' for '.'.
#define EXTRANET_TEXTS(X) \
    X(account_active, "account.active") \
    X(accounts_error_method, "accounts.error.method") \
    X(accounts_title, "accounts.title") \
    X(common_back_to_accounts, "common.back_to_accounts") \
    X(common_back_to_login, "common.back_to_login") \
    X(common_error_busy, "common.error.busy") \
    X(common_error_csrf, "common.error.csrf") \
    X(common_error_fix_fields, "common.error.fix_fields") \
    X(common_error_invalid_email, "common.error.invalid_email") \
    X(common_error_login_required, "common.error.login_required") \
    X(common_error_method, "common.error.method") \
    X(common_error_not_found, "common.error.not_found") \
    X(common_error_origin, "common.error.origin") \
    X(common_error_wrong_password, "common.error.wrong_password") \
    X(common_manage, "common.manage") \
    X(common_refused_title, "common.refused.title") \
    X(common_unavailable_json, "common.unavailable.json") \
    X(common_unavailable_message, "common.unavailable.message") \
    X(common_unavailable_retry, "common.unavailable.retry") \
    X(common_unavailable_title, "common.unavailable.title") \
    X(confirm_done_login, "confirm.done.login") \
    X(confirm_done_message, "confirm.done.message") \
    X(confirm_done_title, "confirm.done.title") \
    X(confirm_error_invalid_link, "confirm.error.invalid_link") \
    X(confirm_error_to_login, "confirm.error.to_login") \
    X(confirm_title, "confirm.title") \
    X(device_on, "device.on") \
    X(field_confirm_password, "field.confirm_password") \
    X(field_current_password, "field.current_password") \
    X(field_email, "field.email") \
    X(field_first_name, "field.first_name") \
    X(field_forgot_login, "field.forgot_login") \
    X(field_last_name, "field.last_name") \
    X(field_link_email, "field.link_email") \
    X(field_login, "field.login") \
    X(field_min_length, "field.min_length") \
    X(field_new_password, "field.new_password") \
    X(field_new_password_confirm, "field.new_password_confirm") \
    X(field_password, "field.password") \
    X(field_password_confirm, "field.password_confirm") \
    X(field_phone, "field.phone") \
    X(field_your_password, "field.your_password") \
    X(forgot_contact_syndic, "forgot.contact_syndic") \
    X(forgot_error_too_many, "forgot.error.too_many") \
    X(forgot_mail_sent, "forgot.mail_sent") \
    X(forgot_title, "forgot.title") \
    X(form_error_bad_encoding, "form.error.bad_encoding") \
    X(form_error_control_char, "form.error.control_char") \
    X(form_error_duplicate_field, "form.error.duplicate_field") \
    X(form_error_field_too_long, "form.error.field_too_long") \
    X(form_error_invalid, "form.error.invalid") \
    X(form_error_invalid_utf8, "form.error.invalid_utf8") \
    X(form_error_too_large, "form.error.too_large") \
    X(form_error_too_many_fields, "form.error.too_many_fields") \
    X(link_error_account_unavailable, "link.error.account_unavailable") \
    X(link_error_already_linked, "link.error.already_linked") \
    X(link_error_email_known, "link.error.email_known") \
    X(link_error_linked_elsewhere, "link.error.linked_elsewhere") \
    X(link_error_linked_here, "link.error.linked_here") \
    X(link_error_missing_password, "link.error.missing_password") \
    X(link_error_not_linked_yet, "link.error.not_linked_yet") \
    X(link_error_race, "link.error.race") \
    X(link_error_too_many_lookups, "link.error.too_many_lookups") \
    X(link_grouping_message, "link.grouping.message") \
    X(link_grouping_title, "link.grouping.title") \
    X(link_menu, "link.menu") \
    X(link_partner_conflict, "link.partner.conflict") \
    X(link_partner_syndic, "link.partner.syndic") \
    X(link_partner_syndic_named, "link.partner.syndic_named") \
    X(link_title, "link.title") \
    X(link_done_title, "link_done.title") \
    X(login_error_failed, "login.error.failed") \
    X(login_error_use_email, "login.error.use_email") \
    X(login_notice_password_changed, "login.notice.password_changed") \
    X(login_notice_session_expired, "login.notice.session_expired") \
    X(login_title, "login.title") \
    X(logout_error_method, "logout.error.method") \
    X(mail_confirm_account, "mail.confirm.account") \
    X(mail_confirm_account_labelled, "mail.confirm.account_labelled") \
    X(mail_confirm_body, "mail.confirm.body") \
    X(mail_confirm_subject, "mail.confirm.subject") \
    X(mail_notice_body, "mail.notice.body") \
    X(mail_notice_passkeys_many, "mail.notice.passkeys.many") \
    X(mail_notice_passkeys_one, "mail.notice.passkeys.one") \
    X(mail_notice_subject_account_linked, "mail.notice.subject.account_linked") \
    X(mail_notice_subject_account_unlinked, "mail.notice.subject.account_unlinked") \
    X(mail_notice_subject_other, "mail.notice.subject.other") \
    X(mail_notice_subject_passkey_added, "mail.notice.subject.passkey_added") \
    X(mail_notice_subject_passkey_removed, "mail.notice.subject.passkey_removed") \
    X(mail_notice_subject_password_changed, "mail.notice.subject.password_changed") \
    X(mail_notice_subject_password_reset, "mail.notice.subject.password_reset") \
    X(mail_notice_time, "mail.notice.time") \
    X(mail_notice_unknown_address, "mail.notice.unknown_address") \
    X(mail_notice_unknown_browser, "mail.notice.unknown_browser") \
    X(mail_notice_what_account_linked, "mail.notice.what.account_linked") \
    X(mail_notice_what_account_unlinked, "mail.notice.what.account_unlinked") \
    X(mail_notice_what_passkey_added, "mail.notice.what.passkey_added") \
    X(mail_notice_what_passkey_removed, "mail.notice.what.passkey_removed") \
    X(mail_notice_what_password_changed, "mail.notice.what.password_changed") \
    X(mail_notice_what_password_reset, "mail.notice.what.password_reset") \
    X(mail_reset_body, "mail.reset.body") \
    X(mail_reset_subject, "mail.reset.subject") \
    X(manage_code_session_message, "manage.code_session.message") \
    X(manage_error_choose_account, "manage.error.choose_account") \
    X(manage_error_current_session, "manage.error.current_session") \
    X(manage_error_missing_password, "manage.error.missing_password") \
    X(manage_error_no_session, "manage.error.no_session") \
    X(manage_error_session_over, "manage.error.session_over") \
    X(manage_error_unknown_action, "manage.error.unknown_action") \
    X(manage_notice_default, "manage.notice.default") \
    X(manage_notice_password, "manage.notice.password") \
    X(manage_notice_profile, "manage.notice.profile") \
    X(manage_notice_session_end, "manage.notice.session_end") \
    X(manage_notice_sessions_end, "manage.notice.sessions_end") \
    X(manage_notice_unlink, "manage.notice.unlink") \
    X(manage_sessions_unknown_device, "manage.sessions.unknown_device") \
    X(manage_title, "manage.title") \
    X(manage_unlink_confirm_last, "manage.unlink.confirm_last") \
    X(menu_label, "menu.label") \
    X(menu_user, "menu.user") \
    X(message_continue, "message.continue") \
    X(nav_logout, "nav.logout") \
    X(partner_title, "partner.title") \
    X(passkey_error_bad_response, "passkey.error.bad_response") \
    X(passkey_error_copied, "passkey.error.copied") \
    X(passkey_error_delete_method, "passkey.error.delete_method") \
    X(passkey_error_email_only, "passkey.error.email_only") \
    X(passkey_error_expired, "passkey.error.expired") \
    X(passkey_error_hidden_chars, "passkey.error.hidden_chars") \
    X(passkey_error_known, "passkey.error.known") \
    X(passkey_error_login_failed, "passkey.error.login_failed") \
    X(passkey_error_missing_password, "passkey.error.missing_password") \
    X(passkey_error_name_too_long, "passkey.error.name_too_long") \
    X(passkey_error_not_found, "passkey.error.not_found") \
    X(passkey_error_not_present, "passkey.error.not_present") \
    X(passkey_error_not_verified, "passkey.error.not_verified") \
    X(passkey_error_too_many, "passkey.error.too_many") \
    X(passkey_error_too_many_attempts, "passkey.error.too_many_attempts") \
    X(passkey_error_unavailable, "passkey.error.unavailable") \
    X(passkey_error_unconfirmed, "passkey.error.unconfirmed") \
    X(passkey_error_unknown_credential, "passkey.error.unknown_credential") \
    X(passkey_error_unknown_id, "passkey.error.unknown_id") \
    X(passkey_error_unsupported, "passkey.error.unsupported") \
    X(passkey_error_wrong_challenge, "passkey.error.wrong_challenge") \
    X(passkey_error_wrong_site, "passkey.error.wrong_site") \
    X(passkey_js_cancelled, "passkey.js.cancelled") \
    X(passkey_js_error, "passkey.js.error") \
    X(passkey_js_exists, "passkey.js.exists") \
    X(passkey_js_failed, "passkey.js.failed") \
    X(passkey_notice_added, "passkey.notice.added") \
    X(passkey_notice_deleted, "passkey.notice.deleted") \
    X(passkey_unnamed, "passkey.unnamed") \
    X(password_error_common, "password.error.common") \
    X(password_error_mismatch, "password.error.mismatch") \
    X(password_error_too_long, "password.error.too_long") \
    X(password_error_too_short, "password.error.too_short") \
    X(product_name, "product.name") \
    X(profile_error_first_name_missing, "profile.error.first_name_missing") \
    X(profile_error_first_name_too_long, "profile.error.first_name_too_long") \
    X(profile_error_last_name_missing, "profile.error.last_name_missing") \
    X(profile_error_last_name_too_long, "profile.error.last_name_too_long") \
    X(profile_error_phone_invalid, "profile.error.phone_invalid") \
    X(profile_error_phone_too_long, "profile.error.phone_too_long") \
    X(profile_title, "profile.title") \
    X(reset_error_invalid_link, "reset.error.invalid_link") \
    X(reset_invalid_link_again, "reset.invalid_link.again") \
    X(reset_invalid_link_title, "reset.invalid_link.title") \
    X(reset_title, "reset.title") \
    X(session_ended_login, "session.ended.login") \
    X(session_ended_message, "session.ended.message") \
    X(session_ended_title, "session.ended.title") \
    X(switch_error_invalid_account, "switch.error.invalid_account") \
    X(switch_error_method, "switch.error.method") \
    X(switch_error_not_linked, "switch.error.not_linked") \
    X(syndic_unnamed, "syndic.unnamed")

namespace extranet {

enum class Text : unsigned short {
#define EXTRANET_TEXT_NAME(name, key) name,
    EXTRANET_TEXTS(EXTRANET_TEXT_NAME)
#undef EXTRANET_TEXT_NAME
};

inline constexpr std::string_view kTextKeys[] = {
#define EXTRANET_TEXT_KEY(name, key) key,
    EXTRANET_TEXTS(EXTRANET_TEXT_KEY)
#undef EXTRANET_TEXT_KEY
};

inline constexpr std::size_t kTextCount = sizeof kTextKeys / sizeof kTextKeys[0];

constexpr std::string_view text_key(Text t) { return kTextKeys[static_cast<std::size_t>(t)]; }

}  // namespace extranet
