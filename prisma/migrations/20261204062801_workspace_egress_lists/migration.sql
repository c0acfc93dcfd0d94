-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN     "egressAllowHosts" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "egressDenyHosts" TEXT[] DEFAULT ARRAY[]::TEXT[];
