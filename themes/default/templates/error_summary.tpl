{{!Every message of a form that failed, each a link to its field. Its short title is focused when the page loads (no JavaScript): a browser centres what it focuses, and a long list would push a focused box's top off a small screen.}}
<div class="error-summary" id="{{ID}}" role="alert" aria-labelledby="{{ID}}-title">
<p class="error-summary-title" id="{{ID}}-title" tabindex="-1" autofocus>{{#ONE}}${errors.title.one}{{/ONE}}{{#MANY}}${errors.title.many}{{/MANY}}</p>
<ul>
{{#ITEM}}
<li>{{#LINK}}<a href="#{{FIELD_ID}}">{{MESSAGE}}</a>{{/LINK}}{{#PLAIN_ITEM}}{{MESSAGE}}{{/PLAIN_ITEM}}</li>
{{/ITEM}}
</ul>
</div>
