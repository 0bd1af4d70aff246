<h1>${link.title}</h1>
<p>${link_password.intro}</p>
<p>${link_password.email} <strong class="address">{{EMAIL}}</strong></p>
<form method="post" action="{{PREFIX}}link/password" id="link-password-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
{{>LINK_PASSWORD_ERRORS}}
<input type="hidden" name="email" value="{{EMAIL}}">
{{!Lets password managers pair the password with the address.}}
<input type="hidden" autocomplete="username" value="{{EMAIL}}">
{{>FIELD_PASSWORD}}
<button type="submit">${link.next}</button>
</form>
<p class="secondary"><a href="{{PREFIX}}password/forgot">${login.forgot}</a></p>
<p class="secondary"><a href="{{BACK_HREF}}">${link.back}</a></p>
