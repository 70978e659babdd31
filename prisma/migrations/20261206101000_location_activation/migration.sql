-- AlterTable
ALTER TABLE "Location" ADD COLUMN     "activation" TEXT NOT NULL DEFAULT 'on-sign-in';
