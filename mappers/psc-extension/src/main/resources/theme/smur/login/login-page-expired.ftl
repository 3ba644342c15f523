<#-- Keycloak's "page has expired" (a back button, a tab left open): one way on, a new sign-in through PSC. -->
<#import "template.ftl" as layout>
<#import "smur.ftl" as smur>
<#global smurPageId = "expired">
<@layout.registrationLayout; section>
    <#if section = "header">
        ${msg("smurTitle.expired")}
    <#elseif section = "form">
        <div id="kc-error-message" class="smur-message" role="alert">
            <p class="instruction" id="smur-message">${msg("smurPageExpired")}</p>
        </div>
        <@smur.retryButton/>
    </#if>
</@layout.registrationLayout>
