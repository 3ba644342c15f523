<#-- Keycloak's information pages. After a sign-out there is no sign-in to retry (Keycloak's restart would only
     find an expired session): the page says how to sign in again, from the app, and offers no button ("signed-out").
     Otherwise the message and one way on: back to the app, Keycloak's next step, or a new sign-in through PSC. -->
<#import "template.ftl" as layout>
<#import "smur.ftl" as smur>
<#assign signedOut = ((message.summary)!"") == msg("successLogout")>
<#global smurPageId = signedOut?then("signed-out", "info")>
<@layout.registrationLayout displayMessage=false; section>
    <#if section = "header">
        <#if signedOut>${msg("smurTitle.signed-out")}<#elseif messageHeader??>${kcSanitize(msg("${messageHeader}"))?no_esc}<#else>${msg("smurTitle.info")}</#if>
    <#elseif section = "form">
        <div id="kc-info-message" class="smur-message" role="status">
            <p class="instruction" id="smur-message">${kcSanitize((message.summary)!"")?no_esc}</p>
            <#if signedOut>
                <p class="smur-advice" id="smur-advice">${msg("smurAdvice.signed-out")}</p>
            </#if>
        </div>
        <#if signedOut>
        <#elseif pageRedirectUri?has_content>
            <p class="smur-actions"><a id="smur-back" class="smur-button" href="${pageRedirectUri}">${msg("backToApplication")}</a></p>
        <#elseif actionUri?has_content>
            <p class="smur-actions"><a id="smur-proceed" class="smur-button" href="${actionUri}">${msg("proceedWithAction")}</a></p>
        <#else>
            <@smur.retryButton/>
        </#if>
    </#if>
</@layout.registrationLayout>
