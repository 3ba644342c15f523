<#-- Keycloak's information pages (already signed in, signed out...): the message and one way on. -->
<#import "template.ftl" as layout>
<#import "smur.ftl" as smur>
<#global smurPageId = "info">
<@layout.registrationLayout displayMessage=false; section>
    <#if section = "header">
        <#if messageHeader??>${kcSanitize(msg("${messageHeader}"))?no_esc}<#else>${msg("smurTitle.info")}</#if>
    <#elseif section = "form">
        <div id="kc-info-message" class="smur-message" role="status">
            <p class="instruction" id="smur-message">${kcSanitize((message.summary)!"")?no_esc}</p>
        </div>
        <#if pageRedirectUri?has_content>
            <p class="smur-actions"><a id="smur-back" class="smur-button" href="${pageRedirectUri}">${msg("backToApplication")}</a></p>
        <#else>
            <@smur.retryButton/>
        </#if>
    </#if>
</@layout.registrationLayout>
