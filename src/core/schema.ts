/** Schema pieces that modules share, so each option reads the same in every module's docs. */
import { type SchemaOptions, Type } from '@sinclair/typebox';

/** A string enum as JSON Schema `enum` (plainer errors than a union of literals), typed as the union. */
export function oneOf<const V extends readonly string[]>(values: V, options: SchemaOptions) {
  return Type.Unsafe<V[number]>({ ...options, type: 'string', enum: [...values] });
}

/**
 * A path on the host, which must be absolute: a relative one would depend on the login
 * directory, and one starting with - would read as an option of the commands that get it.
 */
export function absolutePath(description: string) {
  return Type.String({ description, minLength: 1, pattern: '^/', patternMessage: 'must be an absolute path (starting with /)' });
}

/**
 * A user or group, by name or number. No leading -, colon or blank: chown would read it as an
 * option (--reference=...) or as owner:group.
 */
export function account(description: string) {
  return Type.String({ description, minLength: 1, pattern: '^[^-:\\s][^:\\s]*$', patternMessage: 'must be a user or group name, or a number (not starting with -, no colon or blank)' });
}
