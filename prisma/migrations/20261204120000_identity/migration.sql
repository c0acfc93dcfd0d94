-- Email verification and progressive sign-in delays
ALTER TABLE "User" ADD COLUMN "emailVerified" TIMESTAMP(3);

-- users created by an OAuth sign-up (no password) had a provider-verified email
UPDATE "User" SET "emailVerified" = "createdAt" WHERE "passwordHash" IS NULL AND EXISTS (SELECT 1 FROM "Account" a WHERE a."userId" = "User".id);

CREATE TABLE "LoginThrottle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL,
    "lastFailureAt" TIMESTAMP(3) NOT NULL,
    "blockedUntil" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "LoginThrottle_pkey" PRIMARY KEY ("key")
);
