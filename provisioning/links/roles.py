"""Default realm roles for a profession (ANS TRE_G15 codes), used when a source states no role.

The same table is configured in the PSC mapper extension for logins; here it
only seeds the roles of accounts created from the public directory.
"""
PROFESSION_ROLES = {
    "10": "medecin",
    "21": "pharmacien",
    "40": "chirurgien-dentiste",
    "50": "sage-femme",
    "60": "infirmier",
    "69": "infirmier",
}
# TRE_R09: category E = étudiant (internes).
CATEGORY_ROLES = {"E": "interne"}
# TRE_R85 role codes for RPPS+ staff (SMUR drivers).
ROLE_CODE_ROLES = {"314": "ambulancier"}
