/** `tsplay modules [NAME]`: generated from each module's schema, the one source of its options. */
import type { ModuleDef } from '../core/module.js';

function typeOf(p: any): string {
  if (p.enum) return p.enum.map(String).join('|');
  if (p.const !== undefined) return String(p.const);
  // A union of literals (TypeBox's Type.Union of Type.Literal) reads as its choices: a|b|c.
  if (p.anyOf) return p.anyOf.map(typeOf).join(p.anyOf.every((q: any) => q.const !== undefined) ? '|' : ' or ');
  if (p.type === 'array') return `list of ${p.items ? typeOf(p.items) : 'any'}`;
  if (Array.isArray(p.type)) return p.type.join(' or ');
  return p.type ?? 'any';
}

export function moduleList(mods: ModuleDef[]): string {
  const width = Math.max(...mods.map((m) => m.name.length));
  return mods.map((m) => `${m.name.padEnd(width)}  ${m.description.split(/(?<=\.)\s/)[0]}`).join('\n') + '\n';
}

export function moduleDoc(m: ModuleDef): string {
  const schema = m.schema as any;
  const required = new Set<string>(schema.required ?? []);
  const lines = [`${m.name}: ${m.description}`, '', 'Options:'];
  for (const [name, p] of Object.entries<any>(schema.properties ?? {})) {
    const flags = [typeOf(p), required.has(name) ? 'required' : undefined, p.default !== undefined ? `default ${JSON.stringify(p.default)}` : undefined]
      .filter(Boolean)
      .join(', ');
    lines.push(`  ${name}${m.freeForm === name ? ' (free form)' : ''}  (${flags})`);
    if (p.description) lines.push(`      ${p.description}`);
  }
  if (schema.additionalProperties !== false && !schema.properties) lines.push('  any key: value');
  if (m.examples) lines.push('', 'Examples:', m.examples.trimEnd());
  return lines.join('\n') + '\n';
}

/** The README's module reference: one line per option, generated so it cannot drift from the schemas. */
export function modulesMarkdown(mods: ModuleDef[]): string {
  const out: string[] = [];
  for (const m of mods) {
    const schema = m.schema as any;
    const required = new Set<string>(schema.required ?? []);
    out.push(`### ${m.name}`, '', m.description, '');
    const props = Object.entries<any>(schema.properties ?? {});
    if (props.length === 0) out.push('- any `key: value`: a variable to set');
    for (const [name, p] of props) {
      const bits = [typeOf(p), required.has(name) ? 'required' : undefined, p.default !== undefined ? `default \`${JSON.stringify(p.default)}\`` : undefined].filter(Boolean);
      out.push(`- \`${name}\` (${bits.join(', ')}): ${p.description ?? ''}`.trimEnd());
    }
    out.push('');
  }
  return out.join('\n');
}
