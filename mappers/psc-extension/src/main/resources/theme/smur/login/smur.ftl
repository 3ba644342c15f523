<#-- What the smur pages share: the one button back to Pro Santé Connect and the region's support contact. -->

<#-- « Réessayer avec Pro Santé Connect »: Keycloak's restart of this sign-in (login-actions/restart, with the
     app's client_id and the browser tab: smurRetryUrl, set by the PSC extension when PSC comes back, else the
     form's own url.loginRestartFlowUrl; without them Keycloak uses its KC_RESTART cookie). It keeps the
     app's own authorization request (redirect_uri, state, PKCE), so the code goes back to the same app, and runs
     the realm's PSC-only flow again, whose redirector sends the browser straight to PSC: kc_idp_hint=psc (the
     app's hint, or the flow's default provider). -->
<#macro retryButton href="">
    <p class="smur-actions">
        <a id="smur-retry" class="psc-button" href="${href?has_content?then(href, (smurRetryUrl)!url.loginRestartFlowUrl)}">
            <svg class="psc-button__logo" viewBox="0 0 40 44" width="30" height="33" aria-hidden="true" focusable="false">
                <path d="M20 2 37 11.5v21L20 42 3 32.5v-21z" fill="#fff"/>
                <path d="M20 6.5 33 13.8v16.4L20 37.5 7 30.2V13.8z" fill="#000091"/>
                <rect x="13" y="20" width="14" height="11" rx="2" fill="#fff"/>
                <path d="M15.5 20v-3.2a4.5 4.5 0 0 1 9 0V20" fill="none" stroke="#fff" stroke-width="2.4"/>
                <circle cx="20" cy="25.5" r="1.9" fill="#E1000F"/>
            </svg>
            <span class="psc-button__text">
                <span class="psc-button__action">${msg("smurRetryAction")}</span>
                <span class="psc-button__wordmark"><span class="psc-pro">Pro</span> <span class="psc-sante">Santé</span> <span class="psc-connect">Connect</span></span>
            </span>
        </a>
    </p>
    <p class="psc-tagline">${msg("smurPscTagline")}</p>
</#macro>

<#-- The region's contact (realm attribute smurIam.supportContact: a phone number, an e-mail or a URL). -->
<#macro supportContact>
    <#assign contact = (realm.attributes["smurIam.supportContact"])!"">
    <#if contact?has_content>
        <p class="smur-support" id="smur-support">${msg("smurSupportContact")}
            <#if contact?contains("@")>
                <a id="smur-support-link" href="mailto:${contact}">${contact}</a>
            <#elseif contact?starts_with("http://") || contact?starts_with("https://")>
                <a id="smur-support-link" href="${contact}">${contact}</a>
            <#else>
                <a id="smur-support-link" href="tel:${contact?replace('[^0-9+]', '', 'r')}">${contact}</a>
            </#if>
        </p>
    <#else>
        <p class="smur-support" id="smur-support">${msg("smurSupportAdministrator")}</p>
    </#if>
</#macro>
