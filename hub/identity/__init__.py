"""Who is calling: identities with roles, API tokens, OIDC access tokens, staff sessions."""
