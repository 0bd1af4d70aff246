{{!The frame of every page: readable without CSS or JavaScript.}}
<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}} — ${product.name}</title>
<link rel="stylesheet" href="{{PREFIX}}style.css?v={{VERSION}}">
{{#FAVICON}}<link rel="icon" href="{{PREFIX}}{{FAVICON_FILE}}?v={{VERSION}}">{{/FAVICON}}
</head>
<body>
<header class="site-header">
<p class="site-name">{{#LOGO}}<img class="site-logo" src="{{PREFIX}}{{LOGO_FILE}}?v={{VERSION}}" alt="" width="28" height="28"> {{/LOGO}}${product.name}</p>
{{!Elderly users get lost easily: a way back and a way out, always.}}
{{#LOGGED_IN}}
<nav class="site-nav" aria-label="${nav.label}">
<a href="/">${nav.back}</a>
{{#HAS_CSRF}}
<form method="post" action="{{PREFIX}}logout" class="inline-form">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit" class="button-link">${nav.logout}</button>
</form>
{{/HAS_CSRF}}
</nav>
{{/LOGGED_IN}}
</header>
<main id="content">
{{>CONTENT}}
</main>
</body>
</html>
