-- A key whose creator's account is deactivated (an organisation's SCIM deactivation sets User.deactivatedAt) is
-- refused in every workspace, not only in the organisation's (where deactivation also revokes it): the creator's
-- membership does not count while the account is deactivated, as for a creator who left the workspace. Reactivation
-- makes the keys of the other workspaces work again. Same signature: replaced in place.
CREATE OR REPLACE FUNCTION cadre_api_key_lookup(p_hashes TEXT[])
RETURNS TABLE (id TEXT, "keyHash" TEXT, name TEXT, "workspaceId" TEXT, "createdById" TEXT, scopes TEXT[], slug TEXT, role TEXT,
  revoked BOOLEAN, "expiresMs" DOUBLE PRECISION, "lastUsedMs" DOUBLE PRECISION, "ipAllowlist" TEXT[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  SELECT k.id, k."keyHash", k.name, k."workspaceId", k."createdById", k.scopes, w.slug, m.role::text, k."revokedAt" IS NOT NULL,
    (extract(epoch FROM k."expiresAt") * 1000)::float8, (extract(epoch FROM k."lastUsedAt") * 1000)::float8,
    COALESCE(o."apiIpAllowlist", ARRAY[]::TEXT[])
  FROM "ApiKey" k
  JOIN "Workspace" w ON w.id = k."workspaceId" AND w."deletedAt" IS NULL
  LEFT JOIN "Organization" o ON o.id = w."organizationId"
  LEFT JOIN "User" u ON u.id = k."createdById"
  LEFT JOIN "Membership" m ON m."workspaceId" = k."workspaceId" AND m."userId" = k."createdById" AND u."deactivatedAt" IS NULL
  WHERE k."keyHash" = ANY (p_hashes);
END
$$;
