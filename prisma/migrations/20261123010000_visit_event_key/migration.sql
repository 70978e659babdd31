-- AlterTable
ALTER TABLE "VisitEvent" ADD COLUMN     "key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "VisitEvent_visitId_key_key" ON "VisitEvent"("visitId", "key");
