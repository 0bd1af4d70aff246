<h1>${profile.title}</h1>
<form method="post" action="{{PREFIX}}link/profile" id="profile-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
{{>PROFILE_ERRORS}}
<input type="hidden" name="email" value="{{EMAIL}}">
{{>FIELD_EMAIL}}
{{>FIELD_LAST_NAME}}
{{>FIELD_FIRST_NAME}}
{{>FIELD_PHONE}}
<h2 class="form-part">${profile.password_part}</h2>
<p class="warning" id="profile-password-warning">${profile.password_warning}</p>
{{>FIELD_PASSWORD}}
{{>FIELD_PASSWORD_CONFIRM}}
<button type="submit">${link.next}</button>
</form>
<p class="secondary"><a href="{{BACK_HREF}}">${link.back}</a></p>
