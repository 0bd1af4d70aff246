{{!Cabinet Durand's login page: the built-in one with the firm's opening hours under the form.}}
<h1>${login.title}</h1>
{{#NOTICE}}
<p class="notice" role="status">{{TEXT}}</p>
{{/NOTICE}}
<form method="post" action="{{PREFIX}}login" id="login-form" class="login-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
{{>LOGIN_ERRORS}}
{{#HAS_NEXT}}
<input type="hidden" name="next" value="{{NEXT}}">
{{/HAS_NEXT}}
{{>FIELD_LOGIN}}
{{>FIELD_PASSWORD}}
<button type="submit">${login.submit}</button>
</form>
<p class="secondary"><a href="{{PREFIX}}password/forgot">${login.forgot}</a></p>
{{>PASSKEY_LOGIN}}
<p class="hint firm-hours">Cabinet Durand — accueil du lundi au vendredi, de 9 h à 12 h 30 et de 14 h à 18 h.</p>
