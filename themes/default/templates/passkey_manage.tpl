{{!The "Clés d'accès" section, folded away on a phone like the other lists. Without JavaScript (or WebAuthn) it lists and removes passkeys with plain forms; passkey.js shows the adding part.}}
<details class="fold" id="passkeys"{{#OPEN}} open{{/OPEN}}>
<summary><h2 id="manage-passkeys">${passkey.title}</h2> ({{COUNT}})</summary>
<div class="fold-body">
<p>${passkey.intro}</p>
{{#NONE}}
<p id="passkeys-none">${passkey.none}</p>
{{/NONE}}
{{#LIST}}
<ul class="sessions passkeys">
{{#PASSKEY}}
<li class="session passkey">
<p class="session-device" id="passkey-{{INDEX}}">{{#HAS_NAME}}{{NAME}}{{/HAS_NAME}}{{#NO_NAME}}${passkey.unnamed}{{/NO_NAME}}</p>
<p>${passkey.created} {{CREATED}}</p>
<p>${passkey.last_used} {{#USED}}{{LAST_USED}}{{/USED}}{{#NEVER}}${passkey.never}{{/NEVER}}</p>
<form method="post" action="{{PREFIX}}passkey/delete" class="passkey-delete">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
<input type="hidden" name="id" value="{{ID}}">
<button type="submit" aria-describedby="passkey-{{INDEX}}">${passkey.delete}</button>
</form>
</li>
{{/PASSKEY}}
</ul>
{{/LIST}}
<div class="passkey-add" id="passkey-add" data-prefix="{{PREFIX}}" data-csrf="{{CSRF}}" hidden>
<div class="field">
<label for="passkey-name">${passkey.name}</label>
<p class="hint" id="passkey-name-hint">${passkey.name_hint}</p>
<input type="text" id="passkey-name" name="name" maxlength="60" autocomplete="off" aria-describedby="passkey-name-hint">
</div>
{{!A passkey logs in without the password: adding one asks for it.}}
<div class="field">
<label for="passkey-current-password">${passkey.current_password}</label>
<input type="password" id="passkey-current-password" name="current_password" autocomplete="current-password" required>
</div>
<button type="button" id="passkey-add-button">${passkey.add}</button>
<p class="error" id="passkey-add-error" hidden></p>
</div>
<p class="hint" id="passkey-unsupported">${passkey.unsupported}</p>
</div>
</details>
<script src="{{PREFIX}}passkey.js?v={{VERSION}}" defer></script>
