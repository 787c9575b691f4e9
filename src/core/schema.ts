/** Schema pieces that modules share, so each option reads the same in every module's docs. */
import { type SchemaOptions, Type } from '@sinclair/typebox';

/** A string enum as JSON Schema `enum` (plainer errors than a union of literals), typed as the union. */
export function oneOf<const V extends readonly string[]>(values: V, options: SchemaOptions) {
  return Type.Unsafe<V[number]>({ ...options, type: 'string', enum: [...values] });
}
