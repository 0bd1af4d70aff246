<h1>${manage.title}</h1>
{{#NOTICE}}
<p class="notice" role="status">{{TEXT}}</p>
{{/NOTICE}}
{{>PAGE_ERRORS}}
{{!The confirmation step of a destructive action, at the top of the page and focused (unless its own error summary takes the focus); "Annuler" goes back to the plain page. Works without JavaScript.}}
{{#CONFIRM}}
<section class="confirm" id="manage-confirm" aria-labelledby="manage-confirm-title">
<h2 id="manage-confirm-title"{{#FOCUS}} tabindex="-1" autofocus{{/FOCUS}}>{{#CONFIRM_UNLINK}}${manage.unlink.title} {{CODE}} ?{{/CONFIRM_UNLINK}}{{#CONFIRM_END_SESSION}}${manage.end_session.title}{{/CONFIRM_END_SESSION}}{{#CONFIRM_END_OTHERS}}${manage.end_others.title}{{/CONFIRM_END_OTHERS}}</h2>
{{#CONFIRM_UNLINK}}
<p>${manage.unlink.text}</p>
{{#LAST}}
<p><strong>${manage.unlink.last}</strong></p>
{{/LAST}}
<form method="post" action="{{PREFIX}}manage" id="manage-unlink-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
{{>UNLINK_ERRORS}}
<input type="hidden" name="action" value="unlink">
<input type="hidden" name="account" value="{{CODE}}">
<input type="hidden" name="confirm" value="1">
<input type="hidden" autocomplete="username" value="{{EMAIL}}">
{{>FIELD_CONFIRM_PASSWORD}}
<button type="submit" class="danger">${manage.unlink.submit}</button>
</form>
{{/CONFIRM_UNLINK}}
{{#CONFIRM_END_SESSION}}
<p>{{DEVICE}}, ${manage.end_session.address} {{ADDRESS}}, ${manage.end_session.last_seen} {{LAST_SEEN}}. ${manage.end_session.text}</p>
<form method="post" action="{{PREFIX}}manage" id="manage-end-session-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
<input type="hidden" name="action" value="end_session">
<input type="hidden" name="session" value="{{SESSION_ID}}">
<button type="submit" class="danger">${manage.end_session.submit}</button>
</form>
{{/CONFIRM_END_SESSION}}
{{#CONFIRM_END_OTHERS}}
<p>${manage.end_others.text}</p>
<form method="post" action="{{PREFIX}}manage" id="manage-end-others-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
<input type="hidden" name="action" value="end_other_sessions">
<button type="submit" class="danger">${manage.end_others.submit}</button>
</form>
{{/CONFIRM_END_OTHERS}}
<p class="secondary"><a href="{{PREFIX}}manage">${manage.cancel}</a></p>
</section>
{{/CONFIRM}}
{{!A phone shows the everyday settings first; the rest is folded.}}
<section aria-labelledby="manage-default">
<h2 id="manage-default">${manage.default.title}</h2>
<form method="post" action="{{PREFIX}}manage" id="manage-default-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
{{>DEFAULT_ERRORS}}
<input type="hidden" name="action" value="default">
<fieldset{{#DEFAULT_ERROR}} aria-describedby="manage-default-error"{{/DEFAULT_ERROR}}>
<legend class="plain">${manage.default.legend}</legend>
{{#DEFAULT_ERROR}}
<p class="error" id="manage-default-error">{{TEXT}}</p>
{{/DEFAULT_ERROR}}
{{#CHOICE}}
<div class="choice">
<input type="radio" name="default_account" id="manage-default-{{INDEX}}" value="{{CODE}}"{{#CHECKED}} checked{{/CHECKED}}>
<label for="manage-default-{{INDEX}}"><span class="code">{{CODE}}</span>{{#HAS_LABEL}} — {{LABEL}}{{/HAS_LABEL}}</label>
</div>
{{/CHOICE}}
</fieldset>
<button type="submit">${manage.default.submit}</button>
</form>
</section>
<section aria-labelledby="manage-profile">
<h2 id="manage-profile">${manage.profile.title}</h2>
<form method="post" action="{{PREFIX}}manage" id="manage-profile-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
{{>PROFILE_ERRORS}}
<input type="hidden" name="action" value="profile">
{{>FIELD_EMAIL}}
{{>FIELD_LAST_NAME}}
{{>FIELD_FIRST_NAME}}
{{>FIELD_PHONE}}
<button type="submit">${manage.profile.submit}</button>
</form>
</section>
<details class="fold" id="manage-password"{{#PASSWORD_OPEN}} open{{/PASSWORD_OPEN}}>
<summary>${manage.password.title}</summary>
<div class="fold-body">
<form method="post" action="{{PREFIX}}manage" id="manage-password-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
{{>PASSWORD_ERRORS}}
<input type="hidden" name="action" value="password">
<input type="hidden" autocomplete="username" value="{{EMAIL}}">
{{>FIELD_CURRENT_PASSWORD}}
{{>FIELD_NEW_PASSWORD}}
{{>FIELD_PASSWORD_CONFIRM}}
<p class="hint">${manage.password.sessions}</p>
<button type="submit">${manage.password.submit}</button>
</form>
</div>
</details>
<details class="fold" id="manage-accounts">
<summary>${manage.accounts.title} ({{ACCOUNT_COUNT}})</summary>
<div class="fold-body">
<ul class="accounts">
{{#ACCOUNT}}
<li class="account{{#ACTIVE}} account-active{{/ACTIVE}}"{{#ACTIVE}} aria-current="true"{{/ACTIVE}}>
<p class="account-code" id="manage-account-{{INDEX}}">${account.code} <strong class="code">{{CODE}}</strong></p>
<p class="account-syndic">${account.syndic} {{SYNDIC_CODE}}{{#HAS_SYNDIC_NAME}} — {{SYNDIC_NAME}}{{/HAS_SYNDIC_NAME}}</p>
{{#HAS_LABEL}}
<p class="account-label">{{LABEL}}</p>
{{/HAS_LABEL}}
{{#ACTIVE}}
<p class="badge">${account.active}</p>
{{/ACTIVE}}
{{#DEFAULT}}
<p class="badge badge-default">${account.default}</p>
{{/DEFAULT}}
<p><a class="button button-danger" href="{{PREFIX}}manage?confirm=unlink&amp;account={{CODE}}" aria-describedby="manage-account-{{INDEX}}">${manage.accounts.unlink}</a></p>
</li>
{{/ACCOUNT}}
</ul>
</div>
</details>
<details class="fold" id="manage-sessions">
<summary>${manage.sessions.title} ({{SESSION_COUNT}})</summary>
<div class="fold-body">
<ul class="sessions">
{{#SESSION}}
<li class="session{{#CURRENT}} session-current{{/CURRENT}}"{{#CURRENT}} aria-current="true"{{/CURRENT}}>
<p class="session-device" id="manage-session-{{INDEX}}">{{DEVICE}}</p>
<p>${manage.sessions.address} {{ADDRESS}}</p>
<p>${manage.sessions.last_seen} {{LAST_SEEN}}</p>
{{#CURRENT}}
<p class="badge">${manage.sessions.current}</p>
{{/CURRENT}}
{{#OTHER}}
<p><a class="button button-danger" href="{{PREFIX}}manage?confirm=end_session&amp;session={{ID}}" aria-describedby="manage-session-{{INDEX}}">${manage.sessions.end}</a></p>
{{/OTHER}}
</li>
{{/SESSION}}
</ul>
{{#OTHERS}}
<p><a class="button button-danger" href="{{PREFIX}}manage?confirm=end_other_sessions">${manage.sessions.end_others}</a></p>
{{/OTHERS}}
</div>
</details>
{{>PASSKEYS}}
