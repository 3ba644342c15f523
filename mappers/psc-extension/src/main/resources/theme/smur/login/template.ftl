<#-- The layout of every page of the smur login theme: the region's name, the page's title and message,
     what the page adds. No script, no form of its own, no language menu (the browser's language decides).
     Same macro signature as the base theme's, so base pages we do not override (logout confirmation...)
     still render inside it. -->
<#macro registrationLayout bodyClass="" displayInfo=false displayMessage=true displayRequiredFields=false>
<!DOCTYPE html>
<html lang="${lang}">
<head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="robots" content="noindex, nofollow">
    <title>${msg("smurTitle", realm.displayName!realm.name)}</title>
    <#if properties.styles?has_content>
        <#list properties.styles?split(' ') as style>
            <link href="${url.resourcesPath}/${style}" rel="stylesheet">
        </#list>
    </#if>
</head>
<body class="smur ${bodyClass}">
<header class="smur-banner">
    <p class="smur-region" id="smur-region">${realm.displayName!realm.name}</p>
    <p class="smur-service">${msg("smurService")}</p>
</header>
<main class="smur-card" id="smur-page" data-smur-page="${smurPageId!pageId!'page'}">
    <h1 id="kc-page-title"><#nested "header"></h1>
    <#if displayMessage && message?has_content>
        <div class="smur-message smur-message--${message.type}" role="alert">${kcSanitize(message.summary)?no_esc}</div>
    </#if>
    <#nested "form">
    <#if displayInfo>
        <#nested "info">
    </#if>
</main>
<footer class="smur-footer">
    <p>${msg("smurFooter")}</p>
</footer>
</body>
</html>
</#macro>
