-- AlterTable
ALTER TABLE "User" ADD COLUMN     "allLocations" BOOLEAN NOT NULL DEFAULT false;

-- Backfill: admins configured before location scoping keep managing every site; everyone else now sees
-- the locations of their user groups only (docs/configuration.md, "Locations a user works at").
UPDATE "User" SET "allLocations" = true WHERE 'manageConfiguration' = ANY("permissions");

-- AlterTable
ALTER TABLE "Visit" ADD COLUMN     "signOutRequestedAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "UserGroupLocation" (
    "userGroupId" UUID NOT NULL,
    "locationId" UUID NOT NULL,

    CONSTRAINT "UserGroupLocation_pkey" PRIMARY KEY ("userGroupId","locationId")
);

-- CreateIndex
CREATE INDEX "UserGroupLocation_locationId_idx" ON "UserGroupLocation"("locationId");

-- AddForeignKey
ALTER TABLE "UserGroupLocation" ADD CONSTRAINT "UserGroupLocation_userGroupId_fkey" FOREIGN KEY ("userGroupId") REFERENCES "UserGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserGroupLocation" ADD CONSTRAINT "UserGroupLocation_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "Location"("id") ON DELETE CASCADE ON UPDATE CASCADE;

