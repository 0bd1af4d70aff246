<h1>${link.title}</h1>
<p>${link.intro}</p>
<p class="hint">${link.hint}</p>
<form method="post" action="{{PREFIX}}link" id="link-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
{{>LINK_ERRORS}}
{{>FIELD_EMAIL}}
<button type="submit">${link.next}</button>
</form>
