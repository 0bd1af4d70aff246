<h1>${accounts.title}</h1>
<ul class="accounts">
{{#ACCOUNT}}
<li class="account{{#ACTIVE}} account-active{{/ACTIVE}}"{{#ACTIVE}} aria-current="true"{{/ACTIVE}}>
<p class="account-code" id="account-{{INDEX}}">${account.code} <strong class="code">{{CODE}}</strong></p>
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
{{#SWITCH}}
<form method="post" action="{{PREFIX}}switch" class="switch-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
<input type="hidden" name="account" value="{{CODE}}">
{{#HAS_NEXT}}
<input type="hidden" name="next" value="{{NEXT}}">
{{/HAS_NEXT}}
<button type="submit" aria-describedby="account-{{INDEX}}">${accounts.switch}</button>
</form>
{{/SWITCH}}
</li>
{{/ACCOUNT}}
</ul>
<ul class="actions">
{{#CODE_SESSION}}
<li><a href="{{PREFIX}}link">${accounts.link}</a></li>
{{/CODE_SESSION}}
<li><a href="{{PREFIX}}manage">${common.manage}</a></li>
<li><a href="/">${nav.back}</a></li>
{{#HAS_CSRF}}
<li><form method="post" action="{{PREFIX}}logout" class="inline-form">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit" class="button-link">${nav.logout}</button>
</form></li>
{{/HAS_CSRF}}
</ul>
