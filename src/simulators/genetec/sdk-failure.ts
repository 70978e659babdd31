/**
 * A logical Web SDK failure: the server answers HTTP 200 with `{"Rsp":{"Status":"Fail","Result":{SdkErrorCode,Message}}}`.
 * Only `InvalidOperation` is an error code seen on real servers [C-obs S-HTP]; every other code the simulator
 * emits is a clearly labelled placeholder (prefix `SimPlaceholder`), overridable through /__sim/config, because
 * the real values are unknown.
 */
export class SdkFailure extends Error {
  constructor(
    readonly sdkErrorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'SdkFailure';
  }
}

export const INVALID_OPERATION = 'InvalidOperation';

/** Keys of the placeholder codes a fixture may override. */
export interface ErrorCodes {
  entityNotFound: string;
  duplicateCredential: string;
  credentialAssigned: string;
  valueOutOfRange: string;
  alreadyMember: string;
  duplicateLogicalId: string;
  unsupported: string;
}

export const PLACEHOLDER_ERROR_CODES: ErrorCodes = {
  entityNotFound: 'SimPlaceholderEntityNotFound',
  duplicateCredential: 'SimPlaceholderDuplicateCredential',
  credentialAssigned: 'SimPlaceholderCredentialAlreadyAssigned',
  valueOutOfRange: 'SimPlaceholderValueOutOfRange',
  alreadyMember: 'SimPlaceholderAlreadyMember',
  duplicateLogicalId: 'SimPlaceholderDuplicateLogicalId',
  unsupported: 'SimPlaceholderUnsupportedInSimulator',
};

export const invalidOperation = (message: string) => new SdkFailure(INVALID_OPERATION, message);
