-- A member of an organisation's workspace reads that organisation in their user scope: its policy (second factor
-- required) applies to them (server/auth/mfa-policy.ts).
CREATE POLICY "workspace_member_reads" ON "Organization" FOR SELECT
  USING (EXISTS (
    SELECT 1 FROM "Workspace" w JOIN "Membership" m ON m."workspaceId" = w."id"
    WHERE w."organizationId" = "Organization"."id" AND m."userId" = current_setting('app.user_id', true)
  ));
