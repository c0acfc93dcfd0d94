-- The shared marketplace (issue 16, server/marketplace/): listings, their signed versions, installs, reviews and reports.

-- array_to_string is only stable (its element output could depend on settings); for text[] it is not, and a generated
-- column needs an immutable expression
CREATE FUNCTION cadre_tags_text(tags TEXT[]) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string(tags, ' ') $$;
CREATE TABLE "Listing" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "category" TEXT NOT NULL,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "icon" TEXT NOT NULL DEFAULT '',
    "visibility" TEXT NOT NULL DEFAULT 'public',
    "status" TEXT NOT NULL DEFAULT 'active',
    "linkToken" TEXT NOT NULL,
    "latestVersion" INTEGER NOT NULL DEFAULT 1,
    "installCount" INTEGER NOT NULL DEFAULT 0,
    "ratingCount" INTEGER NOT NULL DEFAULT 0,
    "ratingSum" INTEGER NOT NULL DEFAULT 0,
    "removedReason" TEXT,
    "removedAt" TIMESTAMP(3),
    "searchText" tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple'::regconfig, "name"), 'A') ||
      setweight(to_tsvector('simple'::regconfig, "summary"), 'B') ||
      setweight(to_tsvector('simple'::regconfig, cadre_tags_text("tags")), 'B') ||
      setweight(to_tsvector('simple'::regconfig, "description"), 'C')
    ) STORED,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Listing_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Listing_kind_check" CHECK ("kind" IN ('agent', 'team')),
    CONSTRAINT "Listing_visibility_check" CHECK ("visibility" IN ('public', 'unlisted')),
    CONSTRAINT "Listing_status_check" CHECK ("status" IN ('active', 'unpublished', 'removed')),
    CONSTRAINT "Listing_counts_check" CHECK ("installCount" >= 0 AND "ratingCount" >= 0 AND "ratingSum" >= 0)
);
CREATE UNIQUE INDEX "Listing_slug_key" ON "Listing"("slug");
CREATE UNIQUE INDEX "Listing_linkToken_key" ON "Listing"("linkToken");
CREATE INDEX "Listing_workspaceId_createdAt_idx" ON "Listing"("workspaceId", "createdAt");
CREATE INDEX "Listing_status_visibility_installCount_idx" ON "Listing"("status", "visibility", "installCount");
CREATE INDEX "Listing_searchText_idx" ON "Listing" USING GIN ("searchText");
CREATE INDEX "Listing_tags_idx" ON "Listing" USING GIN ("tags");
ALTER TABLE "Listing" ADD CONSTRAINT "Listing_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "ListingVersion" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "listingId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "changelog" TEXT NOT NULL DEFAULT '',
    "package" JSONB NOT NULL,
    "manifest" JSONB NOT NULL,
    "digest" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ListingVersion_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "ListingVersion_listingId_version_key" ON "ListingVersion"("listingId", "version");
CREATE INDEX "ListingVersion_workspaceId_idx" ON "ListingVersion"("workspaceId");
ALTER TABLE "ListingVersion" ADD CONSTRAINT "ListingVersion_listingId_fkey" FOREIGN KEY ("listingId") REFERENCES "Listing"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "ListingInstall" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "listingId" TEXT NOT NULL,
    "listingVersionId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "rootKind" TEXT NOT NULL,
    "rootId" TEXT NOT NULL,
    "resources" JSONB NOT NULL,
    "secretBindings" JSONB NOT NULL DEFAULT '{}',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "ListingInstall_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ListingInstall_rootKind_check" CHECK ("rootKind" IN ('agent', 'team'))
);
CREATE INDEX "ListingInstall_workspaceId_createdAt_idx" ON "ListingInstall"("workspaceId", "createdAt");
CREATE INDEX "ListingInstall_listingId_idx" ON "ListingInstall"("listingId");
ALTER TABLE "ListingInstall" ADD CONSTRAINT "ListingInstall_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ListingInstall" ADD CONSTRAINT "ListingInstall_listingId_fkey" FOREIGN KEY ("listingId") REFERENCES "Listing"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "ListingInstall" ADD CONSTRAINT "ListingInstall_listingVersionId_fkey" FOREIGN KEY ("listingVersionId") REFERENCES "ListingVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "ListingReview" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "listingId" TEXT NOT NULL,
    "rating" INTEGER NOT NULL,
    "body" TEXT NOT NULL DEFAULT '',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "ListingReview_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ListingReview_rating_check" CHECK ("rating" BETWEEN 1 AND 5)
);
CREATE UNIQUE INDEX "ListingReview_listingId_workspaceId_key" ON "ListingReview"("listingId", "workspaceId");
CREATE INDEX "ListingReview_workspaceId_idx" ON "ListingReview"("workspaceId");
ALTER TABLE "ListingReview" ADD CONSTRAINT "ListingReview_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ListingReview" ADD CONSTRAINT "ListingReview_listingId_fkey" FOREIGN KEY ("listingId") REFERENCES "Listing"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "ListingReport" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "listingId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "details" TEXT NOT NULL DEFAULT '',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),
    CONSTRAINT "ListingReport_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ListingReport_reason_check" CHECK ("reason" IN ('malicious', 'spam', 'broken', 'inappropriate', 'other'))
);
CREATE UNIQUE INDEX "ListingReport_listingId_workspaceId_key" ON "ListingReport"("listingId", "workspaceId");
CREATE INDEX "ListingReport_listingId_createdAt_idx" ON "ListingReport"("listingId", "createdAt");
ALTER TABLE "ListingReport" ADD CONSTRAINT "ListingReport_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ListingReport" ADD CONSTRAINT "ListingReport_listingId_fkey" FOREIGN KEY ("listingId") REFERENCES "Listing"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- installed agents, teams, tools and MCP servers name their install (same workspace)
ALTER TABLE "Agent" ADD COLUMN "installId" TEXT;
ALTER TABLE "Team" ADD COLUMN "installId" TEXT;
ALTER TABLE "Tool" ADD COLUMN "installId" TEXT;
ALTER TABLE "McpServer" ADD COLUMN "installId" TEXT;

