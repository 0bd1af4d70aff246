<h1>{{TITLE}}</h1>
<p>{{MESSAGE}}</p>
{{#LINK}}
<p><a href="{{HREF}}">{{TEXT}}</a></p>
{{/LINK}}
