-- CreateTable
CREATE TABLE "Location" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "endOfDay" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Location_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "permissions" TEXT[],
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Provider" (
    "id" UUID NOT NULL,
    "locationId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "passwordCiphertext" TEXT NOT NULL,
    "applicationId" TEXT,
    "directoryId" TEXT,
    "tlsVerify" BOOLEAN NOT NULL DEFAULT true,
    "tlsCaCert" TEXT,
    "tlsFingerprint" TEXT,
    "maxConcurrentRequests" INTEGER NOT NULL DEFAULT 4,
    "settings" JSONB,
    "taskQueue" TEXT,
    "refreshIntervalMinutes" INTEGER NOT NULL DEFAULT 60,
    "refreshStatus" TEXT NOT NULL DEFAULT 'never',
    "lastRefreshAt" TIMESTAMPTZ(3),
    "lastRefreshSuccessAt" TIMESTAMPTZ(3),
    "lastRefreshError" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Provider_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessRule" (
    "id" UUID NOT NULL,
    "providerId" UUID NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AccessRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BadgeType" (
    "id" UUID NOT NULL,
    "providerId" UUID NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "manualEntry" BOOLEAN NOT NULL DEFAULT true,
    "idMin" BIGINT,
    "idMax" BIGINT,
    "details" JSONB,
    "status" TEXT NOT NULL DEFAULT 'active',
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "BadgeType_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SecurityBadge" (
    "id" UUID NOT NULL,
    "providerId" UUID NOT NULL,
    "badgeTypeId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "uniqueId" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SecurityBadge_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UserGroup" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "UserGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UserGroupAccessRule" (
    "userGroupId" UUID NOT NULL,
    "accessRuleId" UUID NOT NULL,

    CONSTRAINT "UserGroupAccessRule_pkey" PRIMARY KEY ("userGroupId","accessRuleId")
);

-- CreateTable
CREATE TABLE "UserGroupMember" (
    "userGroupId" UUID NOT NULL,
    "userId" UUID NOT NULL,

    CONSTRAINT "UserGroupMember_pkey" PRIMARY KEY ("userGroupId","userId")
);

-- CreateTable
CREATE TABLE "Visit" (
    "id" UUID NOT NULL,
    "workflowId" TEXT NOT NULL,
    "locationId" UUID NOT NULL,
    "providerId" UUID NOT NULL,
    "badgeId" UUID NOT NULL,
    "activeBadgeId" UUID,
    "status" TEXT NOT NULL,
    "visitor" JSONB NOT NULL,
    "accessRuleIds" TEXT[],
    "createdById" UUID,
    "idempotencyKey" TEXT,
    "endsAt" TIMESTAMPTZ(3),
    "lastError" JSONB,
    "pacsRefs" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Visit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VisitEvent" (
    "id" BIGSERIAL NOT NULL,
    "visitId" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL,
    "detail" TEXT,

    CONSTRAINT "VisitEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "User_tokenHash_key" ON "User"("tokenHash");

-- CreateIndex
CREATE INDEX "Provider_locationId_idx" ON "Provider"("locationId");

-- CreateIndex
CREATE UNIQUE INDEX "AccessRule_providerId_externalId_key" ON "AccessRule"("providerId", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "BadgeType_providerId_externalId_key" ON "BadgeType"("providerId", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "SecurityBadge_providerId_uniqueId_key" ON "SecurityBadge"("providerId", "uniqueId");

-- CreateIndex
CREATE UNIQUE INDEX "UserGroup_name_key" ON "UserGroup"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Visit_workflowId_key" ON "Visit"("workflowId");

-- CreateIndex
CREATE UNIQUE INDEX "Visit_activeBadgeId_key" ON "Visit"("activeBadgeId");

-- CreateIndex
CREATE INDEX "Visit_locationId_status_idx" ON "Visit"("locationId", "status");

-- CreateIndex
CREATE INDEX "Visit_status_idx" ON "Visit"("status");

-- CreateIndex
CREATE UNIQUE INDEX "Visit_createdById_idempotencyKey_key" ON "Visit"("createdById", "idempotencyKey");

-- CreateIndex
CREATE INDEX "VisitEvent_visitId_at_idx" ON "VisitEvent"("visitId", "at");

-- AddForeignKey
ALTER TABLE "Provider" ADD CONSTRAINT "Provider_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "Location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessRule" ADD CONSTRAINT "AccessRule_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "Provider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BadgeType" ADD CONSTRAINT "BadgeType_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "Provider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SecurityBadge" ADD CONSTRAINT "SecurityBadge_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "Provider"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SecurityBadge" ADD CONSTRAINT "SecurityBadge_badgeTypeId_fkey" FOREIGN KEY ("badgeTypeId") REFERENCES "BadgeType"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserGroupAccessRule" ADD CONSTRAINT "UserGroupAccessRule_userGroupId_fkey" FOREIGN KEY ("userGroupId") REFERENCES "UserGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserGroupAccessRule" ADD CONSTRAINT "UserGroupAccessRule_accessRuleId_fkey" FOREIGN KEY ("accessRuleId") REFERENCES "AccessRule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserGroupMember" ADD CONSTRAINT "UserGroupMember_userGroupId_fkey" FOREIGN KEY ("userGroupId") REFERENCES "UserGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserGroupMember" ADD CONSTRAINT "UserGroupMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Visit" ADD CONSTRAINT "Visit_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "Location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Visit" ADD CONSTRAINT "Visit_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "Provider"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Visit" ADD CONSTRAINT "Visit_badgeId_fkey" FOREIGN KEY ("badgeId") REFERENCES "SecurityBadge"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Visit" ADD CONSTRAINT "Visit_activeBadgeId_fkey" FOREIGN KEY ("activeBadgeId") REFERENCES "SecurityBadge"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VisitEvent" ADD CONSTRAINT "VisitEvent_visitId_fkey" FOREIGN KEY ("visitId") REFERENCES "Visit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

