/**
 * The OpenAccess error envelope `{ error: { code, message }, version }` and the codes this simulator
 * answers with. Only two codes have been seen on real servers; every other one is ours, kept in the same
 * `openaccess.general.*` family so clients are exercised on realistic-looking data, and listed apart so
 * nobody mistakes them for evidence (docs/pacs/onguard-openaccess.md §4).
 */

/** Seen on real servers (S2 and S7 captures). */
export const REAL_ERROR_CODES = {
  invalidApplicationId: 'openaccess.general.invalidapplicationid',
  invalidRequestItem: 'openaccess.general.invalidrequestitem',
} as const;

/** Simulator invention, not seen on a real server. A real OnGuard may use other codes and statuses. */
export const INVENTED_ERROR_CODES = {
  invalidCredentials: 'openaccess.general.invalidcredentials',
  invalidSession: 'openaccess.general.invalidsession',
  invalidType: 'openaccess.general.invalidtype',
  invalidFilter: 'openaccess.general.invalidfilter',
  invalidJson: 'openaccess.general.invalidjson',
  missingVersion: 'openaccess.general.missingversion',
  unsupportedVersion: 'openaccess.general.unsupportedversion',
  duplicateBadgeId: 'openaccess.general.duplicatebadgeid',
  badgeIdOutOfRange: 'openaccess.general.badgeidoutofrange',
  badgeIdTooLong: 'openaccess.general.badgeidtoolong',
  badgeTypeNotManual: 'openaccess.general.badgetypenotmanual',
  activeBadgeLimit: 'openaccess.general.activebadgelimit',
  badgeNotActive: 'openaccess.general.badgenotactive',
  accessLevelLimit: 'openaccess.general.accesslevellimit',
  duplicateItem: 'openaccess.general.duplicateitem',
  itemNotFound: 'openaccess.general.itemnotfound',
  itemReferenced: 'openaccess.general.itemreferenced',
  immutableProperty: 'openaccess.general.immutableproperty',
  permissionDenied: 'openaccess.general.permissiondenied',
  operationNotSupported: 'openaccess.general.operationnotsupported',
  notFound: 'openaccess.general.notfound',
  internalError: 'openaccess.general.internalerror',
} as const;

export type SimErrorCode = (typeof REAL_ERROR_CODES)[keyof typeof REAL_ERROR_CODES] | (typeof INVENTED_ERROR_CODES)[keyof typeof INVENTED_ERROR_CODES];

export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: SimErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SimError';
  }
}

/** The wording of the one real invalidrequestitem message we have (S2), reused for every bad property. */
export const invalidProperty = (name: string) =>
  new SimError(400, REAL_ERROR_CODES.invalidRequestItem, `The property ${name} did not exist or contained an invalid value.`);

export const envelope = (code: string, message: string, version = '1.0') => ({ error: { code, message }, version });
