<h1>${link_done.title}</h1>
<p role="status">${link_done.account} <strong class="code">{{ACCOUNT}}</strong> ${link_done.linked} <strong class="address">{{EMAIL}}</strong>${link_done.linked_end}</p>
<p>${link_done.next_time}</p>
{{#CONFIRMATION_SENT}}
<p class="notice" id="confirm-notice">${link_done.confirmation_sent}</p>
{{/CONFIRMATION_SENT}}
<ul class="actions">
<li><a class="button" href="/">${link_done.go}</a></li>
<li><a href="{{PREFIX}}manage">${common.manage}</a></li>
</ul>
