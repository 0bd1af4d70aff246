<h1>${forgot.title}</h1>
<p>${syndic.intro}</p>
{{#KNOWN}}
<p>${syndic.ask} :</p>
{{/KNOWN}}
{{>SYNDIC}}
{{#UNKNOWN}}
<p>${syndic.ask} : ${syndic.unknown}</p>
{{/UNKNOWN}}
<p>${syndic.link}</p>
<p class="secondary"><a href="{{PREFIX}}login">${common.back_to_login}</a></p>
