"""User links at national scale: staff lists → passwordless accounts linked to their PSC identity.

`smur-iam links plan|apply --region R --from FILE` reads a staff list (our CSV,
or ANS's public directory extraction), compares it with the realm in a few bulk
reads, and writes the difference (creations by partialImport batches, updates
and removals one by one). Never delete-all-and-recreate.
"""
