<h1>${partner.title}</h1>
<p>{{MESSAGE}}</p>
<h2>${partner.what}</h2>
<ul class="steps">
<li>${partner.other_address} <strong>{{ACCOUNT}}</strong> ${partner.other_address_end} <a href="{{PREFIX}}link">${partner.other_address_link}</a>.</li>
<li>${partner.keep_code} <strong>{{ACCOUNT}}</strong> ${partner.keep_code_end} <a href="/">${nav.back_lower}</a>.</li>
</ul>
{{>SYNDIC}}
