import { z } from 'zod';

/**
 * Response schemas of the OpenAccess REST API, written in our own words from the OpenAccess 7.5 Swagger 2.0
 * spec (tractionguest/lenel-sdk, branch onguard75, swagger.yaml: `definitions` and the `paths` response
 * schemas). The spec file is not vendored: the repository carries no licence for it (its gemspec's
 * "Unlicense" is the code generator's default for the generated Ruby gem, and the spec text is Lenel's), so
 * only the facts are restated here.
 *
 * Deviations from the spec, each on purpose:
 * - Swagger 2.0 makes every property optional unless listed in `required`, and the spec lists none. Here
 *   the properties our client (src/pacs/onguard) reads are required, so a missing one fails the test.
 * - `Directories` spells the name `NAME` in the spec; real servers answer `Name` (tractionguest commit
 *   454b23d "fix directory name", PlaceOS client.cr, the PyPI client). Either is accepted.
 * - Objects stay open (extra keys allowed), as in the spec, which sets no `additionalProperties: false`.
 */

/** `format: int32`. */
const int32 = z.number().int().min(-2147483648).max(2147483647);
/** `format: date-time` (RFC 3339: a zone or offset is required). */
const dateTime = z.iso.datetime({ offset: true });

/** `SharedResponseDefinition`: every answer carries the API version. */
const shared = { version: z.string() };

/** `InstanceDefinition`: a property map whose keys depend on the type. */
export const instanceDefinition = z.looseObject({ property_value_map: z.record(z.string(), z.unknown()) });

export const openAccessSchemas = {
  /** `GET /version` 200. */
  version: z.looseObject({ product_name: z.string(), product_version: z.string(), ...shared }),
  /** `Directories` (GET /directories 200). */
  directories: z.looseObject({
    ...shared,
    total_items: int32,
    item_list: z.array(
      z.looseObject({
        property_value_map: z
          .looseObject({ ID: z.string(), NAME: z.string().optional(), Name: z.string().optional(), directory_type: int32 })
          .refine((m) => m.Name !== undefined || m.NAME !== undefined, 'a directory has a name (Name on real servers, NAME in the spec)'),
      }),
    ),
  }),
  /** `POST /authentication` 200. */
  login: z.looseObject({ session_token: z.string().min(1), token_expiration_time: dateTime, ...shared }),
  /** `SharedResponseDefinition`: keepalive, logout, DELETE /instances. */
  shared: z.looseObject(shared),
  /** `PagedInstances` (GET /instances 200). */
  pagedInstances: z.looseObject({
    ...shared,
    count: int32,
    item_list: z.array(instanceDefinition),
    page_number: int32.min(1),
    page_size: int32.min(1).max(100),
    total_items: int32.min(0),
    total_pages: int32.min(0),
  }),
  /** `Instance` (POST and PUT /instances 200). */
  instance: z.looseObject({ ...shared, property_value_map: z.record(z.string(), z.unknown()) }),
  /** `GET /count` 200. */
  count: z.looseObject({ total_items: int32.min(0), ...shared }),
  /** `Error`, the `default` response of every operation. */
  error: z.looseObject({ ...shared, error: z.looseObject({ code: z.string().min(1), message: z.string() }) }),
};
