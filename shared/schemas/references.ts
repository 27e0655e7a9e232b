/**
 * Resolving a schema's references against the registry's store: each
 * (subject, version) to the live version's schema text, recursively, for
 * the schema rules to parse with. Shared by the registry's REST API and by
 * Produce's schema validation.
 */

import type { SchemaReference, SchemaStore } from '../storage/schemas.js';
import { isSchemaType } from './index.js';
import { type ResolvedReference, SchemaParseError } from './types.js';

/** How deep references may nest; deeper is taken for a cycle. */
const MAX_REFERENCE_DEPTH = 32;

/**
 * `references` resolved to their schemas' text; version -1 is the subject's
 * latest live version. A missing or deleted reference makes the referring
 * schema unparsable: {@link SchemaParseError}.
 */
export async function resolveReferences(
  store: SchemaStore,
  references: readonly SchemaReference[],
  depth = 0,
): Promise<ResolvedReference[]> {
  if (depth > MAX_REFERENCE_DEPTH) throw new SchemaParseError('references nest too deep (a cycle?)');
  const out: ResolvedReference[] = [];
  for (const ref of references) {
    const live = (await store.versions(ref.subject)).filter((v) => !v.deleted);
    const found = ref.version === -1 ? live.at(-1) : live.find((v) => v.version === ref.version);
    const s = found === undefined ? null : await store.getSchema(found.id);
    if (found === undefined || s === null) {
      throw new SchemaParseError(`reference ${ref.name} to subject '${ref.subject}' version ${ref.version} not found`);
    }
    if (!isSchemaType(s.schemaType)) throw new SchemaParseError(`referenced schema ${s.id} has type ${s.schemaType}`);
    out.push({
      name: ref.name,
      subject: ref.subject,
      version: found.version,
      schemaType: s.schemaType,
      schema: s.schema,
      references: await resolveReferences(store, s.references, depth + 1),
    });
  }
  return out;
}
