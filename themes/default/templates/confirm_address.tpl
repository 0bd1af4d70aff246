{{!link/confirm: what the owner of the mailbox is about to confirm.}}
<h1>${confirm.title}</h1>
<p>${confirm.email} <strong class="address">{{EMAIL}}</strong></p>
{{#HAS_CLAIMANT}}
<p>${confirm.claimant} <strong>{{CLAIMANT}}</strong></p>
{{/HAS_CLAIMANT}}
{{#HAS_ACCOUNTS}}
<p>${confirm.accounts}</p>
<ul class="confirm-accounts">
{{#ACCOUNT}}
<li><strong class="code">{{CODE}}</strong>{{#HAS_LABEL}} — {{LABEL}}{{/HAS_LABEL}}</li>
{{/ACCOUNT}}
</ul>
{{/HAS_ACCOUNTS}}
<p>${confirm.warning}</p>
<form method="post" action="{{PREFIX}}link/confirm" id="confirm-form">
{{#HAS_CSRF}}<input type="hidden" name="csrf" value="{{CSRF}}">{{/HAS_CSRF}}
<input type="hidden" name="token" value="{{TOKEN}}">
<button type="submit">${confirm.submit}</button>
</form>
