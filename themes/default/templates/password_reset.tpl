<h1>${reset.title}</h1>
<form method="post" action="{{PREFIX}}password/reset" id="reset-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
{{>RESET_ERRORS}}
<input type="hidden" name="token" value="{{TOKEN}}">
{{#HAS_EMAIL}}
<p>${reset.email} <strong>{{EMAIL}}</strong></p>
{{!Lets password managers pair the new password with the address.}}
<input type="hidden" autocomplete="username" value="{{EMAIL}}">
{{/HAS_EMAIL}}
{{>FIELD_NEW_PASSWORD}}
{{>FIELD_PASSWORD_CONFIRM}}
<p class="hint">${reset.sessions}</p>
{{!A lost or stolen device holds a passkey as well as a session.}}
<div class="choice">
<input type="checkbox" name="remove_passkeys" id="reset-remove-passkeys" value="1" aria-describedby="reset-passkeys-hint"{{#REMOVE_PASSKEYS}} checked{{/REMOVE_PASSKEYS}}>
<label for="reset-remove-passkeys">${reset.remove_passkeys}</label>
</div>
<p class="hint" id="reset-passkeys-hint">${reset.remove_passkeys_hint}</p>
<button type="submit">${reset.submit}</button>
</form>
