-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "watchedUntil" TIMESTAMP(3);
