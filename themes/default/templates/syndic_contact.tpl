{{!A syndic's contact details: name, then each known way to reach them (tel: and mailto: links so that a phone can call at once).}}
<div class="contact">
<h2>{{#OWN_TITLE}}${contact.title}{{/OWN_TITLE}}{{#ACCOUNT_TITLE}}${contact.title.account}{{/ACCOUNT_TITLE}}</h2>
<p class="contact-name"><strong>{{NAME}}</strong></p>
<ul class="contact-list">
{{#PHONE}}
<li>${contact.phone} <a href="tel:{{DIAL}}">{{NUMBER}}</a></li>
{{/PHONE}}
{{#EMAIL}}
<li>${contact.email} <a href="mailto:{{ADDRESS}}">{{ADDRESS}}</a></li>
{{/EMAIL}}
{{#POSTAL}}
<li>${contact.address} {{ADDRESS}}</li>
{{/POSTAL}}
</ul>
</div>
