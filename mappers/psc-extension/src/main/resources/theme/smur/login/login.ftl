<#-- Keycloak's sign-in form, never shown by the realm's PSC-only flow (its redirector sends the browser straight
     to PSC). Should a flow bound by hand ask for it, the page still has no field at all: only Pro Santé Connect. -->
<#import "template.ftl" as layout>
<#import "smur.ftl" as smur>
<#global smurPageId = "psc-redirect">
<@layout.registrationLayout displayMessage=true; section>
    <#if section = "header">
        ${msg("smurTitle.psc-redirect")}
    <#elseif section = "form">
        <p class="instruction" id="smur-message">${msg("smurPscRedirect")}</p>
        <#assign psc = "">
        <#if social?? && social.providers?has_content>
            <#list social.providers as p><#if p.alias == "psc"><#assign psc = p.loginUrl></#if></#list>
        </#if>
        <@smur.retryButton href=psc/>
    </#if>
</@layout.registrationLayout>
