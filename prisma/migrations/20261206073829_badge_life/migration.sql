-- AlterTable
ALTER TABLE "SecurityBadge" ADD COLUMN     "notReturnedVisitId" UUID,
ADD COLUMN     "retiredAt" TIMESTAMPTZ(3),
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'available';

-- AlterTable
ALTER TABLE "Visit" ADD COLUMN     "badgeReturned" BOOLEAN;

