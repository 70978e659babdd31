-- AlterTable
ALTER TABLE "Provider" ADD COLUMN     "reconcileIntervalMinutes" INTEGER NOT NULL DEFAULT 5;

-- CreateTable
CREATE TABLE "ReconciliationRun" (
    "id" UUID NOT NULL,
    "providerId" UUID NOT NULL,
    "trigger" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "workflowRunId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),
    "visitsChecked" INTEGER NOT NULL DEFAULT 0,
    "badgesChecked" INTEGER NOT NULL DEFAULT 0,
    "error" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReconciliationRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReconciliationFinding" (
    "id" BIGSERIAL NOT NULL,
    "runId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "visitId" UUID,
    "badgeId" UUID,
    "message" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReconciliationFinding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReconciliationAction" (
    "id" BIGSERIAL NOT NULL,
    "runId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "visitId" UUID,
    "badgeId" UUID,
    "message" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReconciliationAction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ReconciliationRun_workflowRunId_key" ON "ReconciliationRun"("workflowRunId");

-- CreateIndex
CREATE INDEX "ReconciliationRun_providerId_createdAt_idx" ON "ReconciliationRun"("providerId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ReconciliationFinding_runId_key_key" ON "ReconciliationFinding"("runId", "key");

-- CreateIndex
CREATE UNIQUE INDEX "ReconciliationAction_runId_key_key" ON "ReconciliationAction"("runId", "key");

-- AddForeignKey
ALTER TABLE "ReconciliationRun" ADD CONSTRAINT "ReconciliationRun_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "Provider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReconciliationFinding" ADD CONSTRAINT "ReconciliationFinding_runId_fkey" FOREIGN KEY ("runId") REFERENCES "ReconciliationRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReconciliationAction" ADD CONSTRAINT "ReconciliationAction_runId_fkey" FOREIGN KEY ("runId") REFERENCES "ReconciliationRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

