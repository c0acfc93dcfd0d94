-- Audit entries outlive their workspace (kept until the retention period purges them)
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_workspaceId_fkey";
ALTER TABLE "AuditLog" ADD COLUMN "workspaceSlug" TEXT;
ALTER TABLE "AuditLog" ADD COLUMN "clientIp" TEXT;
ALTER TABLE "AuditLog" ADD COLUMN "userAgent" TEXT;
UPDATE "AuditLog" a SET "workspaceSlug" = w.slug FROM "Workspace" w WHERE w.id = a."workspaceId";
CREATE INDEX "AuditLog_createdAt_idx" ON "AuditLog"("createdAt");

-- Per-workspace REST rate limit (null: the operator default)
ALTER TABLE "Workspace" ADD COLUMN "apiRateLimitPerMinute" INTEGER;

-- Authentication events (not tied to a workspace)
CREATE TABLE "AuthEvent" (
    "id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "userId" TEXT,
    "email" TEXT,
    "clientIp" TEXT,
    "userAgent" TEXT,
    "requestId" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AuthEvent_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "AuthEvent_userId_createdAt_idx" ON "AuthEvent"("userId", "createdAt");
CREATE INDEX "AuthEvent_email_createdAt_idx" ON "AuthEvent"("email", "createdAt");
CREATE INDEX "AuthEvent_createdAt_idx" ON "AuthEvent"("createdAt");
