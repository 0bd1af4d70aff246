{{!One labelled input with its hint and error, tied together by ids so that screen readers announce them with the field.}}
<div class="field{{#HAS_ERROR}} field-invalid{{/HAS_ERROR}}">
<label for="{{ID}}">{{LABEL}}</label>
{{#HAS_HINT}}
<p class="hint" id="{{ID}}-hint">{{HINT}}</p>
{{/HAS_HINT}}
{{#HAS_ERROR}}
<p class="error" id="{{ID}}-error">{{ERROR}}</p>
{{/HAS_ERROR}}
<input id="{{ID}}"{{#HAS_NAME}} name="{{NAME}}"{{/HAS_NAME}} type="{{TYPE}}"{{#HAS_VALUE}} value="{{VALUE}}"{{/HAS_VALUE}}{{#HAS_AUTOCOMPLETE}} autocomplete="{{AUTOCOMPLETE}}"{{/HAS_AUTOCOMPLETE}}{{#REQUIRED}} required{{/REQUIRED}}{{#HAS_DESCRIBEDBY}} aria-describedby="{{DESCRIBEDBY}}"{{/HAS_DESCRIBEDBY}}{{#INVALID}} aria-invalid="true"{{/INVALID}}{{#PLAIN}} autocapitalize="none" autocorrect="off" spellcheck="false"{{/PLAIN}}{{#READONLY}} readonly{{/READONLY}}{{#MINLENGTH}} minlength="{{MIN_LENGTH}}"{{/MINLENGTH}}>
</div>