GRANT SELECT, INSERT, UPDATE, DELETE ON "Listing", "ListingVersion", "ListingInstall", "ListingReview", "ListingReport" TO cadre_app, cadre_system;

-- Every table: its own workspace's rows, read and written (the publisher, the installer, the reviewer, the reporter).
-- Besides, a workspace reads a listing that is public and active, or that it installed (also once unpublished or
-- removed, so its installs keep working and show why), and the versions and reviews of every listing it reads. An
-- unlisted listing is read by its link token only (privileged path "marketplace-link").
ALTER TABLE "Listing" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Listing" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Listing"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
CREATE POLICY "marketplace_read" ON "Listing" FOR SELECT
  USING (
    ("status" = 'active' AND "visibility" = 'public')
    OR "id" IN (SELECT "listingId" FROM "ListingInstall" WHERE "workspaceId" = current_setting('app.workspace_id', true))
  );
ALTER TABLE "ListingVersion" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ListingVersion" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "ListingVersion"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
CREATE POLICY "marketplace_read" ON "ListingVersion" FOR SELECT
  USING ("listingId" IN (SELECT "id" FROM "Listing"));
ALTER TABLE "ListingInstall" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ListingInstall" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "ListingInstall"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "ListingReview" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ListingReview" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "ListingReview"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
CREATE POLICY "marketplace_read" ON "ListingReview" FOR SELECT
  USING ("listingId" IN (SELECT "id" FROM "Listing"));
ALTER TABLE "ListingReport" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ListingReport" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "ListingReport"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- the full lists of lib/schemas/audit.ts
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'listing.publish', 'listing.publish_version', 'listing.update', 'listing.unpublish', 'listing.republish', 'listing.remove', 'listing.review', 'listing.report', 'listing_install.create', 'listing_install.update', 'listing_install.delete', 'mcp.call', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'mcp_connection.authorize', 'mcp_connection.revoke', 'member.leave', 'member.remove', 'member.role_change', 'memory.create', 'memory.update', 'memory.delete', 'memory_document.create', 'memory_document.delete', 'memory.settings.update', 'memory.subject.erase', 'memory_model.update', 'memory_model.delete', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'schedule.create', 'schedule.update', 'schedule.pause', 'schedule.resume', 'schedule.delete', 'session.create', 'session.delete', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'webhook.create', 'webhook.update', 'webhook.delete', 'webhook.rotate_secret', 'webhook.test', 'webhook_delivery.redeliver', 'webhook_trigger.create', 'webhook_trigger.update', 'webhook_trigger.rotate_secret', 'webhook_trigger.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));

ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'listing', 'listing_install', 'mcp_server', 'mcp_connection', 'member', 'memory', 'memory_document', 'memory_model', 'model', 'provider', 'routing_preset', 'run', 'secret', 'schedule', 'session', 'subject', 'team', 'tool', 'tool_approval', 'user', 'webhook', 'webhook_delivery', 'webhook_trigger', 'workspace'
));
