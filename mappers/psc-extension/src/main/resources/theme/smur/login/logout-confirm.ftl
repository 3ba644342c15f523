<#-- Keycloak's sign-out confirmation (its logout URL opened without the app's ID token: a bookmark, an app that lost
     it). One question and one button, which posts Keycloak's own confirmation; signing out here also closes the
     Pro Santé Connect session (the broker's logout). Nothing to type. -->
<#import "template.ftl" as layout>
<#global smurPageId = "logout-confirm">
<@layout.registrationLayout displayMessage=false; section>
    <#if section = "header">
        ${msg("smurTitle.logout-confirm")}
    <#elseif section = "form">
        <p class="instruction" id="smur-message">${msg("smurLogoutConfirm")}</p>
        <form class="smur-actions" action="${url.logoutConfirmAction}" method="post">
            <input type="hidden" name="session_code" value="${logoutConfirm.code}">
            <button type="submit" class="smur-button" name="confirmLogout" id="smur-logout">${msg("smurLogoutAction")}</button>
        </form>
    </#if>
</@layout.registrationLayout>
