<#-- Every way a sign-in can end badly, one page each (data-smur-page). The PSC extension names its page
     (attribute smurPage: ecps-locked, rpps-invalid, acr-insufficient, not-registered, account-disabled);
     Keycloak's own errors are recognised by their message, whose text this theme overrides (messages_*.properties,
     no parameter, so the rendered text equals msg(key)); the region's "not registered" text comes from the realm
     attribute smurIam.notRegisteredMessage (the first-login flow's message). -->
<#import "template.ftl" as layout>
<#import "smur.ftl" as smur>
<#assign summary = (message.summary)!"">
<#function shows keys>
    <#list keys as key>
        <#if summary == msg(key)><#return true></#if>
    </#list>
    <#return false>
</#function>
<#assign notRegistered = (realm.attributes["smurIam.notRegisteredMessage"])!"">
<#if smurPage??>
    <#global smurPageId = smurPage>
<#elseif shows(["access-denied-when-idp-auth", "access-denied"])>
    <#global smurPageId = "psc-refused">
<#elseif shows(["identityProviderUnexpectedErrorMessage", "identityProviderInvalidResponseMessage",
        "identityProviderInvalidSignatureMessage", "identityProviderMissingCodeOrErrorMessage",
        "identityProviderLoginFailure", "identityProviderRedirectErrorMessage"])>
    <#global smurPageId = "psc-unreachable">
<#elseif notRegistered?has_content && summary == notRegistered>
    <#global smurPageId = "not-registered">
<#elseif shows(["expiredCodeMessage", "expiredActionMessage", "cookieNotFoundMessage", "staleCodeMessage",
        "invalidCodeMessage", "loginTimeout", "identityProviderMissingStateMessage",
        "expiredActionTokenNoSessionMessage", "expiredActionTokenSessionExistsMessage"])>
    <#global smurPageId = "expired">
<#elseif shows(["accountDisabledMessage", "accountTemporarilyDisabledMessage", "accountPermanentlyDisabledMessage"])>
    <#global smurPageId = "account-disabled">
<#else>
    <#global smurPageId = "refused">
</#if>
<#-- Pages whose way out is the SMUR's administrator rather than another try at PSC. -->
<#assign askTheSmur = ["not-registered", "rpps-invalid", "acr-insufficient", "account-disabled", "refused"]>
<@layout.registrationLayout displayMessage=false; section>
    <#if section = "header">
        ${msg("smurTitle." + smurPageId)}
    <#elseif section = "form">
        <div id="kc-error-message" class="smur-message smur-message--error" role="alert">
            <#-- A locked e-CPS comes back as PSC's plain refusal (access_denied): say what PSC said. -->
            <#assign shown = (smurPageId == "ecps-locked")?then(msg("smurEcpsLocked"), summary)>
            <p class="instruction" id="smur-message">${kcSanitize(shown)?no_esc}</p>
            <#if msg("smurAdvice." + smurPageId) != "smurAdvice." + smurPageId>
                <p class="smur-advice" id="smur-advice">${msg("smurAdvice." + smurPageId)}</p>
            </#if>
        </div>
        <#if askTheSmur?seq_contains(smurPageId)>
            <@smur.supportContact/>
        </#if>
        <@smur.retryButton/>
    </#if>
</@layout.registrationLayout>
