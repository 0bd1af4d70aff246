<h1>${forgot.title}</h1>
<p>${forgot.intro}</p>
<p>${forgot.code}</p>
<form method="post" action="{{PREFIX}}password/forgot" id="forgot-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
{{>FORGOT_ERRORS}}
{{>FIELD_LOGIN}}
<button type="submit">${forgot.submit}</button>
</form>
<p class="secondary"><a href="{{PREFIX}}login">${common.back_to_login}</a></p>
