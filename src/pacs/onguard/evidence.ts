/**
 * OnGuard OpenAccess facts shared by the client (src/pacs/onguard) and the simulator (src/simulators/onguard)
 * so the two cannot drift apart. Sources and grades: docs/pacs/onguard-openaccess.md.
 */

/** OpenAccess base path (S1 basePath); admins type only the server origin. */
export const BASE_PATH = '/api/access/onguard/openaccess';

/** The simulator's sign-in, used by tests, the demo seed and `npm run simulator`. Not a real system's. */
export const ONGUARD_SIM_DEFAULTS = {
  username: 'admin',
  password: 'onguard-sim-password',
  // The literal non-production licences accept (S7).
  applicationId: 'OPEN_ACCESS_NON_PRODUCTION',
} as const;
