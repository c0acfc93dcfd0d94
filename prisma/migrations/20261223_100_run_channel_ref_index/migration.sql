-- The runs list filtered on the webhook trigger, schedule or evaluation that started the runs ("channelRef", newest
-- first, lib/schemas/runs.ts listRunsInputSchema): only those runs have one, so the index holds only them (kept by hand,
-- like the other partial indexes: Prisma's datamodel has no partial indexes).
CREATE INDEX "Run_channelRef_idx" ON "Run" ("workspaceId", "channelRef", "createdAt", "id") WHERE "channelRef" IS NOT NULL;
