{{!Hidden until passkey.js finds WebAuthn: without it the page is unchanged.}}
<div class="passkey-login" id="passkey-login" data-prefix="{{PREFIX}}" data-next="{{NEXT}}" hidden>
<p class="passkey-or">${passkey.or}</p>
<button type="button" id="passkey-login-button">${passkey.login}</button>
<p class="error" id="passkey-login-error" hidden></p>
</div>
<script src="{{PREFIX}}passkey.js?v={{VERSION}}" defer></script>
